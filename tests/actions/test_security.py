"""What keeps one person's registration from another: the proof in the
registration_id slot, validation before every lookup and save, the limit on failed
lookups; and the answer when the database is in trouble, after which the same
answer completes the turn."""

from __future__ import annotations

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet

from bot.actions.applicant import ActionSaveRegistration, ValidateApplicantForm
from bot.actions.ask import ActionAskDetailsConfirmed
from bot.actions.location import ActionIssueConfirmation, ValidateLocationForm
from bot.core.i18n import t
from bot.core.registry import Applicant, RegistryUnavailable
from tests.actions.support import APPLICANT, DETAILS

FORM = "applicant_form"
OFFICE_CHOSEN = {"return_city": "Potosí", "return_location": "PTS-01", "location_confirmed": True}
WRONG_DATES = ["1 January 1980", "2 February 1981", "3 March 1982", "4 April 1983", "6 March 1985"]


@pytest.fixture
def calls(monkeypatch, isolated_services):
    """Records the calls of a registry method; `failures` first calls raise
    RegistryUnavailable (a locked SQLite file, PostgreSQL down), the rest work."""

    def watch(method: str, failures: int = 0) -> list[tuple]:
        real = getattr(isolated_services.registry, method)
        log: list[tuple] = []

        def call(*args):
            log.append(args)
            if len(log) <= failures:
                raise RegistryUnavailable("the database did not answer")
            return real(*args)

        monkeypatch.setattr(isolated_services.registry, method, call)
        return log

    return watch


@pytest.fixture
def form_turn(make_tracker, run):
    """Runs validate_applicant_form on a message that filled `candidates`."""

    def turn(requested_slot, candidates, slots, text="answer", sender=None, language="en"):
        tracker = make_tracker(
            text=text,
            intent="inform",
            slots={"language": language, **slots},
            form=FORM,
            requested_slot=requested_slot,
            slot_events=candidates,
            sender=sender,
        )
        return run(ValidateApplicantForm(), tracker)

    return turn


def _after_yes(make_tracker, run, action_class):
    """Runs `action_class` after the person's "yes", with the given slots."""

    def run_action(sender=None, **slots):
        tracker = make_tracker(text="yes", intent="affirm", sender=sender, slots={"language": "en", **slots})
        return run(action_class(), tracker)

    return run_action


@pytest.fixture
def save(make_tracker, run):
    return _after_yes(make_tracker, run, ActionSaveRegistration)


@pytest.fixture
def issue(make_tracker, run):
    return _after_yes(make_tracker, run, ActionIssueConfirmation)


def limited_text(consular_contact, language="en"):
    return f"{t('lookup.limited', language)}\n{consular_contact(language)}"


# --- 1. a registration only for the conversation that proved it -------------------------


@pytest.mark.parametrize(
    "forged",
    [
        "{id}",
        "{id}.{other}",
        "{id}.0000000000000000000000000000000000000000000000000000000000000000",
        "{id}.",
        " {id}",
    ],
    ids=["bare id", "another conversation's value", "made-up signature", "empty signature", "padded"],
)
def test_no_confirmation_for_an_unproven_registration_id(
    issue, isolated_services, registration, proof_for, forged
):
    victim = isolated_services.registry.issue_confirmation(registration.id, "LPZ-01", "es")
    other = (
        proof_for(registration.id, "the-victims-conversation").split(".")[1] if "{other}" in forged else ""
    )
    value = forged.format(id=registration.id, other=other)

    outcome = issue(registration_id=value, has_confirmation=True, **OFFICE_CHOSEN)

    assert outcome.texts == [t("confirmation.check_again", "en")]
    assert not any(victim.number in text or victim.token in text for text in outcome.texts)
    assert SlotSet("registration_id", None) in outcome.events
    assert outcome.events[-1] == ActiveLoop(FORM)


def test_no_confirmation_is_issued_for_someone_elses_registration(issue, isolated_services, registration):
    outcome = issue(registration_id=str(registration.id), **OFFICE_CHOSEN)

    assert outcome.texts == [t("confirmation.check_again", "en")]
    assert isolated_services.registry.confirmation_for(registration.id) is None


def test_the_request_from_the_report_gets_no_confirmation(make_tracker, run, isolated_services, registration):
    # {"next_action": "action_issue_confirmation", "tracker": {"slots": {"registration_id": "1"}}}
    victim = isolated_services.registry.issue_confirmation(registration.id, "LPZ-01", "en")
    tracker = make_tracker(slots={"registration_id": str(registration.id)})

    outcome = run(ActionIssueConfirmation(), tracker)

    assert victim.number not in "".join(outcome.texts)
    assert outcome.texts == [t("confirmation.check_again", "en")]


def test_the_proof_from_a_lookup_issues_the_confirmation(issue, isolated_services, registration, proof_for):
    outcome = issue(registration_id=proof_for(registration.id), **OFFICE_CHOSEN)

    confirmation = isolated_services.registry.confirmation_for(registration.id)
    assert confirmation is not None
    assert confirmation.number in outcome.texts[0]


def test_the_lookup_proves_the_registration_to_this_conversation_only(
    form_turn, isolated_services, registration
):
    outcome = form_turn(
        "nationality", {"nationality": "Bolivia"}, {"registered": True, **DETAILS, "nationality": None}
    )

    value = outcome.slots["registration_id"]
    assert isolated_services.proof.verify(value, "test-sender") == registration.id
    assert isolated_services.proof.verify(value, "another-conversation") is None


def test_save_ignores_an_unproven_registration_id(save, isolated_services, registration, proof_for):
    # Someone else's id in the slot: their registration is neither reused nor shown.
    mine = {
        "passport_number": "B7654321",
        "date_of_birth": "1990-12-25",
        "date_confirmed": True,
        "nationality": "PER",
    }

    outcome = save(registered=True, registration_id=str(registration.id), **mine)

    saved = isolated_services.registry.find(Applicant("B7654321", "1990-12-25", "PER"))
    assert saved is not None and saved.id != registration.id
    assert outcome.texts == [t("registration.created", "en")]
    assert outcome.slots == {"registration_id": proof_for(saved.id), "has_confirmation": False}


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("date_of_birth", "2099-12-31", t("errors.date_future", "en")),
        ("date_of_birth", "1850-01-01", t("errors.date_too_old", "en", max_age=120)),
        ("date_of_birth", "31/02/1990", t("errors.date_invalid", "en")),
        ("date_of_birth", "25/12/1990", None),
        ("nationality", "ZZZ", t("errors.nationality_unknown", "en")),
        ("passport_number", "A12", t("errors.passport_length", "en", min=5, max=20, count=3)),
        ("passport_number", "a1234567", None),
    ],
)
def test_save_validates_the_fields_again_and_asks_for_a_bad_one(
    save, isolated_services, calls, field, value, error
):
    registered = calls("register")

    outcome = save(registered=False, **{**DETAILS, "details_confirmed": True, field: value})

    assert registered == []
    assert outcome.texts == ([error] if error else [])
    assert outcome.slots[field] is None
    assert outcome.slots["details_confirmed"] is None
    assert outcome.slots["registration_id"] is None
    assert outcome.events[-1] == ActiveLoop(FORM)


def test_the_report_s_registration_is_not_saved(save, calls):
    registered = calls("register")

    outcome = save(registered=False, **{**DETAILS, "date_of_birth": "2099-12-31", "nationality": "ZZZ"})

    assert registered == []
    assert outcome.texts == [t("errors.date_future", "en"), t("errors.nationality_unknown", "en")]
    assert outcome.slots["date_of_birth"] is None and outcome.slots["nationality"] is None
    assert "passport_number" not in outcome.slots


def test_the_reopened_form_asks_the_cleared_field(save, make_tracker, run):
    first = save(registered=False, **{**DETAILS, "details_confirmed": True, "nationality": "ZZZ"})
    slots = {"language": "en", "registered": False, **DETAILS, **first.slots}

    # Rasa runs the form again (the action made it active): it validates nothing and asks.
    outcome = run(ValidateApplicantForm(), make_tracker(slots=slots, form=FORM, slot_events={}))

    assert outcome.events == [SlotSet("requested_slot", "nationality")]


# --- 2. only validated values are looked up ----------------------------------------------


def test_a_passport_typed_while_the_date_is_asked_is_no_server_error(form_turn, calls):
    # Registered path, after a failed lookup and "change date of birth": the date is
    # asked, and the person writes the passport instead.
    found = calls("find")
    message = "wait, the passport is B7654321"
    slots = {
        "registered": True,
        **DETAILS,
        "date_of_birth": None,
        "date_confirmed": None,
        "lookup_failed": True,
    }

    outcome = form_turn(
        "date_of_birth", {"passport_number": "B7654321", "date_of_birth": message}, slots, text=message
    )

    assert found == []
    assert outcome.texts == [t("errors.date_unreadable", "en")]
    assert outcome.slots["passport_number"] == "B7654321"
    assert outcome.slots["date_of_birth"] is None
    assert outcome.events[-1] == SlotSet("requested_slot", "date_of_birth")


@pytest.mark.parametrize(
    ("held", "answered", "asked"),
    [
        ({"date_of_birth": "5 March 1985"}, {"nationality": "Bolivia"}, "date_of_birth"),
        ({"date_of_birth": "2099-12-31"}, {"nationality": "Bolivia"}, "date_of_birth"),
        ({"nationality": "Bolivia"}, {"date_of_birth": "5 March 1985"}, "nationality"),
        ({"nationality": "ZZZ"}, {"date_of_birth": "5 March 1985"}, "nationality"),
        ({"passport_number": "a123 4567"}, {"nationality": "Bolivia"}, "passport_number"),
    ],
    ids=["raw date", "future date", "raw nationality", "unknown code", "raw passport"],
)
def test_a_value_that_never_passed_its_validator_is_asked_again_not_looked_up(
    form_turn, calls, registration, held, answered, asked
):
    found = calls("find")
    slots = {"registered": True, **DETAILS, **dict.fromkeys(answered), **held}

    outcome = form_turn(next(iter(answered)), answered, slots)

    assert found == []
    assert outcome.slots[asked] is None
    assert outcome.slots["registration_id"] is None
    assert outcome.events[-1] == SlotSet("requested_slot", asked)


def test_a_date_whose_reading_is_open_is_not_looked_up(form_turn, calls, registration):
    found = calls("find")
    slots = {
        "registered": True,
        **DETAILS,
        "date_alternative": "1985-05-03",
        "date_confirmed": None,
        "nationality": None,
    }

    outcome = form_turn("nationality", {"nationality": "Bolivia"}, slots)

    assert found == []
    assert outcome.events[-1] == SlotSet("requested_slot", "date_confirmed")


# --- 3. failed lookups are limited -------------------------------------------------------


@pytest.fixture
def guess_date(form_turn):
    """The registered path after "change date of birth": one more date of birth."""

    def guess(date, passport="A1234567", sender=None):
        slots = {
            "registered": True,
            **DETAILS,
            "passport_number": passport,
            "date_of_birth": None,
            "date_confirmed": None,
            "lookup_failed": True,
        }
        return form_turn("date_of_birth", {"date_of_birth": date}, slots, sender=sender)

    return guess


def test_guessing_the_date_of_birth_is_stopped_before_the_registry(
    guess_date, calls, registration, consular_contact
):
    found = calls("find")
    for date in WRONG_DATES:
        assert guess_date(date).slots["lookup_failed"] is True

    outcome = guess_date("5 March 1985")  # the right one, too late

    assert len(found) == len(WRONG_DATES)
    assert outcome.texts == [limited_text(consular_contact)]
    assert outcome.slots["registration_id"] is None
    assert outcome.slots["passport_number"] is None and outcome.slots["date_of_birth"] is None
    assert outcome.events[-1] == SlotSet("requested_slot", "passport_number")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_limit_gives_the_same_reply_for_a_registered_and_an_unknown_passport(
    form_turn, registration, consular_contact, language
):
    outcomes = {}
    for passport in ("A1234567", "C7777777"):
        sender = f"conversation-{passport}"
        slots = {
            "registered": True,
            **DETAILS,
            "passport_number": passport,
            "date_of_birth": None,
            "date_confirmed": None,
            "lookup_failed": True,
        }
        replies = [
            form_turn("date_of_birth", {"date_of_birth": date}, slots, sender=sender, language=language)
            for date in [*WRONG_DATES, "5 March 1985"]
        ]
        outcomes[passport] = [(reply.texts, reply.events) for reply in replies]

    assert outcomes["A1234567"] == outcomes["C7777777"]
    assert outcomes["A1234567"][0][0] == []  # a failed lookup says nothing itself: the form asks the choice
    assert outcomes["A1234567"][-1][0] == [limited_text(consular_contact, language)]


def test_a_passport_registered_just_now_gets_as_many_lookups_as_an_unknown_one(
    save, guess_date, consular_contact
):
    # Otherwise the count of lookups before the refusal would show the registration.
    assert save(sender="registering", registered=False, **DETAILS).texts == [t("registration.created", "en")]
    outcomes = {}
    for passport in ("A1234567", "C7777777"):
        replies = [
            guess_date(date, passport=passport, sender=f"guessing-{passport}")
            for date in [*WRONG_DATES, "7 March 1985"]
        ]
        outcomes[passport] = [(reply.texts, reply.events) for reply in replies]

    assert outcomes["A1234567"] == outcomes["C7777777"]
    assert outcomes["A1234567"][-1][0] == [limited_text(consular_contact)]


def test_a_failed_lookup_looks_the_same_for_a_registered_and_an_unknown_passport(guess_date, registration):
    known = guess_date("6 March 1985", passport="A1234567", sender="one")
    unknown = guess_date("6 March 1985", passport="C7777777", sender="two")

    assert (known.texts, known.events) == (unknown.texts, unknown.events)
    assert known.events[-1] == SlotSet("requested_slot", "lookup_choice")


def test_the_passport_limit_holds_across_conversations(guess_date, calls, registration):
    found = calls("find")
    for number, date in enumerate(WRONG_DATES):
        guess_date(date, sender=f"conversation-{number}")

    outcome = guess_date("5 March 1985", sender="yet-another-conversation")

    assert len(found) == len(WRONG_DATES)
    assert outcome.slots["registration_id"] is None


def test_the_conversation_limit_holds_across_passports(guess_date, calls, registration):
    found = calls("find")
    for number in range(5):
        guess_date("5 March 1985", passport=f"C{number}777777")

    outcome = guess_date("5 March 1985", passport="A1234567")

    assert len(found) == 5
    assert outcome.slots["registration_id"] is None


def test_someone_who_mistypes_twice_gets_through_on_the_third_try(guess_date, registration, proof_for):
    for date in WRONG_DATES[:2]:
        guess_date(date)

    outcome = guess_date("5 March 1985")

    assert outcome.slots["registration_id"] == proof_for(registration.id)
    assert outcome.events[-1] == SlotSet("requested_slot", None)


def test_registering_as_new_cannot_be_used_to_guess_either(save, calls, registration, consular_contact):
    # "Saved" or "found" at the end of the new-applicant path would tell a guessed
    # date of birth apart: new registrations count as failed lookups.
    registered = calls("register")
    for number, date in enumerate(["1980-01-01", "1981-02-02", "1982-03-03", "1983-04-04", "1985-03-06"]):
        guess = save(sender=f"conversation-{number}", registered=False, **{**DETAILS, "date_of_birth": date})
        assert guess.texts == [t("registration.created", "en")]

    outcome = save(sender="conversation-last", registered=False, **DETAILS)

    assert len(registered) == 5
    assert outcome.texts == [limited_text(consular_contact)]
    assert outcome.slots["registration_id"] is None
    assert outcome.events[-1] == ActiveLoop(FORM)


# --- 4. database trouble: an apology, and the same answer completes the turn --------------


def test_a_lookup_during_database_trouble_asks_the_same_question_again(
    form_turn, calls, registration, proof_for
):
    found = calls("find", failures=1)
    slots = {"registered": True, **DETAILS, "nationality": None}

    first = form_turn("nationality", {"nationality": "Bolivia"}, slots)
    second = form_turn("nationality", {"nationality": "Bolivia"}, {**slots, **first.slots})

    assert first.texts == [t("system.registry_unavailable", "en")]
    assert first.slots["nationality"] is None
    assert first.slots["registration_id"] is None
    assert first.events[-1] == SlotSet("requested_slot", "nationality")
    assert second.texts == []
    assert second.slots["registration_id"] == proof_for(registration.id)
    assert second.events[-1] == SlotSet("requested_slot", None)
    assert len(found) == 2


def test_a_database_error_is_no_failed_lookup(form_turn, calls, registration):
    calls("find", failures=10)
    slots = {"registered": True, **DETAILS, "nationality": None}

    for _ in range(10):
        assert form_turn("nationality", {"nationality": "Bolivia"}, slots).texts == [
            t("system.registry_unavailable", "en")
        ]


def test_a_confirmed_date_during_database_trouble_is_asked_again(form_turn, calls, registration, proof_for):
    calls("find", failures=1)
    slots = {
        "registered": True,
        **DETAILS,
        "date_of_birth": "1985-05-03",
        "date_alternative": "1985-03-05",
        "date_confirmed": None,
    }

    # "No, 5 March": the other reading, which is the registered one.
    first = form_turn("date_confirmed", {"date_confirmed": False}, slots, text="no")
    second = form_turn("date_confirmed", {"date_confirmed": False}, {**slots, **first.slots}, text="no")

    assert first.texts == [t("system.registry_unavailable", "en")]
    assert {name: first.slots[name] for name in ("date_of_birth", "date_alternative", "date_confirmed")} == {
        "date_of_birth": "1985-05-03",
        "date_alternative": "1985-03-05",
        "date_confirmed": None,
    }
    assert first.events[-1] == SlotSet("requested_slot", "date_confirmed")
    assert second.slots["registration_id"] == proof_for(registration.id)


def test_saving_during_database_trouble_asks_the_summary_again(
    save, calls, make_tracker, run, isolated_services, proof_for
):
    calls("register", failures=1)
    slots = {"registered": False, **DETAILS, "details_confirmed": True}

    first = save(**slots)

    assert first.texts == [t("system.registry_unavailable", "en")]
    assert isolated_services.registry.find(APPLICANT) is None
    assert first.slots == {
        "registered": False,
        "lookup_failed": False,
        "details_confirmed": None,
        "registration_id": None,
        "requested_slot": None,
    }
    assert first.events[-1] == ActiveLoop(FORM)
    # Rasa runs the form, now active again: it asks the summary, once.
    after = {"language": "en", **slots, **first.slots}
    form = run(ValidateApplicantForm(), make_tracker(slots=after, form=FORM, slot_events={}))
    assert form.events == [SlotSet("requested_slot", "details_confirmed")]
    asked = run(
        ActionAskDetailsConfirmed(),
        make_tracker(text="yes", intent="affirm", slots=after, form=FORM, slot_events={}),
    )
    assert asked.texts[0].startswith(t("summary.intro", "en"))

    # "Yes" again.
    second = save(**{**after, "details_confirmed": True})

    saved = isolated_services.registry.find(APPLICANT)
    assert second.texts == [t("registration.created", "en")]
    assert second.slots == {"registration_id": proof_for(saved.id), "has_confirmation": False}


def test_a_registered_person_s_save_during_database_trouble_keeps_the_proof(
    save, calls, registration, proof_for
):
    calls("confirmation_for", failures=1)
    slots = {"registered": True, **DETAILS, "registration_id": proof_for(registration.id)}

    first = save(**slots)
    second = save(**{**slots, **first.slots, "details_confirmed": True})

    assert first.texts == [t("system.registry_unavailable", "en")]
    assert first.slots["registration_id"] == proof_for(registration.id)
    assert first.slots["details_confirmed"] is None
    assert first.events[-1] == ActiveLoop(FORM)
    assert second.texts == [t("lookup.found", "en")]
    assert second.slots == {"registration_id": proof_for(registration.id), "has_confirmation": False}


@pytest.mark.parametrize("method", ["confirmation_for", "issue_confirmation"])
def test_issuing_during_database_trouble_asks_the_office_again(
    issue, calls, make_tracker, run, isolated_services, registration, proof_for, method
):
    calls(method, failures=1)
    slots = {
        "registered": False,
        **DETAILS,
        "details_confirmed": True,
        "registration_id": proof_for(registration.id),
        "has_confirmation": False,
        **OFFICE_CHOSEN,
    }

    first = issue(**slots)

    assert first.texts == [t("system.registry_unavailable", "en")]
    assert isolated_services.registry.confirmation_for(registration.id) is None
    assert first.slots == {"location_confirmed": None, "requested_slot": None}
    assert first.events[-1] == ActiveLoop("location_form")
    # The office stays chosen: Rasa's form asks only whether it is right.
    after = {"language": "en", **slots, **first.slots}
    form = run(ValidateLocationForm(), make_tracker(slots=after, form="location_form", slot_events={}))
    assert form.events == []

    second = issue(**{**after, "location_confirmed": True})

    confirmation = isolated_services.registry.confirmation_for(registration.id)
    assert confirmation is not None and confirmation.office_id == "PTS-01"
    assert confirmation.number in second.texts[0]


def test_showing_an_existing_confirmation_during_database_trouble_asks_the_summary_again(
    issue, calls, isolated_services, registration, proof_for
):
    existing = isolated_services.registry.issue_confirmation(registration.id, "LPZ-01", "en")
    calls("confirmation_for", failures=1)
    # Straight after action_save_registration found it (has_confirmation: true).
    slots = {
        "registered": True,
        **DETAILS,
        "registration_id": proof_for(registration.id),
        "has_confirmation": True,
    }

    first = issue(**slots)
    second = issue(**{**slots, **first.slots, "details_confirmed": True})

    assert first.texts == [t("system.registry_unavailable", "en")]
    assert first.slots["registration_id"] == proof_for(registration.id)
    assert first.slots["details_confirmed"] is None
    assert first.events[-1] == ActiveLoop(FORM)
    assert existing.number in second.texts[0]

"""Deleting a registration: the start, the deletion form (the applicant form's fields,
lookup and limits), its questions, and the deletion itself."""

from __future__ import annotations

import logging

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet

from bot.actions.applicant import ActionChangeField, ValidateApplicantForm
from bot.actions.ask import ActionAskDeletionConfirmed, ActionAskLookupChoice
from bot.actions.conversation import ActionDefaultFallback
from bot.actions.deletion import (
    CHECK_AGAIN,
    RESET,
    ActionDeleteRegistration,
    ActionStartDeletion,
    ValidateDeletionForm,
)
from bot.core.i18n import t
from bot.core.registry import Applicant, RegistryUnavailable
from tests.actions.support import APPLICANT, DETAILS

FORM = "deletion_form"
LANGUAGES = pytest.mark.parametrize("language", ["en", "es"])
WRONG_DATES = ["1 March 1985", "2 March 1985", "3 March 1985", "4 March 1985", "6 March 1985"]


@pytest.fixture
def form():
    return ValidateDeletionForm()


@pytest.fixture
def confirmation(isolated_services, registration):
    return isolated_services.registry.issue_confirmation(registration.id, "PTS-01", "en")


@pytest.fixture
def form_turn(make_tracker, run, form):
    """Runs validate_deletion_form on the answer to `requested_slot`, as Rasa calls it."""

    def turn(requested_slot, answer, slots, text="answer", intent="inform", sender=None, language="en"):
        tracker = make_tracker(
            text=text,
            intent=intent,
            slots={"language": language, "registered": True, **slots},
            form=FORM,
            requested_slot=requested_slot,
            slot_events={requested_slot: answer},
            sender=sender,
        )
        return run(form, tracker)

    return turn


# --- the start ---------------------------------------------------------------------------


@LANGUAGES
def test_the_start_says_what_is_needed_and_ends_the_flow_under_way(make_tracker, run, proof_for, language):
    slots = {
        **DETAILS,
        "language": language,
        "registered": False,
        "registration_id": proof_for(7),
        "return_city": "Potosí",
        "notice_shown": True,
        "confirmed_registration": proof_for(3),
    }
    tracker = make_tracker(
        text={"en": "delete my registration", "es": "borre mi registro"}[language],
        intent="delete_registration",
        form="location_form",
        requested_slot="return_location",
        slots=slots,
    )

    outcome = run(ActionStartDeletion(), tracker)

    assert outcome.texts == [t("deletion.start", language)]
    assert outcome.events == [
        ActiveLoop(None),
        *(SlotSet(slot, None) for slot in RESET),
        SlotSet("registered", True),
    ]
    # The notice stays said, and the confirmation issued earlier stays remembered.
    assert "notice_shown" not in outcome.slots and "confirmed_registration" not in outcome.slots
    assert {"passport_number", "date_of_birth", "nationality", "registration_id"} <= set(RESET)


# --- what the deletion form asks -----------------------------------------------------------


def test_the_three_fields_first(required):
    assert required() == ["language", "passport_number", "date_of_birth", "nationality"]


def test_an_ambiguous_date_adds_its_confirmation(required):
    assert "date_confirmed" in required(date_alternative="1985-05-03")


def test_whatever_else_the_applicant_form_asks_of_the_fields_is_asked_too(required):
    # "Did you mean Bolivia?" for a misspelt nationality, as in the applicant form.
    assert "spelling_confirmed" in required(spelling_suggestion="BOL")


@pytest.mark.parametrize("registered", [True, False, None])
def test_a_failed_lookup_adds_the_choice_whatever_registered_holds(required, registered):
    assert required(**DETAILS, registered=registered, lookup_failed=True)[-1] == "lookup_choice"


def test_a_found_registration_adds_the_yes_or_no(required, proof_for):
    assert required(**DETAILS, registration_id=proof_for(1))[-1] == "deletion_confirmed"


@pytest.mark.parametrize("forged", ["1", "1.abc", "1." + "0" * 64])
def test_a_forged_registration_asks_no_yes_or_no(required, proof_for, forged):
    assert "deletion_confirmed" not in required(**DETAILS, registration_id=forged)
    assert "deletion_confirmed" not in required(**DETAILS, registration_id=proof_for(1, "someone-else"))


# --- the lookup: the applicant form's, with its limits ------------------------------------


def test_the_registration_is_found_and_the_yes_or_no_comes_next(form_turn, registration, proof_for):
    outcome = form_turn("nationality", "boliviana", {**DETAILS, "nationality": None})

    assert outcome.slots["nationality"] == "BOL"
    assert outcome.slots["registration_id"] == proof_for(registration.id)
    assert outcome.slots["lookup_failed"] is False
    assert outcome.events[-1] == SlotSet("requested_slot", "deletion_confirmed")
    assert outcome.messages == []


def test_the_lookup_runs_even_when_registered_said_no(form_turn, registration, proof_for):
    outcome = form_turn("nationality", "Bolivia", {**DETAILS, "nationality": None, "registered": False})

    assert outcome.slots["registration_id"] == proof_for(registration.id)


@pytest.mark.parametrize(
    ("slot", "answer", "other"),
    [
        ("passport_number", "A1234568", {}),
        ("date_of_birth", "6 March 1985", {"date_confirmed": None}),
        ("nationality", "Peru", {}),
    ],
)
def test_not_found_is_the_same_whatever_field_differs(form_turn, registration, slot, answer, other):
    outcome = form_turn(slot, answer, {**DETAILS, slot: None, **other})

    assert outcome.messages == []  # the choice question says it
    assert outcome.slots["lookup_failed"] is True
    assert outcome.slots["registration_id"] is None
    assert outcome.events[-1] == SlotSet("requested_slot", "lookup_choice")


def test_a_failed_lookup_looks_the_same_for_a_registered_and_an_unknown_passport(form_turn, registration):
    slots = {**DETAILS, "date_of_birth": None, "date_confirmed": None}

    known = form_turn("date_of_birth", "6 March 1985", slots, sender="one")
    unknown = form_turn(
        "date_of_birth", "6 March 1985", {**slots, "passport_number": "C7777777"}, sender="two"
    )

    assert (known.texts, known.events) == (unknown.texts, unknown.events)


def test_guessing_through_the_deletion_is_stopped_by_the_lookup_limits(
    form_turn, registration, consular_contact
):
    slots = {**DETAILS, "date_of_birth": None, "date_confirmed": None}
    for date in WRONG_DATES:
        assert (
            form_turn("date_of_birth", date, {**slots, "lookup_failed": True}).slots["lookup_failed"] is True
        )

    outcome = form_turn("date_of_birth", "5 March 1985", {**slots, "lookup_failed": True})  # right, too late

    assert outcome.texts == [f"{t('lookup.limited', 'en')}\n{consular_contact('en')}"]
    assert outcome.slots["registration_id"] is None
    assert outcome.slots["passport_number"] is None
    assert outcome.events[-1] == SlotSet("requested_slot", "passport_number")


def test_lookups_of_the_applicant_form_and_the_deletion_share_the_limits(
    form_turn, make_tracker, run, registration
):
    # Four failed lookups in the applicant form, one in the deletion form: the next is refused.
    slots = {"language": "en", "registered": True, **DETAILS, "date_of_birth": None, "date_confirmed": None}
    for date in WRONG_DATES[:4]:
        run(
            ValidateApplicantForm(),
            make_tracker(
                slots=slots,
                form="applicant_form",
                requested_slot="date_of_birth",
                slot_events={"date_of_birth": date},
            ),
        )
    form_turn("date_of_birth", WRONG_DATES[4], slots)

    outcome = form_turn("date_of_birth", "5 March 1985", slots)

    assert outcome.slots["registration_id"] is None
    assert outcome.texts[0].startswith(t("lookup.limited", "en"))


def test_retry_after_not_found_asks_from_the_passport_on(make_tracker, validate, form):
    tracker = make_tracker(slots={"registered": True, "lookup_failed": True, **DETAILS})

    outcome = validate(form, "lookup_choice", "retry", tracker)

    assert outcome.slots["passport_number"] is None and outcome.slots["lookup_failed"] is False


@pytest.mark.parametrize(("value", "expected"), [(True, True), (False, False), ("yes", None), (None, None)])
def test_the_yes_or_no_keeps_only_booleans(make_tracker, validate, form, value, expected):
    outcome = validate(form, "deletion_confirmed", value, make_tracker())

    assert outcome.slots == {"deletion_confirmed": expected}


@pytest.mark.parametrize("answer", [True, False])
def test_the_yes_or_no_ends_the_form(form_turn, proof_for, registration, answer):
    slots = {**DETAILS, "registration_id": proof_for(registration.id), "lookup_failed": False}

    outcome = form_turn("deletion_confirmed", answer, slots, intent="affirm" if answer else "deny")

    assert outcome.events == [SlotSet("deletion_confirmed", answer), SlotSet("requested_slot", None)]


# --- the questions ---------------------------------------------------------------------------


@LANGUAGES
def test_not_found_says_nothing_was_deleted_and_offers_to_try_again_or_stop(make_tracker, run, language):
    tracker = make_tracker(
        slots={"language": language, **DETAILS, "lookup_failed": True},
        form=FORM,
        requested_slot="lookup_choice",
    )

    outcome = run(ActionAskLookupChoice(), tracker)

    assert outcome.texts == [t("deletion.not_found", language)]
    assert outcome.buttons() == [
        (t("lookup.retry", language), "/retry"),
        (t("deletion.stop", language), "/cancel"),
    ]


def test_the_applicant_forms_not_found_is_unchanged(make_tracker, run):
    tracker = make_tracker(
        slots={"language": "en", **DETAILS, "lookup_failed": True},
        form="applicant_form",
        requested_slot="lookup_choice",
    )

    assert run(ActionAskLookupChoice(), tracker).texts == [t("lookup.not_found", "en")]


@LANGUAGES
def test_the_yes_or_no_names_what_is_deleted_without_the_passport_number(
    make_tracker, run, proof_for, language
):
    tracker = make_tracker(
        slots={"language": language, **DETAILS, "registration_id": proof_for(1)},
        form=FORM,
        requested_slot="deletion_confirmed",
    )

    outcome = run(ActionAskDeletionConfirmed(), tracker)

    nationality = {"en": "Bolivia", "es": "Bolivia"}[language]
    assert outcome.texts == [t("deletion.confirm", language, passport="*****567", nationality=nationality)]
    assert "A1234567" not in outcome.texts[0]
    assert outcome.buttons() == [
        (t("deletion.yes", language), "/affirm"),
        (t("deletion.no", language), "/deny"),
    ]


def test_a_field_can_be_changed_before_the_yes_or_no(make_tracker, run, proof_for):
    tracker = make_tracker(
        text="change the date",
        intent="change_field",
        entities={"field": "date_of_birth"},
        slots={"language": "en", **DETAILS, "registration_id": proof_for(1)},
        form=FORM,
        requested_slot="deletion_confirmed",
    )

    outcome = run(ActionChangeField(), tracker)

    assert outcome.slots == dict.fromkeys(
        ("date_of_birth", "date_alternative", "date_confirmed", "deletion_confirmed")
    )


# --- the deletion ------------------------------------------------------------------------------


@pytest.fixture
def delete(make_tracker, run, proof_for):
    def run_delete(answer=True, language="en", **slots):
        values = {"language": language, "registered": True, **DETAILS, "deletion_confirmed": answer, **slots}
        return run(ActionDeleteRegistration(), make_tracker(text="yes", intent="affirm", slots=values))

    return run_delete


@LANGUAGES
def test_yes_deletes_the_registration_and_its_confirmation(
    delete, isolated_services, registration, confirmation, proof_for, language
):
    outcome = delete(language=language, registration_id=proof_for(registration.id))

    assert outcome.texts == [t("deletion.done", language)]
    assert isolated_services.registry.find(APPLICANT) is None
    assert isolated_services.registry.confirmation_by_token(confirmation.token) is None
    assert outcome.events == [SlotSet(slot, None) for slot in RESET]


def test_the_deleted_confirmation_is_forgotten_by_the_conversation(
    delete, registration, confirmation, proof_for
):
    proof = proof_for(registration.id)

    outcome = delete(registration_id=proof, confirmed_registration=proof)

    assert outcome.slots["confirmed_registration"] is None


def test_another_confirmation_of_the_conversation_is_kept(delete, isolated_services, registration, proof_for):
    other, _ = isolated_services.registry.register(Applicant("C7777777", "1990-01-31", "MEX"))

    outcome = delete(registration_id=proof_for(registration.id), confirmed_registration=proof_for(other.id))

    assert "confirmed_registration" not in outcome.slots


@LANGUAGES
def test_no_keeps_the_registration(
    delete, isolated_services, registration, confirmation, proof_for, language
):
    outcome = delete(answer=False, language=language, registration_id=proof_for(registration.id))

    assert outcome.texts == [t("deletion.kept", language)]
    assert isolated_services.registry.find(APPLICANT) == registration
    assert isolated_services.registry.confirmation_by_token(confirmation.token) == confirmation
    assert outcome.events == [SlotSet(slot, None) for slot in RESET]


@pytest.mark.parametrize("forged", [None, "1", "1.abc"])
def test_without_a_proven_registration_nothing_is_deleted(
    delete, isolated_services, registration, forged, proof_for
):
    outcome = delete(registration_id=forged)

    assert outcome.texts == [t("deletion.check_again", "en")]
    assert isolated_services.registry.find(APPLICANT) == registration
    assert outcome.events == [
        *(SlotSet(slot, value) for slot, value in CHECK_AGAIN.items()),
        SlotSet("requested_slot", None),
        ActiveLoop(FORM),
    ]


def test_a_proof_of_another_conversation_deletes_nothing(delete, isolated_services, registration, proof_for):
    outcome = delete(registration_id=proof_for(registration.id, "someone-else"))

    assert outcome.texts == [t("deletion.check_again", "en")]
    assert isolated_services.registry.find(APPLICANT) == registration


def test_a_proof_of_another_registration_deletes_nothing(delete, isolated_services, registration, proof_for):
    # The conversation proved its own registration, then the fields were swapped for
    # someone else's: they were never looked up (nor counted by the limits).
    own, _ = isolated_services.registry.register(Applicant("C7777777", "1990-01-31", "MEX"))

    outcome = delete(registration_id=proof_for(own.id))

    assert outcome.texts == [t("deletion.check_again", "en")]
    assert isolated_services.registry.find(APPLICANT) == registration


def test_fields_that_no_validator_gave_delete_nothing(delete, isolated_services, registration, proof_for):
    outcome = delete(registration_id=proof_for(registration.id), date_of_birth="5 March 1985")

    assert outcome.texts == [t("deletion.check_again", "en")]
    assert isolated_services.registry.find(APPLICANT) == registration


def test_a_registration_gone_meanwhile_is_said_plainly(delete, isolated_services, registration, proof_for):
    isolated_services.registry.delete(APPLICANT)

    outcome = delete(registration_id=proof_for(registration.id))

    assert outcome.texts == [t("deletion.gone", "en")]


def test_database_trouble_deletes_nothing_and_the_same_yes_retries(
    delete, isolated_services, registration, proof_for, monkeypatch
):
    def unavailable(applicant):
        raise RegistryUnavailable("the database is unavailable (test)")

    monkeypatch.setattr(isolated_services.registry, "delete", unavailable)

    outcome = delete(registration_id=proof_for(registration.id))

    assert outcome.texts == [t("system.registry_unavailable", "en")]
    assert outcome.events == [
        SlotSet("deletion_confirmed", None),
        SlotSet("requested_slot", None),
        ActiveLoop(FORM),
    ]
    monkeypatch.undo()
    assert isolated_services.registry.find(APPLICANT) == registration


def test_the_deletion_is_logged_without_personal_data(delete, registration, proof_for, caplog):
    with caplog.at_level(logging.INFO, logger="bot.actions.deletion"):
        delete(registration_id=proof_for(registration.id))

    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "deleted" in logged
    for secret in ("A1234567", "1234567", "1985", "*****567"):
        assert secret not in logged


@LANGUAGES
def test_a_reply_the_yes_or_no_does_not_understand_gets_its_hint(make_tracker, run, proof_for, language):
    tracker = make_tracker(
        text="hmm",
        intent="nlu_fallback",
        slots={"language": language, **DETAILS, "registration_id": proof_for(1)},
        form=FORM,
        requested_slot="deletion_confirmed",
    )

    outcome = run(ActionDefaultFallback(), tracker)

    assert t("deletion.hint", language) in " ".join(outcome.texts)

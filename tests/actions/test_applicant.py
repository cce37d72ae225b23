"""The applicant form's validation, saving the registration, and changing a field."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.applicant import ActionChangeField, ActionSaveRegistration, ValidateApplicantForm
from bot.actions.ask import ActionAskPassportNumber
from bot.core.i18n import t
from tests.actions.support import APPLICANT, DETAILS

FORM = "applicant_form"
PERSONAL_CLEARED = dict.fromkeys(
    ("passport_number", "date_of_birth", "date_alternative", "date_confirmed", "nationality")
)
# What every new passport number, date of birth or nationality makes stale.
STALE = {"registration_id": None, "details_confirmed": None}
# The slots of a "Did you mean …?" offer for a misspelt nationality or city.
SPELLING = ("spelling_suggestion", "spelling_confirmed")
FOUND_NOTHING = {"lookup_failed": True, "lookup_choice": None, "registration_id": None}


@pytest.fixture
def form():
    return ValidateApplicantForm()


@pytest.fixture
def registered_slot(registration, proof_for) -> str:
    """The registration_id slot value once the fixture conversation found APPLICANT."""
    return proof_for(registration.id)


# --- which questions each path needs -------------------------------------------------


def test_required_slots_before_the_registered_question(required):
    assert required() == ["language", "registered", "passport_number", "date_of_birth", "nationality"]


def test_required_slots_for_a_new_applicant(required):
    assert required(registered=False) == [
        "language",
        "registered",
        "passport_number",
        "date_of_birth",
        "nationality",
        "details_confirmed",
    ]


def test_required_slots_for_a_registered_applicant(required):
    assert required(registered=True) == [
        "language",
        "registered",
        "passport_number",
        "date_of_birth",
        "nationality",
    ]


def test_an_ambiguous_date_adds_its_confirmation(required):
    assert required(registered=True, date_alternative="1985-05-03") == [
        "language",
        "registered",
        "passport_number",
        "date_of_birth",
        "date_confirmed",
        "nationality",
    ]


def test_a_failed_lookup_adds_the_choice(required):
    assert required(registered=True, lookup_failed=True) == [
        "language",
        "registered",
        "passport_number",
        "date_of_birth",
        "nationality",
        "lookup_choice",
    ]


def test_a_failed_lookup_is_ignored_once_registering_as_new(required):
    assert "lookup_choice" not in required(registered=False, lookup_failed=True)


# --- one answer at a time ------------------------------------------------------------


@pytest.mark.parametrize("value", ["en", "es"])
def test_language_is_kept_silently(make_tracker, validate, form, value):
    outcome = validate(form, "language", value, make_tracker())

    assert outcome.slots == {"language": value}
    assert outcome.messages == []


@pytest.mark.parametrize("value", ["fr", "<script>", None])
def test_unsupported_language_is_dropped(make_tracker, validate, form, value):
    assert validate(form, "language", value, make_tracker()).slots == {"language": None}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, {"registered": True}),
        (False, {"registered": False, "lookup_failed": False}),
        ("yes", {"registered": None, "lookup_failed": False}),
    ],
)
def test_registered_accepts_only_booleans(make_tracker, validate, form, value, expected):
    outcome = validate(form, "registered", value, make_tracker())

    assert outcome.slots == expected
    assert outcome.messages == []


def test_not_registered_forgets_a_failed_lookup(make_tracker, validate, form):
    tracker = make_tracker(slots={"registered": True, "lookup_failed": True, **DETAILS})

    assert validate(form, "registered", False, tracker).slots == {"registered": False, "lookup_failed": False}


def test_valid_passport_is_normalised_and_makes_earlier_results_stale(make_tracker, validate, form):
    outcome = validate(form, "passport_number", " a123-4567 ", make_tracker(slots={"language": "en"}))

    assert outcome.slots == {
        "passport_number": "A1234567",
        "failed_attempts": {"passport_number": 0},
        **STALE,
    }
    assert outcome.messages == []


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    ("value", "key", "params"),
    [
        ("A12", "errors.passport_length", {"min": 5, "max": 20, "count": 3}),
        ("A12$4567", "errors.passport_characters", {}),
        ("   ", "errors.empty", {}),
    ],
)
def test_invalid_passport_is_explained_and_dropped(
    make_tracker, validate, form, language, value, key, params
):
    outcome = validate(form, "passport_number", value, make_tracker(slots={"language": language}))

    assert outcome.texts == [t(key, language, **params)]
    assert outcome.slots["passport_number"] is None


def test_ambiguous_date_keeps_the_alternative_to_ask(make_tracker, validate, form):
    outcome = validate(form, "date_of_birth", "05/03/1985", make_tracker(slots={"language": "es"}))

    assert outcome.slots == {
        "date_of_birth": "1985-03-05",
        "failed_attempts": {"date_of_birth": 0},
        "date_alternative": "1985-05-03",
        "date_confirmed": None,
        **STALE,
    }
    assert outcome.messages == []


@pytest.mark.parametrize("value", ["25/03/1985", "5 de marzo de 1985", "March 5, 1985"])
def test_unambiguous_date_is_confirmed_at_once(make_tracker, validate, form, value):
    outcome = validate(form, "date_of_birth", value, make_tracker(slots={"language": "en"}))

    assert outcome.slots["date_alternative"] is None
    assert outcome.slots["date_confirmed"] is True
    assert outcome.slots["date_of_birth"].startswith("1985-03-")


@pytest.mark.parametrize(
    ("value", "key"), [("31/02/1985", "errors.date_invalid"), ("someday", "errors.date_unreadable")]
)
def test_invalid_date_is_explained_and_dropped(make_tracker, validate, form, value, key):
    outcome = validate(form, "date_of_birth", value, make_tracker(slots={"language": "es"}))

    assert outcome.texts == [t(key, "es")]
    assert outcome.slots["date_of_birth"] is None


def test_denying_the_date_swaps_to_the_alternative(make_tracker, validate, form):
    tracker = make_tracker(slots={"date_of_birth": "1985-03-05", "date_alternative": "1985-05-03"})

    outcome = validate(form, "date_confirmed", False, tracker)

    assert outcome.slots == {"date_of_birth": "1985-05-03", "date_alternative": None, "date_confirmed": True}


def test_affirming_the_date_keeps_it(make_tracker, validate, form):
    tracker = make_tracker(slots={"date_of_birth": "1985-03-05", "date_alternative": "1985-05-03"})

    outcome = validate(form, "date_confirmed", True, tracker)

    assert outcome.slots == {"date_alternative": None, "date_confirmed": True}


@pytest.mark.parametrize(("value", "code"), [("boliviana", "BOL"), ("Bolivian", "BOL"), ("Perú", "PER")])
def test_nationality_is_stored_as_alpha3(make_tracker, validate, form, value, code):
    outcome = validate(form, "nationality", value, make_tracker(slots={"registered": False, **DETAILS}))

    assert outcome.slots == {"nationality": code, "failed_attempts": {"nationality": 0}, **STALE}
    assert outcome.messages == []


# --- a city named before its question --------------------------------------------------


@pytest.mark.parametrize(
    ("language", "said"),
    [("en", "Noted: your documents go back to"), ("es", "Anotado: le devolverán sus documentos en")],
)
def test_a_city_named_early_is_kept_and_acknowledged(make_tracker, validate, form, language, said):
    tracker = make_tracker(slots={"language": language, "registered": False, **DETAILS})

    outcome = validate(form, "return_location", "potosi", tracker)

    assert outcome.slots == {"return_location": "Potosí"}
    assert outcome.texts == [f"{said} Potosí."]


def test_a_city_named_again_is_not_acknowledged_twice(make_tracker, validate, form):
    tracker = make_tracker(slots={"return_location": "Potosí"})

    outcome = validate(form, "return_location", "Potosí", tracker)

    assert outcome.slots == {"return_location": "Potosí"}
    assert outcome.texts == []


@pytest.mark.parametrize("value", ["Narnia", "", 42])
def test_a_place_without_offices_is_left_to_the_office_question(make_tracker, validate, form, value):
    outcome = validate(form, "return_location", value, make_tracker())

    assert outcome.slots == {"return_location": None}
    assert outcome.texts == []


def test_an_office_chosen_already_stays_when_the_form_reopens(make_tracker, validate, form):
    outcome = validate(form, "return_location", "PTS-01", make_tracker(slots={"return_location": "PTS-01"}))

    assert outcome.slots == {"return_location": "PTS-01"}
    assert outcome.texts == []


def test_a_city_named_early_is_validated_but_never_asked(required, make_tracker, form, domain):
    assert "return_location" not in required(registered=False)
    tracker = make_tracker(
        slot_events={"return_location": "Santa Cruz de la Sierra"}, slots={"registered": False}
    )
    slots = asyncio.run(
        form.required_slots(domain["forms"][FORM]["required_slots"], CollectingDispatcher(), tracker, domain)
    )
    assert slots[-1] == "return_location"


@pytest.mark.parametrize("language", ["en", "es"])
def test_unknown_nationality_is_explained_and_dropped(make_tracker, validate, form, language):
    outcome = validate(form, "nationality", "Narnia", make_tracker(slots={"language": language}))

    assert outcome.texts == [t("errors.nationality_unknown", language)]
    assert outcome.slots == {"nationality": None, "failed_attempts": {"nationality": 1}, **STALE}


def test_registered_applicant_is_found(make_tracker, validate, form, registered_slot):
    tracker = make_tracker(slots={"registered": True, **DETAILS, "nationality": None})

    outcome = validate(form, "nationality", "Bolivia", tracker)

    assert outcome.slots == {
        "nationality": "BOL",
        "failed_attempts": {"nationality": 0},
        "details_confirmed": None,
        "lookup_failed": False,
        "registration_id": registered_slot,
    }
    assert outcome.messages == []


@pytest.mark.parametrize(
    ("passport", "date_of_birth", "nationality", "code"),
    [
        ("B7654321", "1985-03-05", "Bolivia", "BOL"),
        ("A1234567", "1985-03-06", "Bolivia", "BOL"),
        ("A1234567", "1985-03-05", "Peru", "PER"),
    ],
    ids=["unknown passport", "other date of birth", "other nationality"],
)
def test_not_found_is_the_same_whatever_field_differs(
    make_tracker, validate, form, registered_slot, passport, date_of_birth, nationality, code
):
    slots = {
        "registered": True,
        "passport_number": passport,
        "date_of_birth": date_of_birth,
        "date_confirmed": True,
    }

    outcome = validate(form, "nationality", nationality, make_tracker(slots=slots))

    assert outcome.slots == {
        "nationality": code,
        "failed_attempts": {"nationality": 0},
        "details_confirmed": None,
        **FOUND_NOTHING,
    }
    assert outcome.messages == []


@pytest.mark.parametrize("slot", ["passport_number", "date_of_birth", "nationality"])
def test_a_cleared_field_is_no_answer_and_gets_no_error(make_tracker, validate, form, slot):
    tracker = make_tracker(slots={"language": "es", "registered": True, **DETAILS, slot: None})

    outcome = validate(form, slot, None, tracker)

    assert outcome.slots == {slot: None, **STALE}
    assert outcome.messages == []


def test_a_cleared_date_confirmation_changes_nothing(make_tracker, validate, form):
    tracker = make_tracker(slots={"date_of_birth": "1985-03-05", "date_alternative": "1985-05-03"})

    outcome = validate(form, "date_confirmed", None, tracker)

    assert outcome.slots == {}
    assert outcome.messages == []


def test_a_changed_date_of_birth_is_looked_up_again(make_tracker, validate, form, registered_slot):
    # The first lookup failed on a mistyped date of birth; the person changed it.
    tracker = make_tracker(
        slots={
            "registered": True,
            **PERSONAL_CLEARED,
            **DETAILS,
            "date_of_birth": None,
            "lookup_failed": True,
        }
    )

    outcome = validate(form, "date_of_birth", "March 5, 1985", tracker)

    assert outcome.slots == {
        "date_of_birth": "1985-03-05",
        "failed_attempts": {"date_of_birth": 0},
        "date_alternative": None,
        "date_confirmed": True,
        "details_confirmed": None,
        "lookup_failed": False,
        "registration_id": registered_slot,
    }
    assert outcome.messages == []


def test_an_ambiguous_changed_date_is_looked_up_once_confirmed(make_tracker, validate, form, registered_slot):
    slots = {
        "registered": True,
        **DETAILS,
        "date_of_birth": None,
        "date_confirmed": None,
        "lookup_failed": True,
    }

    answered = validate(form, "date_of_birth", "03/05/1985", make_tracker(slots=slots))
    # "No, 5 March 1985": the other reading is the registered one.
    denied = validate(form, "date_confirmed", False, make_tracker(slots={**slots, **answered.slots}))

    assert answered.slots == {
        "date_of_birth": "1985-05-03",
        "failed_attempts": {"date_of_birth": 0},
        "date_alternative": "1985-03-05",
        "date_confirmed": None,
        **STALE,
    }
    assert denied.slots == {
        "date_of_birth": "1985-03-05",
        "date_alternative": None,
        "date_confirmed": True,
        "lookup_failed": False,
        "registration_id": registered_slot,
    }


def test_a_changed_field_that_still_does_not_match_asks_the_choice_again(
    make_tracker, validate, form, registered_slot
):
    tracker = make_tracker(
        slots={"registered": True, **DETAILS, "passport_number": None, "lookup_failed": True}
    )

    outcome = validate(form, "passport_number", "B7654321", tracker)

    assert outcome.slots == {
        "passport_number": "B7654321",
        "failed_attempts": {"passport_number": 0},
        "details_confirmed": None,
        **FOUND_NOTHING,
    }


def test_retry_clears_the_personal_fields(make_tracker, validate, form):
    tracker = make_tracker(slots={"registered": True, "lookup_failed": True, **DETAILS})

    outcome = validate(form, "lookup_choice", "retry", tracker)

    assert outcome.slots == {**PERSONAL_CLEARED, "lookup_choice": None, "lookup_failed": False}


def test_register_as_new_switches_the_path(make_tracker, validate, form):
    tracker = make_tracker(slots={"registered": True, "lookup_failed": True, **DETAILS})

    outcome = validate(form, "lookup_choice", "register", tracker)

    assert outcome.slots == {"registered": False, "lookup_failed": False, "lookup_choice": None}


def test_no_lookup_choice_is_asked_again(make_tracker, validate, form):
    tracker = make_tracker(slots={"registered": True, "lookup_failed": True, **DETAILS})

    assert validate(form, "lookup_choice", None, tracker).slots == {"lookup_choice": None}


@pytest.mark.parametrize(("value", "expected"), [(True, True), (False, None)])
def test_details_confirmed_only_keeps_a_yes(make_tracker, validate, form, value, expected):
    assert validate(form, "details_confirmed", value, make_tracker()).slots == {"details_confirmed": expected}


# --- counting rejected answers ---------------------------------------------------------

REJECTED = {"passport_number": "A12", "date_of_birth": "someday", "nationality": "Narnia"}
ACCEPTED = {"passport_number": "A1234567", "date_of_birth": "25/03/1985", "nationality": "Bolivia"}


@pytest.mark.parametrize("slot", list(REJECTED))
def test_rejected_answers_are_counted_and_an_accepted_one_resets_the_count(
    make_tracker, validate, form, slot
):
    slots = {"language": "en"}
    counts = []
    for value in [REJECTED[slot]] * 3 + [ACCEPTED[slot]]:
        outcome = validate(form, slot, value, make_tracker(slots=slots))
        slots.update(outcome.slots)
        counts.append(outcome.slots["failed_attempts"])

    assert counts == [{slot: 1}, {slot: 2}, {slot: 3}, {slot: 0}]


@pytest.mark.parametrize(("value", "count"), [("A12", 2), ("A1234567", 0)])
def test_the_count_of_one_question_keeps_the_others(make_tracker, validate, form, value, count):
    tracker = make_tracker(
        slots={"language": "en", "failed_attempts": {"nationality": 2, "passport_number": 1}}
    )

    outcome = validate(form, "passport_number", value, tracker)

    assert outcome.slots["failed_attempts"] == {"nationality": 2, "passport_number": count}


# --- the whole validation action, as Rasa calls it -----------------------------------


@pytest.fixture
def form_turn(make_tracker, run, form):
    """Runs validate_applicant_form on the answer to `requested_slot`."""

    def turn(requested_slot, answer, slots, text="answer", intent="inform"):
        tracker = make_tracker(
            text=text,
            intent=intent,
            slots={"language": "en", **slots},
            form=FORM,
            requested_slot=requested_slot,
            slot_events={requested_slot: answer},
        )
        return run(form, tracker)

    return turn


def test_run_normalises_the_passport_and_asks_the_date(form_turn):
    outcome = form_turn("passport_number", " a123 4567 ", {"registered": False})

    assert outcome.events == [
        SlotSet("passport_number", "A1234567"),
        SlotSet("failed_attempts", {"passport_number": 0}),
        SlotSet("registration_id", None),
        SlotSet("details_confirmed", None),
        SlotSet("requested_slot", "date_of_birth"),
    ]
    assert outcome.messages == []


def test_run_asks_the_passport_again_after_an_error(form_turn):
    outcome = form_turn("passport_number", "A12", {"registered": False})

    assert outcome.texts == [t("errors.passport_length", "en", min=5, max=20, count=3)]
    assert outcome.slots["passport_number"] is None
    assert outcome.events[-1] == SlotSet("requested_slot", "passport_number")


def test_run_counts_a_rejected_passport(form_turn):
    outcome = form_turn(
        "passport_number", "A12", {"registered": False, "failed_attempts": {"passport_number": 2}}
    )

    assert outcome.events == [
        SlotSet("passport_number", None),
        SlotSet("failed_attempts", {"passport_number": 3}),
        SlotSet("registration_id", None),
        SlotSet("details_confirmed", None),
        SlotSet("requested_slot", "passport_number"),
    ]


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_third_rejected_passport_gets_help_instead_of_the_question(
    make_tracker, run, form, consular_contact, language
):
    slots = {"language": language, "registered": False, "failed_attempts": {"passport_number": 2}}
    turn = {
        "text": "A12",
        "intent": "inform",
        "slots": slots,
        "form": FORM,
        "requested_slot": "passport_number",
    }

    validated = run(form, make_tracker(**turn, slot_events={"passport_number": "A12"}))
    # The form then runs the ask action on the tracker with the validation's events.
    asked = run(ActionAskPassportNumber(), make_tracker(**turn, slot_events=validated.slots))

    assert validated.texts == [t("errors.passport_length", language, min=5, max=20, count=3)]
    assert asked.texts == [f"{t('attempts.help', language)}\n{consular_contact(language)}"]
    assert asked.events == [SlotSet("failed_attempts", {"passport_number": 0})]


def test_run_asks_to_confirm_an_ambiguous_date(form_turn):
    outcome = form_turn("date_of_birth", "05/03/1985", {"registered": False, "passport_number": "A1234567"})

    assert outcome.slots["date_alternative"] == "1985-05-03"
    assert outcome.events[-1] == SlotSet("requested_slot", "date_confirmed")


def test_run_asks_the_choice_when_the_lookup_fails(form_turn):
    slots = {"registered": True, **DETAILS, "nationality": None}

    outcome = form_turn("nationality", "Bolivia", slots)

    assert outcome.slots["lookup_failed"] is True
    assert outcome.events[-1] == SlotSet("requested_slot", "lookup_choice")


def test_run_ends_the_form_when_the_lookup_finds_the_registration(form_turn, registered_slot):
    slots = {"registered": True, **DETAILS, "nationality": None}

    outcome = form_turn("nationality", "boliviano", slots)

    assert outcome.events == [
        SlotSet("nationality", "BOL"),
        SlotSet("failed_attempts", {"nationality": 0}),
        SlotSet("registration_id", registered_slot),
        SlotSet("details_confirmed", None),
        SlotSet("lookup_failed", False),
        SlotSet("requested_slot", None),
    ]


def test_run_ends_the_form_when_a_new_applicant_confirms(form_turn):
    outcome = form_turn(
        "details_confirmed", True, {"registered": False, **DETAILS}, text="yes", intent="affirm"
    )

    assert outcome.events == [SlotSet("details_confirmed", True), SlotSet("requested_slot", None)]


def test_a_changed_passport_is_looked_up_again(form_turn, registered_slot):
    # The first lookup failed on a mistyped passport; the person changed it with change_field.
    slots = {"registered": True, **DETAILS, "passport_number": None, "lookup_failed": True}

    outcome = form_turn("passport_number", "A1234567", slots)

    assert outcome.events == [
        SlotSet("passport_number", "A1234567"),
        SlotSet("failed_attempts", {"passport_number": 0}),
        SlotSet("registration_id", registered_slot),
        SlotSet("details_confirmed", None),
        SlotSet("lookup_failed", False),
        SlotSet("requested_slot", None),
    ]


@pytest.mark.parametrize(("answer", "found"), [("5 March 1985", True), ("6 March 1985", False)])
def test_a_changed_date_of_birth_runs_the_lookup_again(form_turn, registered_slot, answer, found):
    slots = {
        "registered": True,
        **DETAILS,
        "date_of_birth": None,
        "date_confirmed": None,
        "lookup_failed": True,
    }

    outcome = form_turn("date_of_birth", answer, slots)

    assert outcome.slots["lookup_failed"] is not found
    assert outcome.slots["registration_id"] == (registered_slot if found else None)
    assert outcome.events[-1] == SlotSet("requested_slot", None if found else "lookup_choice")


@pytest.fixture
def says_registered_at_the_summary(make_tracker, run, form):
    """A new applicant's summary is shown; the person answers "I'm already registered"."""

    def turn():
        tracker = make_tracker(
            text="I'm already registered",
            intent="already_registered",
            slots={"language": "en", "registered": False, **DETAILS},
            form=FORM,
            requested_slot="details_confirmed",
            slot_events={"registered": True},
        )
        return run(form, tracker)

    return turn


def test_switching_to_registered_after_the_details_runs_the_lookup(says_registered_at_the_summary):
    outcome = says_registered_at_the_summary()

    assert outcome.events == [
        SlotSet("registered", True),
        *(SlotSet(slot, value) for slot, value in FOUND_NOTHING.items()),
        SlotSet("requested_slot", "lookup_choice"),
    ]
    assert outcome.messages == []


def test_switching_to_registered_finds_the_registration(says_registered_at_the_summary, registered_slot):
    outcome = says_registered_at_the_summary()

    assert outcome.events == [
        SlotSet("registered", True),
        SlotSet("lookup_failed", False),
        SlotSet("registration_id", registered_slot),
        SlotSet("requested_slot", None),
    ]


# --- answers the slot mapping left out because NLU guessed a question -------------------


@pytest.fixture
def unsure_turn(make_tracker, run, form):
    """Runs the form on a message NLU classified as `intent` with `confidence`, unmapped."""

    def turn(requested_slot, text, intent="help", confidence=0.6):
        tracker = make_tracker(
            text=text,
            intent=intent,
            confidence=confidence,
            form=FORM,
            requested_slot=requested_slot,
            slots={"language": "en", "registered": False, **DETAILS, requested_slot: None},
            slot_events={},
        )
        return run(form, tracker)

    return turn


@pytest.mark.parametrize(
    ("requested_slot", "text", "intent", "value", "next_slot"),
    [
        ("nationality", "Perú", "help", "PER", "details_confirmed"),
        ("passport_number", "A7654321", "cancel", "A7654321", "details_confirmed"),
        ("date_of_birth", "25/12/1990", "ask_fee", "1990-12-25", "details_confirmed"),
    ],
)
def test_a_valid_answer_with_an_unsure_intent_is_taken(
    unsure_turn, requested_slot, text, intent, value, next_slot
):
    outcome = unsure_turn(requested_slot, text, intent)

    assert outcome.slots[requested_slot] == value
    assert outcome.events[-1] == SlotSet("requested_slot", next_slot)


def test_a_sure_intent_is_not_taken_as_the_answer(unsure_turn):
    outcome = unsure_turn("nationality", "Perú", confidence=0.95)

    assert outcome.events == [SlotSet("requested_slot", "nationality")]


@pytest.mark.parametrize(
    ("requested_slot", "text"),
    [("nationality", "what does 221g mean"), ("passport_number", "Perú"), ("date_of_birth", "Perú")],
)
def test_an_unsure_message_that_is_no_valid_answer_is_left_alone(unsure_turn, requested_slot, text):
    outcome = unsure_turn(requested_slot, text)

    assert outcome.events == [SlotSet("requested_slot", requested_slot)]
    assert outcome.messages == []


# A passport number has digits; without that rule "how much does it cost" became HOWMUCHDOESITCOST.
@pytest.mark.parametrize("text", ["how much does it cost", "do I have to pay again"])
def test_an_unsure_question_is_not_taken_as_the_passport_number(unsure_turn, text):
    outcome = unsure_turn("passport_number", text, intent="ask_fee", confidence=0.7)

    assert outcome.events == [SlotSet("requested_slot", "passport_number")]


# --- saving the registration ----------------------------------------------------------


@pytest.fixture
def save(make_tracker, run):
    def run_save(language="en", **slots):
        tracker = make_tracker(slots={"language": language, "registered": False, **DETAILS, **slots})
        return run(ActionSaveRegistration(), tracker)

    return run_save


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_new_applicant_is_registered(save, isolated_services, proof_for, language):
    outcome = save(language)

    found = isolated_services.registry.find(APPLICANT)
    assert found is not None
    assert outcome.texts == [t("registration.created", language)]
    assert outcome.events == [
        SlotSet("registration_id", proof_for(found.id)),
        SlotSet("has_confirmation", False),
    ]


def test_the_same_applicant_is_not_registered_twice(save):
    first = save()
    second = save()

    assert second.slots["registration_id"] == first.slots["registration_id"]
    assert second.texts == [t("lookup.found", "en")]
    assert second.slots["has_confirmation"] is False


def test_a_registration_found_by_the_lookup_is_kept(save, registered_slot):
    outcome = save("es", registered=True, registration_id=registered_slot)

    assert outcome.texts == [t("lookup.found", "es")]
    assert outcome.events == [SlotSet("registration_id", registered_slot), SlotSet("has_confirmation", False)]


def test_a_registration_with_a_confirmation_is_flagged(
    save, isolated_services, registration, registered_slot
):
    isolated_services.registry.issue_confirmation(registration.id, "PTS-01", "en")

    outcome = save(registered=True, registration_id=registered_slot)

    assert outcome.slots == {"registration_id": registered_slot, "has_confirmation": True}


# --- changing one field from the summary --------------------------------------------


@pytest.fixture
def change(make_tracker, run):
    """Runs action_change_field on "change <field>" inside `form`."""

    def run_change(field, form=FORM, language="en"):
        tracker = make_tracker(
            text="change it",
            intent="change_field",
            entities={"field": field} if field else None,
            slots={
                "language": language,
                "registered": False,
                **DETAILS,
                "details_confirmed": True,
                "return_city": "Potosí",
                "return_location": "PTS-01",
            },
            form=form,
            requested_slot="details_confirmed" if form == FORM else "location_confirmed",
        )
        return run(ActionChangeField(), tracker)

    return run_change


@pytest.mark.parametrize(
    ("form", "field", "cleared"),
    [
        (FORM, "passport_number", ["passport_number", "details_confirmed"]),
        (FORM, "date_of_birth", ["date_of_birth", "date_alternative", "date_confirmed", "details_confirmed"]),
        # A "Did you mean …?" still open is dropped with the value it offered.
        (FORM, "nationality", ["nationality", *SPELLING, "details_confirmed"]),
        (
            "location_form",
            "return_location",
            ["return_city", "return_location", "location_confirmed", *SPELLING],
        ),
        # Inside the office step, "change it" can only mean the office.
        ("location_form", None, ["return_city", "return_location", "location_confirmed", *SPELLING]),
    ],
)
@pytest.mark.parametrize("language", ["en", "es"])
def test_change_clears_the_field_and_what_depends_on_it(change, form, field, cleared, language):
    outcome = change(field, form, language)

    assert outcome.texts == [t("change.done", language)]
    assert outcome.events == [SlotSet(slot, None) for slot in cleared]


@pytest.mark.parametrize("field", [None, "return_location"], ids=["no field", "a field of the other form"])
def test_change_without_a_field_of_the_applicant_form_asks_again_which_one(change, field):
    outcome = change(field)

    # The summary, asked again, shows the buttons of the fields.
    assert outcome.messages == []
    assert outcome.events == [SlotSet("details_confirmed", None)]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("field", ["passport_number", "date_of_birth", "nationality"])
def test_only_the_office_can_be_changed_inside_the_location_form(change, field, language):
    # The registration is saved by then: a cleared detail would never be asked again.
    outcome = change(field, "location_form", language)

    assert outcome.texts == [t("change.office_only", language)]
    assert outcome.events == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_change_outside_a_form_is_unavailable(make_tracker, run, language):
    tracker = make_tracker(
        text="change passport",
        intent="change_field",
        entities={"field": "passport_number"},
        slots={"language": language},
    )

    outcome = run(ActionChangeField(), tracker)

    assert outcome.texts == [t("change.unavailable", language)]
    assert outcome.events == []


# --- misspelt nationalities: taken when sure, offered when probable ---------------------


def test_an_offered_nationality_adds_its_question_before_the_nationality(required):
    assert required(registered=False, spelling_suggestion="BOL") == [
        "language",
        "registered",
        "passport_number",
        "date_of_birth",
        "spelling_confirmed",
        "nationality",
        "details_confirmed",
    ]


@pytest.mark.parametrize(
    ("value", "code"), [("voliviano", "BOL"), ("bolibia", "BOL"), ("perúana", "PER"), ("colonbiana", "COL")]
)
def test_a_surely_misspelt_nationality_is_taken(make_tracker, validate, form, value, code):
    outcome = validate(form, "nationality", value, make_tracker(slots={"registered": False, **DETAILS}))

    assert outcome.slots == {"nationality": code, "failed_attempts": {"nationality": 0}, **STALE}
    assert outcome.messages == []


@pytest.mark.parametrize(("value", "code"), [("boliva", "BOL"), ("obliviano", "BOL"), ("perauno", "PER")])
def test_a_probably_misspelt_nationality_is_offered(make_tracker, validate, form, value, code):
    outcome = validate(form, "nationality", value, make_tracker(slots={"registered": False}))

    assert outcome.slots == {
        "nationality": None,
        "spelling_suggestion": code,
        "spelling_confirmed": None,
        **STALE,
    }
    assert outcome.messages == []  # no error: the form asks "Did you mean …?"


def test_the_offer_is_read_from_what_was_written(make_tracker, validate, form):
    # NLU's own spelling rules read "boliva" as BOL; the form still asks.
    tracker = make_tracker(text="boliva", intent="inform", entities={"nationality": "BOL"})

    assert validate(form, "nationality", "BOL", tracker).slots["spelling_suggestion"] == "BOL"


def test_a_form_without_the_question_explains_instead_of_offering(make_tracker, form, domain):
    # A form whose domain has no spelling_confirmed (the deletion check, for one).
    without = {**domain, "forms": {FORM: {"required_slots": ["nationality"]}}}
    dispatcher = CollectingDispatcher()

    slots = asyncio.run(
        form.validate_nationality("boliva", dispatcher, make_tracker(slots={"language": "es"}), without)
    )

    assert slots == {"nationality": None, "failed_attempts": {"nationality": 1}, **STALE}
    assert [message["text"] for message in dispatcher.messages] == [t("errors.nationality_unknown", "es")]


def test_a_nationality_typed_instead_replaces_the_offer(make_tracker, validate, form):
    tracker = make_tracker(slots={"registered": False, "spelling_suggestion": "BOL"})

    assert validate(form, "nationality", "peruano", tracker).slots == {
        "nationality": "PER",
        "failed_attempts": {"nationality": 0},
        "spelling_suggestion": None,
        "spelling_confirmed": None,
        **STALE,
    }


def test_yes_takes_the_offered_nationality(make_tracker, validate, form):
    tracker = make_tracker(
        slots={"registered": False, **DETAILS, "nationality": None, "spelling_suggestion": "BOL"}
    )

    outcome = validate(form, "spelling_confirmed", True, tracker)

    assert outcome.slots == {
        "spelling_suggestion": None,
        "spelling_confirmed": None,
        "nationality": "BOL",
        "failed_attempts": {"nationality": 0},
        **STALE,
    }
    assert outcome.messages == []


def test_yes_to_the_offer_looks_a_registered_person_up(make_tracker, validate, form, registered_slot):
    tracker = make_tracker(
        slots={"registered": True, **DETAILS, "nationality": None, "spelling_suggestion": "BOL"}
    )

    outcome = validate(form, "spelling_confirmed", True, tracker)

    assert outcome.slots["nationality"] == "BOL"
    assert outcome.slots["registration_id"] == registered_slot
    assert outcome.slots["lookup_failed"] is False


def test_no_to_the_offer_asks_the_nationality_again(make_tracker, validate, form):
    tracker = make_tracker(slots={"registered": False, "spelling_suggestion": "BOL"})

    outcome = validate(form, "spelling_confirmed", False, tracker)

    assert outcome.slots == {"spelling_suggestion": None, "spelling_confirmed": None}
    assert outcome.messages == []


def test_no_with_another_nationality_keeps_that_one(make_tracker, validate, form):
    # "no, peruano": the nationality of the same message is validated on its own.
    tracker = make_tracker(
        text="no, peruano",
        intent="deny",
        slots={"registered": False, "spelling_suggestion": "BOL"},
        form=FORM,
        requested_slot="spelling_confirmed",
        slot_events={"spelling_confirmed": False, "nationality": "PER"},
    )

    assert validate(form, "spelling_confirmed", False, tracker).slots == {
        "spelling_suggestion": None,
        "spelling_confirmed": None,
    }


def test_run_offers_a_probable_nationality(form_turn):
    outcome = form_turn("nationality", "boliva", {"registered": False, **DETAILS, "nationality": None})

    assert outcome.slots["spelling_suggestion"] == "BOL"
    assert outcome.events[-1] == SlotSet("requested_slot", "spelling_confirmed")
    assert outcome.messages == []


@pytest.mark.parametrize(("text", "intent", "answer"), [("sí", "affirm", True), ("no", "deny", False)])
def test_run_reads_the_yes_or_no_to_the_offer(make_tracker, run, form, text, intent, answer):
    tracker = make_tracker(
        text=text,
        intent=intent,
        slots={
            "language": "es",
            "registered": False,
            **DETAILS,
            "nationality": None,
            "spelling_suggestion": "BOL",
        },
        form=FORM,
        requested_slot="spelling_confirmed",
        slot_events={},
    )

    outcome = run(form, tracker)

    assert outcome.slots["spelling_suggestion"] is None
    assert outcome.slots.get("nationality") == ("BOL" if answer else None)
    assert outcome.events[-1] == SlotSet("requested_slot", "details_confirmed" if answer else "nationality")


# What NLU could not place, one or two words typed at the nationality question, gets
# the nationality's own explanation, and the question again.
@pytest.mark.parametrize("intent", ["out_of_scope", "nlu_fallback"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_nonsense_at_the_nationality_question_gets_its_explanation(make_tracker, run, form, intent, language):
    tracker = make_tracker(
        text="asdfgh",
        intent=intent,
        confidence=0.99,
        slots={"language": language, "registered": False, **DETAILS, "nationality": None},
        form=FORM,
        requested_slot="nationality",
        slot_events={},
    )

    outcome = run(form, tracker)

    assert outcome.texts == [t("errors.nationality_unknown", language)]
    assert outcome.slots["nationality"] is None
    assert outcome.slots["failed_attempts"] == {"nationality": 1}
    assert outcome.events[-1] == SlotSet("requested_slot", "nationality")


@pytest.mark.parametrize("language", ["en", "es"])
def test_nonsense_at_the_date_question_gets_its_explanation(make_tracker, run, form, language):
    tracker = make_tracker(
        text="asdfgh",
        intent="out_of_scope",
        confidence=0.99,
        slots={"language": language, "registered": False, "passport_number": "A1234567"},
        form=FORM,
        requested_slot="date_of_birth",
        slot_events={},
    )

    outcome = run(form, tracker)

    assert outcome.texts == [t("errors.date_unreadable", language)]
    assert outcome.events[-1] == SlotSet("requested_slot", "date_of_birth")


@pytest.mark.parametrize(
    ("text", "intent"),
    [("who is messi really", "out_of_scope"), ("asdfgh", "ask_fee"), ("/out_of_scope", "out_of_scope")],
    ids=["a sentence", "a question", "a payload"],
)
def test_other_unplaced_messages_are_left_to_the_rules(make_tracker, run, form, text, intent):
    tracker = make_tracker(
        text=text,
        intent=intent,
        slots={"language": "en", "registered": False, **DETAILS, "nationality": None},
        form=FORM,
        requested_slot="nationality",
        slot_events={},
    )

    assert run(form, tracker).events == [SlotSet("requested_slot", "nationality")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hola es mi primera vez, pasaporte WP6399281, naci el 23/7/1990, soy boliviana", False),
        ("hi i already registered last month. passport ZI3121800", True),
        ("my passport is E1234567", None),
        ("no me acuerdo si ya me registré", None),
    ],
)
def test_a_message_that_says_whether_the_person_registered_fills_the_question(
    make_tracker, run, form, text, expected
):
    tracker = make_tracker(
        text=text,
        intent="inform",
        form=FORM,
        requested_slot="registered",
        slots={"language": "en", "registered": None},
        slot_events={},
    )
    slots = {event["name"]: event["value"] for event in run(form, tracker).events if event["event"] == "slot"}
    if expected is None:
        assert slots.get("registered") is None
    else:
        assert slots["registered"] is expected


def test_a_known_answer_is_not_overwritten_by_later_words(make_tracker, run, form):
    tracker = make_tracker(
        text="it's my first time doing this, sorry",
        intent="inform",
        form=FORM,
        requested_slot="passport_number",
        slots={"language": "en", "registered": True},
        slot_events={},
    )
    slots = {event["name"]: event["value"] for event in run(form, tracker).events if event["event"] == "slot"}
    assert "registered" not in slots


def test_words_that_say_the_opposite_of_the_intent_win(make_tracker, run, form):
    # The classifier read "no me registré antes" as already_registered (slot mapping: True).
    tracker = make_tracker(
        text="ok, no me registre antes",
        intent="already_registered",
        form=FORM,
        requested_slot="registered",
        slots={"language": "es", "registered": True},
        slot_events={},
    )
    slots = {event["name"]: event["value"] for event in run(form, tracker).events if event["event"] == "slot"}
    assert slots["registered"] is False


@pytest.mark.parametrize("registered_candidate", [False, True])
def test_one_message_with_the_three_fields_is_one_lookup(
    make_tracker, run, form, isolated_services, monkeypatch, registered_candidate
):
    failures: list[str] = []
    record = isolated_services.limiter.record_failure
    monkeypatch.setattr(
        isolated_services.limiter, "record_failure", lambda *args: (failures.append("x"), record(*args))
    )
    candidates = {"passport_number": "E1234567", "date_of_birth": "1986-06-21", "nationality": "PER"}
    if registered_candidate:
        candidates["registered"] = True
    tracker = make_tracker(
        text="E1234567, born 21 June 1986, peruvian, I registered before",
        intent="inform",
        form=FORM,
        requested_slot="passport_number",
        slots={"language": "en", "registered": True},
        slot_events=candidates,
    )
    slots = {event["name"]: event["value"] for event in run(form, tracker).events if event["event"] == "slot"}
    assert failures == ["x"]
    assert slots["lookup_failed"] is True


@pytest.mark.parametrize(
    ("language", "text", "corrected", "said"),
    [
        ("en", "no wait, my birthday is the 14th", "1990-07-14", "Noted: you were born on 14 July 1990."),
        ("es", "no espera, me equivoque, naci el 4", "1990-07-04", "Anoto: nació el 4 de julio de 1990."),
    ],
)
def test_a_date_correction_at_the_nationality_question_is_taken_and_said(
    make_tracker, run, form, language, text, corrected, said
):
    tracker = make_tracker(
        text=text,
        intent="inform",
        form=FORM,
        requested_slot="nationality",
        slots={
            "language": language,
            "registered": False,
            "passport_number": "E1234567",
            "date_of_birth": "1990-07-23",
            "date_confirmed": True,
        },
        slot_events={"nationality": text},
    )
    outcome = run(form, tracker)
    slots = {event["name"]: event["value"] for event in outcome.events if event["event"] == "slot"}
    assert slots["date_of_birth"] == corrected
    assert slots["nationality"] is None
    assert outcome.texts == [said]
    assert slots["failed_attempts"].get("nationality", 0) == 0

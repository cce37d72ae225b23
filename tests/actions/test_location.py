"""The return-office form and the confirmation that ends the flow."""

from __future__ import annotations

import re

import pytest
from rasa_sdk.events import SlotSet

from bot.actions.location import ActionIssueConfirmation, ValidateLocationForm
from bot.core.i18n import t
from bot.core.registry import Applicant

FORM = "location_form"
# The failed_attempts slot after one office was chosen, and after an unknown place.
CHOSEN = {"failed_attempts": {"return_location": 0}}
MISSED = {"failed_attempts": {"return_location": 1}}


@pytest.fixture
def form():
    return ValidateLocationForm()


@pytest.fixture
def answer(make_tracker, validate, form):
    """Validates `value` as the answer to the return-office question."""

    def validate_answer(value, language="en", **slots):
        tracker = make_tracker(
            text=str(value),
            intent="inform",
            slots={"language": language, **slots},
            form=FORM,
            requested_slot="return_location",
        )
        return validate(form, "return_location", value, tracker)

    return validate_answer


@pytest.mark.parametrize("value", ["Potosí", "potosi", "POTOSI", "in Potosí please", "villa imperial"])
def test_a_city_with_one_office_picks_it(answer, value):
    outcome = answer(value)

    assert outcome.slots == {"return_location": "PTS-01", "return_city": "Potosí", **CHOSEN}
    assert outcome.messages == []


@pytest.mark.parametrize("value", ["LPZ-02", "lpz-02", "lpz02", "DHL Miraflores"])
def test_an_office_id_or_name_picks_the_office(answer, value):
    assert answer(value).slots == {"return_location": "LPZ-02", "return_city": "La Paz", **CHOSEN}


def test_a_city_with_several_offices_is_kept_to_ask_which(answer):
    outcome = answer("la paz")

    assert outcome.slots == {"return_location": None, "return_city": "La Paz"}
    assert outcome.messages == []


@pytest.mark.parametrize(("value", "office"), [("1", "LPZ-01"), ("2", "LPZ-02"), (" 2. ", "LPZ-02")])
def test_a_number_picks_from_the_offices_shown(answer, value, office):
    assert answer(value, return_city="La Paz").slots == {
        "return_location": office,
        "return_city": "La Paz",
        **CHOSEN,
    }


def test_another_city_can_still_be_typed_after_the_offices_were_shown(answer):
    assert answer("Potosí", return_city="La Paz").slots == {
        "return_location": "PTS-01",
        "return_city": "Potosí",
        **CHOSEN,
    }


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    ("value", "slots"),
    [
        ("Tokyo", {}),
        ("2", {}),
        ("3", {"return_city": "La Paz"}),
        ("La Paz or Potosí", {}),
    ],
    ids=["unknown place", "number without a list", "number out of range", "two cities"],
)
def test_an_unknown_place_is_explained_and_cleared(answer, language, value, slots):
    outcome = answer(value, language, **slots)

    assert outcome.texts == [t("location.unknown", language, courier="DHL Express")]
    assert outcome.slots == {"return_location": None, "return_city": None, **MISSED}


def test_rejected_places_are_counted_until_one_office_is_chosen(answer):
    slots = {"failed_attempts": {"passport_number": 3}}
    counts = []
    # A city with several offices is no rejected answer: the count waits for the office.
    for value in ["Tokyo", "Tokio", "La Paz", "3", "DHL Sopocachi"]:
        outcome = answer(value, **slots)
        slots.update(outcome.slots)
        counts.append(outcome.slots.get("failed_attempts"))

    assert counts == [
        {"passport_number": 3, "return_location": 1},
        {"passport_number": 3, "return_location": 2},
        None,
        {"passport_number": 3, "return_location": 3},
        {"passport_number": 3, "return_location": 0},
    ]
    assert slots["return_location"] == "LPZ-01"


def test_confirming_the_office_keeps_it(make_tracker, validate, form):
    tracker = make_tracker(slots={"return_city": "Potosí", "return_location": "PTS-01"})

    assert validate(form, "location_confirmed", True, tracker).slots == {"location_confirmed": True}


def test_denying_the_office_clears_the_choice(make_tracker, validate, form):
    tracker = make_tracker(slots={"return_city": "Potosí", "return_location": "PTS-01"})

    outcome = validate(form, "location_confirmed", False, tracker)

    assert outcome.slots == {"location_confirmed": None, "return_location": None, "return_city": None}


def test_run_validates_the_answer_as_rasa_sends_it(make_tracker, run, form):
    tracker = make_tracker(
        text="La Paz",
        intent="inform",
        slots={"language": "es"},
        form=FORM,
        requested_slot="return_location",
        slot_events={"return_location": "La Paz"},
    )

    outcome = run(form, tracker)

    assert outcome.events == [SlotSet("return_location", None), SlotSet("return_city", "La Paz")]
    assert outcome.messages == []


def test_a_place_with_an_unsure_intent_is_taken_as_the_answer(make_tracker, run, form):
    tracker = make_tracker(
        text="Potosí",
        intent="ask_return",
        confidence=0.5,
        slots={"language": "en"},
        form=FORM,
        requested_slot="return_location",
        slot_events={},
    )

    outcome = run(form, tracker)

    assert outcome.slots == {"return_location": "PTS-01", "return_city": "Potosí", **CHOSEN}


def test_an_unsure_message_that_names_no_place_is_left_alone(make_tracker, run, form):
    tracker = make_tracker(
        text="how do I get my passport back",
        intent="ask_return",
        confidence=0.5,
        slots={"language": "en"},
        form=FORM,
        requested_slot="return_location",
        slot_events={},
    )

    assert run(form, tracker).events == []


# --- misspelt cities: taken when sure, offered when probable, nonsense explained ------

OFFER_CLOSED = {"spelling_suggestion": None, "spelling_confirmed": None}


@pytest.mark.parametrize("value", ["potossi", "Potozí", "en potosi porfa", "bia imperial"])
def test_a_city_surely_misspelt_is_taken(answer, value):
    outcome = answer(value)

    assert outcome.slots == {"return_location": "PTS-01", "return_city": "Potosí", **CHOSEN}
    assert outcome.messages == []


def test_a_city_with_several_offices_surely_misspelt_asks_which(answer):
    assert answer("la pas").slots == {"return_location": None, "return_city": "La Paz"}


@pytest.mark.parametrize(("value", "city"), [("potsi", "Potosí"), ("en la pasa", "La Paz")])
def test_a_city_probably_misspelt_is_offered(answer, value, city):
    outcome = answer(value)

    assert outcome.slots == {
        "return_location": None,
        "return_city": None,
        "spelling_suggestion": city,
        "spelling_confirmed": None,
    }
    assert outcome.messages == []  # the form asks "Did you mean …?"


def test_a_place_typed_instead_replaces_the_offer(answer):
    outcome = answer("Potosí", spelling_suggestion="La Paz")

    assert outcome.slots == {"return_location": "PTS-01", "return_city": "Potosí", **CHOSEN, **OFFER_CLOSED}


@pytest.mark.parametrize(
    ("city", "slots"),
    [
        ("Potosí", {"return_location": "PTS-01", "return_city": "Potosí", **CHOSEN}),
        ("La Paz", {"return_location": None, "return_city": "La Paz"}),
    ],
)
def test_yes_takes_the_offered_city(make_tracker, validate, form, city, slots):
    tracker = make_tracker(slots={"spelling_suggestion": city})

    assert validate(form, "spelling_confirmed", True, tracker).slots == {**OFFER_CLOSED, **slots}


def test_no_to_the_offered_city_asks_the_city_again(make_tracker, validate, form):
    tracker = make_tracker(slots={"spelling_suggestion": "Potosí"})

    outcome = validate(form, "spelling_confirmed", False, tracker)

    assert outcome.slots == OFFER_CLOSED
    assert outcome.messages == []


def test_no_with_another_city_keeps_that_one(make_tracker, validate, form):
    tracker = make_tracker(
        text="no, La Paz",
        intent="deny",
        slots={"spelling_suggestion": "Potosí"},
        form=FORM,
        requested_slot="spelling_confirmed",
        slot_events={"spelling_confirmed": False, "return_location": "La Paz"},
    )

    assert validate(form, "spelling_confirmed", False, tracker).slots == OFFER_CLOSED


def test_run_asks_whether_the_offered_city_is_meant(make_tracker, run, form):
    tracker = make_tracker(
        text="potsi",
        intent="inform",
        slots={"language": "es"},
        form=FORM,
        requested_slot="return_location",
        slot_events={"return_location": "potsi"},
    )

    outcome = run(form, tracker)

    assert outcome.events == [
        SlotSet("return_location", None),
        SlotSet("return_city", None),
        SlotSet("spelling_suggestion", "Potosí"),
        SlotSet("spelling_confirmed", None),
        SlotSet("requested_slot", "spelling_confirmed"),
    ]


@pytest.mark.parametrize("text", ["sí", "yes"])
def test_run_reads_yes_to_the_offered_city_and_lets_the_form_go_on(make_tracker, run, form, text):
    tracker = make_tracker(
        text=text,
        intent="affirm",
        slots={"language": "es", "spelling_suggestion": "Potosí"},
        form=FORM,
        requested_slot="spelling_confirmed",
        slot_events={},
    )

    outcome = run(form, tracker)

    # No requested_slot: Rasa's form asks the next question itself (the office's yes/no).
    assert outcome.events == [
        SlotSet("spelling_confirmed", None),
        SlotSet("spelling_suggestion", None),
        SlotSet("return_location", "PTS-01"),
        SlotSet("return_city", "Potosí"),
        SlotSet("failed_attempts", {"return_location": 0}),
    ]


# "asdfgh" at the city question is an answer that names no place: the question's own
# "no office for that place" (then the cities again), never the out-of-scope reply.
@pytest.mark.parametrize("intent", ["out_of_scope", "nlu_fallback"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_nonsense_at_the_city_question_gets_its_explanation(make_tracker, run, form, intent, language):
    tracker = make_tracker(
        text="asdfgh",
        intent=intent,
        confidence=0.99,
        slots={"language": language},
        form=FORM,
        requested_slot="return_location",
        slot_events={},
    )

    outcome = run(form, tracker)

    assert outcome.texts == [t("location.unknown", language, courier="DHL Express")]
    assert outcome.slots == {"return_location": None, "return_city": None, **MISSED}


def test_a_sentence_out_of_scope_at_the_city_question_is_left_to_the_rules(make_tracker, run, form):
    tracker = make_tracker(
        text="who won the football match yesterday",
        intent="out_of_scope",
        slots={"language": "en"},
        form=FORM,
        requested_slot="return_location",
        slot_events={},
    )

    assert run(form, tracker).events == []


# --- the confirmation ------------------------------------------------------------------


@pytest.fixture
def registration_id(isolated_services) -> str:
    registration, _ = isolated_services.registry.register(Applicant("A1234567", "1985-03-05", "BOL"))
    return str(registration.id)


@pytest.fixture
def issue(make_tracker, run, registration_id, proof_for):
    def run_issue(language="es"):
        slots = {
            "language": language,
            "registered": False,
            "passport_number": "A1234567",
            "date_of_birth": "1985-03-05",
            "date_confirmed": True,
            "nationality": "BOL",
            "details_confirmed": True,
            "registration_id": proof_for(registration_id),
            "has_confirmation": False,
            "return_city": "Potosí",
            "return_location": "PTS-01",
            "location_confirmed": True,
            "notice_shown": True,
        }
        return run(ActionIssueConfirmation(), make_tracker(text="sí", intent="affirm", slots=slots))

    return run_issue


def test_the_confirmation_links_to_its_page(issue, isolated_services, registration_id, public_url):
    outcome = issue("es")

    [token] = re.findall(re.escape(f"{public_url}/confirmation/") + r"(\S+)", outcome.texts[0])
    confirmation = isolated_services.registry.confirmation_by_token(token)
    assert confirmation is not None
    assert (confirmation.registration_id, confirmation.office_id, confirmation.language) == (
        int(registration_id),
        "PTS-01",
        "es",
    )
    assert outcome.texts == [
        t(
            "confirmation.issued",
            "es",
            number=confirmation.number,
            link=f"{public_url}/confirmation/{token}",
            courier="DHL Express",
        ),
        t("extras.offer", "es"),
    ]


def test_a_second_run_shows_the_existing_confirmation(issue, isolated_services, registration_id, public_url):
    issue("en")

    outcome = issue("en")

    confirmation = isolated_services.registry.confirmation_for(int(registration_id))
    assert outcome.texts == [
        t(
            "confirmation.existing",
            "en",
            number=confirmation.number,
            link=f"{public_url}/confirmation/{confirmation.token}",
        ),
        t("extras.offer", "en"),
    ]


@pytest.mark.parametrize("runs", [1, 2], ids=["issued", "shown again"])
def test_the_confirmation_carries_what_the_channels_deliver(
    issue, isolated_services, registration_id, public_url, runs
):
    for _ in range(runs):
        outcome = issue("en")

    confirmation = isolated_services.registry.confirmation_for(int(registration_id))
    page = f"{public_url}/confirmation/{confirmation.token}"
    assert outcome.messages[0].get("custom") == (
        {
            "confirmation": {
                "number": confirmation.number,
                "page": page,
                "pdf": f"{page}.pdf",
                "token": confirmation.token,
            }
        }
    )


def test_the_flow_is_reset_and_the_language_kept(issue, domain, registration_id, proof_for):
    outcome = issue()

    # Only the confirmation is remembered, so that later answers refer to it.
    assert outcome.slots == {
        **dict.fromkeys(set(domain["slots"]) - {"language"} | {"requested_slot"}),
        "confirmed_registration": proof_for(registration_id),
    }

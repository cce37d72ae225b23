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
        )
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
        )
    ]


def test_the_flow_is_reset_and_the_language_kept(issue, domain):
    outcome = issue()

    assert outcome.slots == dict.fromkeys(set(domain["slots"]) - {"language"} | {"requested_slot"})

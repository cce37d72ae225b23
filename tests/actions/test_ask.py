"""The action_ask_* actions: the question of each form slot, in English and Spanish."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from bot.actions.ask import AskAction
from bot.actions.prompts import PROMPTS
from bot.core.i18n import t

ASK = {action.action_name: action for action in AskAction.__subclasses__()}
LANGUAGES = pytest.mark.parametrize("language", ["en", "es"])
CHANGE_PAYLOADS = [
    '/change_field{"field": "passport_number"}',
    '/change_field{"field": "date_of_birth"}',
    '/change_field{"field": "nationality"}',
]
NEW_APPLICANT = {
    "registered": False,
    "passport_number": "A1234567",
    "date_of_birth": "1985-03-05",
    "date_confirmed": True,
    "nationality": "BOL",
}


def summary(language, date, country):
    """The summary of NEW_APPLICANT's details with `date` as its date of birth."""
    return "\n".join(
        [
            t("summary.intro", language),
            t("summary.passport", language, value="A1234567"),
            t("summary.dob", language, value=date),
            t("summary.nationality", language, value=country),
            t("summary.ask", language),
        ]
    )


@pytest.fixture
def ask(make_tracker, run):
    """Runs action_ask_<slot> inside the form that asks for it (by default it also
    asked for it before the latest message)."""

    def run_ask(slot, language, *, form="applicant_form", **tracker_args):
        slots = {"language": language, **tracker_args.pop("slots", {})}
        tracker_args.setdefault("requested_slot", slot)
        tracker = make_tracker(slots=slots, form=form, **tracker_args)
        return run(ASK[f"action_ask_{slot}"](), tracker)

    return run_ask


def test_language_question_is_bilingual_with_two_buttons(ask):
    outcome = ask("language", None, text="A1234567")

    assert outcome.texts == [t("language.ask", None)]
    assert outcome.buttons() == [
        ("English", '/switch_language{"language": "en"}'),
        ("Español", '/switch_language{"language": "es"}'),
    ]
    assert outcome.events == []


@LANGUAGES
def test_registered_shows_the_data_notice_the_first_time(ask, language):
    outcome = ask("registered", language)

    assert outcome.texts == [t("registered.notice", language), t("registered.ask", language)]
    assert outcome.buttons() == [
        (t("registered.yes", language), "/already_registered"),
        (t("registered.no", language), "/not_registered"),
    ]
    assert outcome.events == [SlotSet("notice_shown", True)]


@LANGUAGES
def test_registered_does_not_repeat_the_notice(ask, language):
    outcome = ask("registered", language, slots={"notice_shown": True})

    assert outcome.texts == [t("registered.ask", language)]
    assert len(outcome.buttons()) == 2
    assert outcome.events == []


@pytest.mark.parametrize("earlier", ["en", "es"])
@LANGUAGES
def test_registered_gives_the_notice_once_per_conversation(ask, language, earlier):
    # A cancel or a finished confirmation clears notice_shown with the flow's slots;
    # the notice said earlier in the conversation (in either language) still counts.
    outcome = ask(
        "registered",
        language,
        after_message=[
            {"event": "bot", "timestamp": 1700000001.0, "text": t("registered.notice", earlier), "data": {}},
            {"event": "action", "timestamp": 1700000001.0, "name": "action_cancel"},
            {"event": "slot", "timestamp": 1700000001.0, "name": "notice_shown", "value": None},
        ],
    )

    assert outcome.texts == [t("registered.ask", language)]
    assert outcome.events == []


@LANGUAGES
@pytest.mark.parametrize(
    ("slot", "key"),
    [("passport_number", "passport.ask"), ("date_of_birth", "dob.ask"), ("nationality", "nationality.ask")],
)
def test_plain_questions(ask, language, slot, key):
    outcome = ask(slot, language)

    assert outcome.texts == [t(key, language)]
    assert outcome.buttons() == []
    assert outcome.events == []


@pytest.mark.parametrize(
    ("language", "date", "alternative"),
    [("en", "5 March 1985", "3 May 1985"), ("es", "5 de marzo de 1985", "3 de mayo de 1985")],
)
def test_date_confirmation_offers_both_readings(ask, language, date, alternative):
    slots = {"date_of_birth": "1985-03-05", "date_alternative": "1985-05-03"}

    outcome = ask("date_confirmed", language, slots=slots)

    assert outcome.texts == [t("dob.confirm", language, date=date)]
    assert outcome.buttons() == [
        (t("dob.yes", language, date=date), "/affirm"),
        (t("dob.no", language, date=alternative), "/deny"),
    ]


@LANGUAGES
def test_lookup_choice_offers_retry_or_register(ask, language):
    outcome = ask("lookup_choice", language, slots={"registered": True, "lookup_failed": True})

    assert outcome.texts == [t("lookup.not_found", language)]
    assert outcome.buttons() == [
        (t("lookup.retry", language), "/retry"),
        (t("lookup.register", language), "/not_registered"),
    ]


@pytest.mark.parametrize(
    ("language", "date", "country"),
    [("en", "5 March 1985", "Bolivia"), ("es", "5 de marzo de 1985", "Bolivia")],
)
def test_summary_shows_the_normalised_details(ask, language, date, country):
    outcome = ask("details_confirmed", language, slots=NEW_APPLICANT)

    assert outcome.texts == [summary(language, date, country)]
    assert outcome.buttons() == [
        (t("summary.yes", language), "/affirm"),
        (t("summary.change_passport", language), CHANGE_PAYLOADS[0]),
        (t("summary.change_dob", language), CHANGE_PAYLOADS[1]),
        (t("summary.change_nationality", language), CHANGE_PAYLOADS[2]),
    ]


def test_summary_names_the_country_in_the_language(ask):
    outcome = ask("details_confirmed", "es", slots={**NEW_APPLICANT, "nationality": "USA"})

    assert t("summary.nationality", "es", value="Estados Unidos") in outcome.texts[0]


@LANGUAGES
def test_after_a_deny_the_summary_asks_which_field(ask, language):
    outcome = ask("details_confirmed", language, text="no", intent="deny", slots=NEW_APPLICANT)

    assert outcome.texts == [t("summary.which", language)]
    assert [payload for _, payload in outcome.buttons()] == CHANGE_PAYLOADS
    assert outcome.buttons()[0] == (t("summary.change_passport", language), CHANGE_PAYLOADS[0])


@LANGUAGES
def test_after_a_deny_within_the_form_run_the_summary_asks_which_field(ask, language):
    # As the form's ask step sees it: the validated "no", then the question again.
    outcome = ask(
        "details_confirmed",
        language,
        text="no",
        intent="deny",
        slots=NEW_APPLICANT,
        slot_events={"details_confirmed": None, "requested_slot": "details_confirmed"},
    )

    assert outcome.texts == [t("summary.which", language)]


@LANGUAGES
def test_summary_after_denying_an_ambiguous_date_shows_the_details(ask, language):
    # Summary -> "change date of birth" -> "05/03/1985" -> "No, 3 May 1985" (/deny).
    swapped = {"date_of_birth": "1985-05-03", "date_alternative": None, "date_confirmed": True}

    outcome = ask(
        "details_confirmed",
        language,
        text="/deny",
        intent="deny",
        slots=NEW_APPLICANT,
        requested_slot="date_confirmed",
        slot_events={"date_confirmed": False, **swapped, "requested_slot": "details_confirmed"},
    )

    date = {"en": "3 May 1985", "es": "3 de mayo de 1985"}[language]
    assert outcome.texts == [summary(language, date, "Bolivia")]
    assert outcome.buttons()[0] == (t("summary.yes", language), "/affirm")


@LANGUAGES
def test_return_location_lists_the_cities(ask, language):
    outcome = ask("return_location", language, form="location_form")

    assert outcome.texts == [f"{t('location.ask', language)}\n{t('location.samples', language)}"]
    assert outcome.buttons() == [("La Paz", "La Paz"), ("Potosí", "Potosí")]


def test_return_location_without_the_samples_note(ask, use_profile):
    use_profile(offices_are_samples=False)

    outcome = ask("return_location", "en", form="location_form")

    assert outcome.texts == [t("location.ask", "en")]


@LANGUAGES
def test_return_location_lists_the_offices_of_a_city_with_several(ask, language):
    outcome = ask("return_location", language, form="location_form", slots={"return_city": "La Paz"})

    assert outcome.texts == [
        "\n".join(
            [
                t("location.several", language, courier="DHL Express", city="La Paz"),
                t("location.samples", language),
            ]
        )
    ]
    assert outcome.buttons() == [
        (
            t(
                "location.office",
                language,
                name="DHL Sopocachi",
                address="Av. 20 de Octubre 100",
                city="La Paz",
            ),
            "LPZ-01",
        ),
        (
            t("location.office", language, name="DHL Miraflores", address="Av. Busch 200", city="La Paz"),
            "LPZ-02",
        ),
    ]


@LANGUAGES
def test_location_confirmation_names_the_office(ask, language):
    slots = {"return_city": "Potosí", "return_location": "PTS-01"}

    outcome = ask("location_confirmed", language, form="location_form", slots=slots)

    office = t("location.office", language, name="DHL Potosí", address="Calle Bolívar 300", city="Potosí")
    assert outcome.texts == [t("location.confirm", language, office=office)]
    assert "DHL Potosí, Calle Bolívar 300 (Potosí)" in outcome.texts[0]
    assert outcome.buttons() == [
        (t("location.yes", language), "/affirm"),
        (t("location.no", language), "/deny"),
    ]


@pytest.mark.parametrize(
    ("form", "suggestion", "language", "name", "text"),
    [
        ("applicant_form", "BOL", "en", "Bolivia", "Did you mean Bolivia?"),
        ("applicant_form", "BOL", "es", "Bolivia", "¿Quiso decir Bolivia?"),
        ("applicant_form", "USA", "es", "Estados Unidos", "¿Quiso decir Estados Unidos?"),
        ("location_form", "Potosí", "en", "Potosí", "Did you mean Potosí?"),
        ("location_form", "Potosí", "es", "Potosí", "¿Quiso decir Potosí?"),
    ],
)
def test_a_probable_spelling_is_offered_with_yes_and_no(ask, form, suggestion, language, name, text):
    outcome = ask("spelling_confirmed", language, form=form, slots={"spelling_suggestion": suggestion})

    assert outcome.texts == [text]
    assert outcome.buttons() == [
        (t("spelling.yes", language, name=name), "/affirm"),
        (t("spelling.no", language), "/deny"),
    ]
    assert outcome.events == []


# --- after three rejected answers ----------------------------------------------------

COUNTED = {
    "passport_number": "applicant_form",
    "date_of_birth": "applicant_form",
    "nationality": "applicant_form",
    "return_location": "location_form",
}


@LANGUAGES
@pytest.mark.parametrize(("slot", "form"), COUNTED.items())
def test_three_rejected_answers_get_help_and_the_contact_instead_of_the_question(
    ask, consular_contact, language, slot, form
):
    counts = dict.fromkeys(COUNTED, 1)

    outcome = ask(slot, language, form=form, slots={"failed_attempts": {**counts, slot: 3}})

    assert outcome.texts == [f"{t('attempts.help', language)}\n{consular_contact(language)}"]
    assert outcome.buttons() == []
    # Only this question's count starts again.
    assert outcome.events == [SlotSet("failed_attempts", {**counts, slot: 0})]


@pytest.mark.parametrize(("slot", "form"), COUNTED.items())
@pytest.mark.parametrize("count", [None, 0, 2], ids=["never answered", "accepted", "two rejected"])
def test_fewer_rejected_answers_ask_the_question_as_usual(ask, slot, form, count):
    # Three rejected answers to the other questions do not matter either.
    counts = {**dict.fromkeys(set(COUNTED) - {slot}, 3), **({} if count is None else {slot: count})}

    outcome = ask(slot, "es", form=form, slots={"failed_attempts": counts})

    assert outcome.messages == ask(slot, "es", form=form).messages
    assert t("attempts.help", "es") not in outcome.texts[0]
    assert outcome.events == []


def test_each_form_question_has_one_ask_action_named_for_its_slot():
    actions = AskAction.__subclasses__()

    assert sorted(action.slot for action in actions) == sorted(PROMPTS)
    assert all(action.action_name == f"action_ask_{action.slot}" for action in actions)

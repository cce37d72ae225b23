"""The conversation's language: how actions find it, the greeting, and switching."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from bot.actions.applicant import ValidateApplicantForm
from bot.actions.conversation import ActionGreet, ActionSwitchLanguage
from bot.actions.language_choice import LanguageChoice, resolve_language
from bot.core.i18n import t


def test_the_slot_wins_over_metadata_and_short_text(make_tracker):
    tracker = make_tracker(text="hola", metadata={"language": "es"}, slots={"language": "en"})

    assert resolve_language(tracker) == LanguageChoice("en", [])


def test_a_clear_sentence_in_the_other_language_switches(make_tracker):
    tracker = make_tracker(text="hola quiero enviar mis documentos", slots={"language": "en"})

    assert resolve_language(tracker) == LanguageChoice("es", [SlotSet("language", "es")], switched=True)


@pytest.mark.parametrize("text", ["en ingles porfa", "háblame en inglés por favor", "no hablo español bien"])
def test_an_explicit_request_is_not_undone_by_the_words_it_is_written_in(make_tracker, text):
    # The switch_language slot mapping has already set the requested language.
    assert resolve_language(make_tracker(text=text, slots={"language": "en"})) == LanguageChoice("en", [])


@pytest.mark.parametrize("text", ["yes", "thank you", "A1234567 Bolivia", "5 March 1985"])
def test_short_or_data_messages_never_switch(make_tracker, text):
    assert resolve_language(make_tracker(text=text, slots={"language": "es"})) == LanguageChoice("es", [])


def test_message_metadata_is_used_and_recorded(make_tracker):
    tracker = make_tracker(text="ok", metadata={"language": "es"})

    assert resolve_language(tracker) == LanguageChoice("es", [SlotSet("language", "es")])


def test_session_started_metadata_is_used_and_recorded(make_tracker):
    tracker = make_tracker(text="ok", slots={"session_started_metadata": {"language": "es"}})

    assert resolve_language(tracker) == LanguageChoice("es", [SlotSet("language", "es")])


def test_message_metadata_comes_before_session_metadata(make_tracker):
    tracker = make_tracker(
        text="ok", metadata={"language": "en"}, slots={"session_started_metadata": {"language": "es"}}
    )

    assert resolve_language(tracker) == LanguageChoice("en", [SlotSet("language", "en")])


def test_unsupported_metadata_language_falls_back_to_the_text(make_tracker):
    tracker = make_tracker(text="hola quiero enviar documentos", metadata={"language": "fr"})

    assert resolve_language(tracker) == LanguageChoice("es", [SlotSet("language", "es")])


@pytest.mark.parametrize(
    ("text", "language"),
    [("hola quiero enviar documentos", "es"), ("hello I want to send my documents", "en")],
)
def test_language_is_detected_from_a_clear_message(make_tracker, text, language):
    assert resolve_language(make_tracker(text=text)) == LanguageChoice(
        language, [SlotSet("language", language)]
    )


@pytest.mark.parametrize("text", ["ok", "A1234567", "05/03/1985", ""])
def test_unclear_text_leaves_the_language_unknown_without_events(make_tracker, text):
    assert resolve_language(make_tracker(text=text)) == LanguageChoice(None, [])


def test_an_invalid_slot_value_is_treated_as_unset_and_cleared(make_tracker):
    tracker = make_tracker(text="ok", slots={"language": "<script>"})

    assert resolve_language(tracker) == LanguageChoice(None, [SlotSet("language", None)])


def test_an_invalid_slot_value_is_replaced_by_the_detected_language(make_tracker):
    tracker = make_tracker(text="hola quiero enviar documentos", slots={"language": "<script>"})

    assert resolve_language(tracker) == LanguageChoice("es", [SlotSet("language", "es")])


@pytest.mark.parametrize(
    ("language", "embassy"),
    [("en", "U.S. Embassy in Testland"), ("es", "Embajada de los Estados Unidos en Testlandia")],
)
def test_greeting_in_the_known_language(make_tracker, run, language, embassy):
    outcome = run(ActionGreet(), make_tracker(text="hi", slots={"language": language}))

    assert outcome.texts == [t("greeting.intro", language, embassy=embassy, courier="DHL Express")]
    assert embassy in outcome.texts[0] and "DHL Express" in outcome.texts[0]
    assert outcome.events == []


def test_greeting_records_the_detected_language(make_tracker, run):
    outcome = run(ActionGreet(), make_tracker(text="hola, buenos días"))

    assert outcome.texts == [
        t(
            "greeting.intro",
            "es",
            embassy="Embajada de los Estados Unidos en Testlandia",
            courier="DHL Express",
        )
    ]
    assert outcome.events == [SlotSet("language", "es")]


def test_greeting_is_bilingual_when_the_language_is_unknown(make_tracker, run):
    outcome = run(ActionGreet(), make_tracker(text="A1234567", intent="request_courier"))

    assert outcome.texts == [t("greeting.bilingual", None)]
    assert "Hello" in outcome.texts[0] and "Hola" in outcome.texts[0]
    assert outcome.events == []


@pytest.mark.parametrize(("current", "target"), [("en", "es"), ("es", "en")])
def test_switch_without_an_entity_goes_to_the_other_language(make_tracker, run, current, target):
    tracker = make_tracker(
        text="other language please", intent="switch_language", slots={"language": current}
    )

    outcome = run(ActionSwitchLanguage(), tracker)

    assert outcome.texts == [t("language.switched", target)]
    assert outcome.events == [SlotSet("language", target)]


@pytest.mark.parametrize("target", ["en", "es"])
def test_switch_to_the_language_named_in_the_message(make_tracker, run, target):
    # The slot mapping has already copied the entity into the slot when the action runs.
    tracker = make_tracker(
        text="language please",
        intent="switch_language",
        entities={"language": target},
        slots={"language": target},
    )

    outcome = run(ActionSwitchLanguage(), tracker)

    assert outcome.texts == [t("language.switched", target)]
    assert outcome.events == [SlotSet("language", target)]


def test_switch_ignores_an_unsupported_language_entity(make_tracker, run):
    tracker = make_tracker(
        text="in french", intent="switch_language", entities={"language": "fr"}, slots={"language": "es"}
    )

    outcome = run(ActionSwitchLanguage(), tracker)

    assert outcome.texts == [t("language.switched", "en")]
    assert outcome.events == [SlotSet("language", "en")]


# --- switching inside the applicant form -----------------------------------------------
# Rasa runs the active form first. When the message names the language, the slot mapping
# sets it and the form's validation confirms the switch (no rule runs). When it does not
# ("change language"), the form rejects the turn, the rule runs action_switch_language,
# then the form runs again with nothing to validate.

IN_THE_FORM = {
    "form": "applicant_form",
    "requested_slot": "passport_number",
    "slots": {"language": "en", "registered": False},
}


def test_a_named_language_is_confirmed_by_the_form(make_tracker, run):
    tracker = make_tracker(
        text="Español",
        intent="switch_language",
        entities={"language": "es"},
        slot_events={"language": "es"},
        **IN_THE_FORM,
    )

    outcome = run(ValidateApplicantForm(), tracker)

    assert outcome.texts == [t("language.switched", "es")]
    assert outcome.events == [SlotSet("language", "es"), SlotSet("requested_slot", "passport_number")]


def test_switching_inside_the_applicant_form_confirms_once(make_tracker, run):
    turn = {"text": "change language", "intent": "switch_language", **IN_THE_FORM}
    switch = run(ActionSwitchLanguage(), make_tracker(**turn))
    after_switch = [
        {"event": "action", "timestamp": 1700000001.5, "name": "action_switch_language"},
        *switch.events,
    ]
    form = run(ValidateApplicantForm(), make_tracker(after_message=after_switch, slot_events={}, **turn))

    assert switch.texts + form.texts == [t("language.switched", "es")]
    assert form.events == [SlotSet("requested_slot", "passport_number")]


@pytest.mark.parametrize(
    "slot_events", [{}, {"language": "es"}], ids=["nothing to validate", "language again"]
)
def test_validate_language_after_action_switch_language_says_nothing(make_tracker, validate, slot_events):
    tracker = make_tracker(
        text="Español",
        intent="switch_language",
        entities={"language": "es"},
        after_message=[
            {"event": "action", "timestamp": 1700000001.5, "name": "action_switch_language"},
            {"event": "slot", "timestamp": 1700000001.6, "name": "language", "value": "es"},
        ],
        slot_events=slot_events,
        **IN_THE_FORM,
    )

    outcome = validate(ValidateApplicantForm(), "language", "es", tracker)

    assert outcome.slots == {"language": "es"}
    assert outcome.messages == []

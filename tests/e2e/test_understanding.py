"""Robustness of the conversation for real people (issue 3): questions the flow
did not ask for, a lost passport number, repeated failures, a language switch
by simply writing in the other language."""

from __future__ import annotations

import pytest

from bot.core.i18n import t
from bot.core.profile import load_profile
from tests.e2e.support import Chat, expect, new_passport, start_as_new


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "what's the weather like in la paz today?"), ("es", "como va a estar el clima hoy en la paz?")],
)
def test_out_of_scope_in_the_middle_of_the_form_and_back(stack, language: str, message: str) -> None:
    chat = Chat(stack, language=language)
    start_as_new(chat, language)
    chat.say(message)
    expect(chat, "faq.out_of_scope", language, courier="DHL", url=load_profile().page(language))
    expect(chat, "passport.ask", language)


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "I don't know my passport number"), ("es", "no se cual es mi numero de pasaporte")],
)
def test_not_knowing_the_passport_number_is_explained_without_a_loop(
    stack, language: str, message: str
) -> None:
    chat = Chat(stack, language=language)
    start_as_new(chat, language)
    chat.say(message)
    expect(chat, "faq.passport_number", language)
    expect(chat, "passport.ask", language)
    assert chat.slots()["passport_number"] is None
    chat.say(new_passport())
    expect(chat, "dob.ask", language)


@pytest.mark.parametrize("language", ["en", "es"])
def test_three_failed_tries_offer_help_instead_of_a_fourth_question(stack, language: str) -> None:
    chat = Chat(stack, language=language)
    start_as_new(chat, language)
    chat.say(new_passport())
    for _ in range(2):
        chat.say("32/13/1990")
        expect(chat, "dob.ask", language)
    chat.say("32/13/1990")
    expect(chat, "attempts.help", language)
    assert t("dob.ask", language) not in chat.text
    assert "+591 2 216-8000" in chat.text
    chat.say("1990-12-01")
    expect(chat, "nationality.ask", language)


def test_writing_a_sentence_in_the_other_language_switches_it(stack) -> None:
    chat = Chat(stack, language="en")
    start_as_new(chat, "en")
    chat.say(new_passport())
    expect(chat, "dob.ask", "en")
    chat.say("perdón, no entiendo bien qué fecha tengo que poner")
    expect(chat, "language.switched", "es")
    expect(chat, "dob.ask", "es")
    chat.say("5 de marzo de 1985")
    expect(chat, "nationality.ask", "es")
    assert chat.slots()["language"] == "es"


def test_a_single_word_in_the_other_language_does_not_switch(stack) -> None:
    chat = Chat(stack, language="es")
    start_as_new(chat, "es")
    chat.say(new_passport())
    chat.say("1985-03-25")
    chat.say("Bolivian")
    expect(chat, "summary.ask", "es")
    chat.say("yes")
    expect(chat, "location.ask", "es")


@pytest.mark.parametrize(
    ("language", "message", "date", "country"),
    [
        (
            "es",
            "hola, mi pasaporte es {passport}, naci el 3 de mayo del 88, soy boliviana",
            "3 de mayo de 1988",
            "Bolivia",
        ),
        (
            "en",
            "hi, my passport number is {passport}, I was born on March 5, 1985 and I'm Peruvian",
            "5 March 1985",
            "Peru",
        ),
    ],
)
def test_all_three_fields_in_the_first_message(
    stack, language: str, message: str, date: str, country: str
) -> None:
    passport = new_passport()
    chat = Chat(stack, language=language)
    chat.say(message.format(passport=passport))
    expect(chat, "registered.ask", language)
    chat.say("no")
    expect(chat, "summary.passport", language, value=passport)
    expect(chat, "summary.dob", language, value=date)
    expect(chat, "summary.nationality", language, value=country)


def test_all_three_fields_in_one_answer_inside_the_form(stack) -> None:
    passport = new_passport()
    chat = Chat(stack, language="es")
    start_as_new(chat, "es")
    chat.say(f"pasaporte {passport}, 12 de setiembre de 1990, peruana")
    expect(chat, "summary.passport", "es", value=passport)
    expect(chat, "summary.dob", "es", value="12 de septiembre de 1990")
    expect(chat, "summary.nationality", "es", value="Perú")


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_correction_after_the_summary_updates_the_field(stack, language: str) -> None:
    first, second = new_passport(), new_passport()
    chat = Chat(stack, language=language)
    start_as_new(chat, language)
    for answer in (first, "1985-03-25", "Bolivia"):
        chat.say(answer)
    expect(chat, "summary.passport", language, value=first)
    correction = {"en": f"sorry, my passport is actually {second}", "es": f"me equivoqué, es {second}"}[
        language
    ]
    chat.say(correction)
    expect(chat, "summary.passport", language, value=second)
    chat.say({"en": "no, I was born on 24 March 1985", "es": "no, nací el 24 de marzo de 1985"}[language])
    expect(
        chat, "summary.dob", language, value={"en": "24 March 1985", "es": "24 de marzo de 1985"}[language]
    )
    expect(chat, "summary.passport", language, value=second)
    chat.say({"en": "oops, no, I was born on the 4th", "es": "perdón, nací el 4"}[language])
    expect(chat, "summary.dob", language, value={"en": "4 March 1985", "es": "4 de marzo de 1985"}[language])

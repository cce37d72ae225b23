"""Both paths in both languages, through the REST channel, to the printed page."""

from __future__ import annotations

import io

import pypdf

from bot.core.i18n import t
from tests.e2e.support import Chat, confirmation_from, expect, http, new_passport, register_new, start_as_new


def fetch(url: str) -> tuple[int, bytes, dict]:
    return http("GET", url)


def test_new_applicant_in_spanish_to_the_printed_page(chat: Chat) -> None:
    passport = new_passport()
    chat.say("hola, necesito enviar mis documentos")
    expect(
        chat,
        "greeting.intro",
        "es",
        embassy="Embajada de los Estados Unidos en La Paz, Bolivia",
        courier="DHL",
    )
    expect(chat, "registered.notice", "es")
    chat.say("no, es mi primera vez")
    expect(chat, "passport.ask", "es")
    chat.say(f"{passport[:3]} {passport[3:6]}-{passport[6:]}".lower())
    expect(chat, "dob.ask", "es")
    chat.say("5 de marzo de 1985")
    expect(chat, "nationality.ask", "es")
    chat.say("boliviana")
    expect(chat, "summary.passport", "es", value=passport)
    expect(chat, "summary.dob", "es", value="5 de marzo de 1985")
    expect(chat, "summary.nationality", "es", value="Bolivia")
    chat.say("si, esta correcto")
    expect(chat, "registration.created", "es")
    expect(chat, "location.ask", "es")
    chat.say("potosi")
    assert "Potosí" in chat.text
    chat.say("sí")
    expect(
        chat,
        "confirmation.issued",
        "es",
        number=confirmation_from(chat)[0],
        link=confirmation_from(chat)[1],
        courier="DHL",
    )

    assert chat.slot_history("passport_number")[-2:] == [passport, None]
    assert "1985-03-05" in chat.slot_history("date_of_birth")
    assert "BOL" in chat.slot_history("nationality")
    assert False in chat.slot_history("registered")
    assert "PTS-01" in chat.slot_history("return_location")
    assert chat.slots()["language"] == "es"

    number, link = confirmation_from(chat)
    status, page, headers = fetch(link)
    html = page.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert 'lang="es"' in html
    for expected in (number, "*" * (len(passport) - 3) + passport[-3:], "Bolivia", "Potosí"):
        assert expected in html
    assert passport not in html
    status, pdf, headers = fetch(link + ".pdf")
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    for expected in (number, passport[-3:], "Bolivia", "Potosí"):
        assert expected in text


def test_new_applicant_in_english_with_a_question_an_ambiguous_date_and_a_correction(chat: Chat) -> None:
    chat.language = "en"
    first, second = new_passport(), new_passport()
    chat.say("I need to send my documents by DHL")
    expect(chat, "registered.ask", "en")
    chat.say("no")
    chat.say(first)
    expect(chat, "dob.ask", "en")
    chat.say("do I have to pay the fee again?")
    expect(chat, "faq.fee", "en")
    expect(chat, "dob.ask", "en")
    chat.say("05/03/1985")
    expect(chat, "dob.confirm", "en", date="5 March 1985")
    assert [b["title"] for b in chat.buttons()] == ["Yes, 5 March 1985", "No, 3 May 1985"]
    chat.say("no")
    expect(chat, "nationality.ask", "en")
    chat.say("Bolivian")
    expect(chat, "summary.dob", "en", value="3 May 1985")
    expect(chat, "summary.passport", "en", value=first)
    chat.say("I want to change my passport number")
    expect(chat, "passport.ask", "en")
    chat.say(second)
    expect(chat, "summary.passport", "en", value=second)
    expect(chat, "summary.dob", "en", value="3 May 1985")
    chat.say("yes")
    chat.say("Santa Cruz")
    assert "Santa Cruz de la Sierra" in chat.text
    chat.say("yes")
    number, link = confirmation_from(chat)
    status, page, _ = fetch(link)
    assert status == 200 and 'lang="en"' in page.decode() and number in page.decode()


def test_registered_applicant_finds_the_existing_confirmation(stack) -> None:
    passport = new_passport()
    number, link = register_new(Chat(stack), passport, "25/12/1990", "Peru", "Tarija", "en")
    returning = Chat(stack)
    returning.say("hola")
    returning.say("ya me registré")
    expect(returning, "passport.ask", "es")
    returning.say(passport)
    returning.say("25 de diciembre de 1990")
    returning.say("peruano")
    expect(returning, "lookup.found", "es")
    expect(returning, "confirmation.existing", "es", number=number, link=link)


def test_registered_applicant_without_confirmation_goes_to_the_office_step(stack) -> None:
    passport = new_passport()
    first = Chat(stack, language="en")
    first.say("hello")
    for answer in ("no", passport, "1 June 1970", "Chile", "yes"):
        first.say(answer)
    expect(first, "location.ask", "en")
    first.say("cancel")
    returning = Chat(stack, language="en")
    returning.say("hello")
    for answer in ("yes I have an account", passport, "1970-06-01", "chilean"):
        returning.say(answer)
    expect(returning, "lookup.found", "en")
    expect(returning, "location.ask", "en")


def test_not_found_is_one_reply_whatever_does_not_match(stack) -> None:
    passport = new_passport()
    register_new(Chat(stack), passport, "1980-01-20", "Bolivia", "Oruro", "es")
    attempts = {
        "unknown passport": (new_passport(), "1980-01-20", "Bolivia"),
        "wrong date of birth": (passport, "1980-01-21", "Bolivia"),
        "wrong nationality": (passport, "1980-01-20", "Peru"),
    }
    replies = {}
    for case, (number, date, nationality) in attempts.items():
        chat = Chat(stack, language="es")
        chat.say("hola")
        chat.say("sí, ya me registré")
        for answer in (number, date, nationality):
            chat.say(answer)
        replies[case] = [(message["text"], message.get("buttons")) for message in chat.last]
    assert len({str(reply) for reply in replies.values()}) == 1, replies
    assert t("lookup.not_found", "es") == replies["unknown passport"][0][0]


def test_not_found_then_try_again_or_register(stack) -> None:
    passport = new_passport()
    chat = Chat(stack, language="en")
    chat.say("hi")
    for answer in ("yes", passport, "1975-08-30", "Mexico"):
        chat.say(answer)
    expect(chat, "lookup.not_found", "en")
    chat.say("try again")
    expect(chat, "passport.ask", "en")
    for answer in (passport, "1975-08-30", "Mexican"):
        chat.say(answer)
    expect(chat, "lookup.not_found", "en")
    chat.say("/not_registered")
    expect(chat, "summary.passport", "en", value=passport)
    chat.say("yes")
    expect(chat, "registration.created", "en")


def test_a_new_applicant_who_is_already_registered_gets_the_same_registration(stack) -> None:
    passport = new_passport()
    number, link = register_new(Chat(stack), passport, "1999-02-14", "Argentina", "Cobija", "es")
    again = Chat(stack, language="es")
    again.say("hola")
    for answer in ("no", passport, "14/02/1999", "argentina", "sí"):
        again.say(answer)
    expect(again, "lookup.found", "es")
    expect(again, "confirmation.existing", "es", number=number, link=link)


def test_language_switch_in_the_middle_of_the_form_keeps_the_answers(chat: Chat) -> None:
    passport = new_passport()
    start_as_new(chat, "en")
    chat.say(passport)
    chat.say("¿me puede hablar en español?")
    expect(chat, "language.switched", "es")
    expect(chat, "dob.ask", "es")
    chat.say("in English please")
    expect(chat, "language.switched", "en")
    expect(chat, "dob.ask", "en")
    chat.say("12 October 1960")
    chat.say("Ecuadorian")
    expect(chat, "summary.passport", "en", value=passport)


def test_language_is_asked_when_the_first_message_does_not_show_it(chat: Chat) -> None:
    chat.say("/greet")
    expect(chat, "greeting.bilingual", "en")
    expect(chat, "language.ask", "en")
    assert [b["title"] for b in chat.buttons()] == ["English", "Español"]
    chat.say(chat.buttons()[1]["payload"])
    expect(chat, "registered.notice", "es")
    expect(chat, "registered.ask", "es")


def test_metadata_sets_the_language(stack) -> None:
    chat = Chat(stack, language="es")
    chat.say("/greet")
    expect(chat, "registered.ask", "es")


def test_cancel_forgets_everything_collected(chat: Chat) -> None:
    chat.language = "es"
    start_as_new(chat, "es")
    chat.say(new_passport())
    chat.say("3 de mayo de 1988")
    chat.say("quiero cancelar")
    expect(chat, "cancel.done", "es")
    slots = chat.slots()
    assert all(slots[name] is None for name in ("passport_number", "date_of_birth", "registered"))
    assert chat.tracker()["active_loop"] == {}
    chat.say("hola")
    expect(chat, "registered.ask", "es")


def test_a_switch_without_a_named_language_toggles_and_is_confirmed_once(chat: Chat) -> None:
    chat.language = "en"
    start_as_new(chat, "en")
    chat.say("change language")
    assert chat.text.count(t("language.switched", "es")) == 1, chat.text
    expect(chat, "passport.ask", "es")
    assert chat.slots()["language"] == "es"

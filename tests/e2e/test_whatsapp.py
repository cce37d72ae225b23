"""WhatsApp through Twilio against the real processes: webhook forms shaped and
signed like Twilio's, replies read from a fake Twilio Messages API (the confirmation's
PDF as a media message whose MediaUrl the web app serves)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from bot.channels.whatsapp import twilio_signature
from bot.core.i18n import t
from bot.core.settings import DEFAULT_PROFILE
from bot.launcher import Stack
from tests.e2e.support import confirmation_from, expect, http, new_passport
from tests.fakes.recorder import RecordingServer
from tests.fakes.whatsapp import (
    ACCOUNT_SID,
    MESSAGES_PATH,
    SENDER,
    TWILIO_AUTH_TOKEN,
    WhatsAppChat,
    incoming_form,
    new_number,
    post_webhook,
    webhook_url,
)

# Every number these tests write from, for the check that none reaches a log.
NUMBERS: list[str] = []


@pytest.fixture
def person(stack: Stack, fake_twilio: RecordingServer) -> Iterator[WhatsAppChat]:
    """A person with a Bolivian number (+591)."""
    chat = WhatsAppChat(stack, fake_twilio)
    NUMBERS.append(chat.number)
    yield chat


def chat_from(stack: Stack, fake_twilio: RecordingServer, country_prefix: str) -> WhatsAppChat:
    chat = WhatsAppChat(stack, fake_twilio, new_number(country_prefix))
    NUMBERS.append(chat.number)
    return chat


def test_a_signed_message_is_answered_through_the_messages_api(person: WhatsAppChat) -> None:
    person.say("hola")
    expect(person, "registered.ask", "es")
    sent = person.received()
    assert sent and all(request.path == MESSAGES_PATH for request in sent)
    assert all(request.headers["Authorization"].startswith("Basic ") for request in sent)
    assert {(request.body["From"], request.body["To"]) for request in sent} == {(SENDER, person.address)}


REJECTED = {
    "unsigned": {"signature": ""},
    "signed with another token": {"token": "not-the-token"},
    "signed for another URL": {"signed_url": "https://bot.example.org/webhooks/whatsapp/webhook"},
    "forged signature": {"signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="},
}


@pytest.mark.parametrize("how", REJECTED.values(), ids=REJECTED.keys())
def test_a_request_without_twilios_signature_is_refused(person: WhatsAppChat, how: dict) -> None:
    status, raw, _ = post_webhook(person.stack, incoming_form(person.number, "hola"), **how)
    assert status == 403, raw
    assert json.loads(raw) == {"error": "invalid signature"}
    assert person.received() == []


def test_a_tampered_form_is_refused(person: WhatsAppChat) -> None:
    fields = incoming_form(person.number, "hola")
    signature = twilio_signature(
        TWILIO_AUTH_TOKEN, webhook_url(person.stack.settings.rasa_port), fields.items()
    )
    status, _, _ = post_webhook(person.stack, {**fields, "Body": "adiós"}, signature=signature)
    assert status == 403
    assert person.received() == []


MALFORMED = {
    "missing From": ({"From": None}, {}),
    "From without whatsapp:": ({"From": "+59171234567"}, {}),
    "From not a number": ({"From": "whatsapp:+591abc"}, {}),
    "missing MessageSid": ({"MessageSid": None}, {}),
    "NumMedia not a number": ({"NumMedia": "x"}, {}),
    "JSON instead of a form": ({}, {"content_type": "application/json", "body": b'{"Body": "hola"}'}),
    "not UTF-8": ({}, {"body": b"Body=\xff\xfe&From=whatsapp%3A%2B59171234567"}),
    "broken form": ({}, {"body": b"Body&&=&From"}),
}


@pytest.mark.parametrize(("overrides", "how"), MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_request_gets_400(person: WhatsAppChat, overrides: dict, how: dict) -> None:
    fields = incoming_form(person.number, "hola", **overrides)
    status, raw, _ = post_webhook(person.stack, fields, **how)
    assert status == 400, raw
    assert "error" in json.loads(raw)
    assert person.received() == []


def test_a_huge_request_gets_413(person: WhatsAppChat) -> None:
    status, _, _ = post_webhook(person.stack, incoming_form(person.number, "x" * 100_000))
    assert status == 413
    assert person.received() == []


def register_by_numbers(chat: WhatsAppChat, first_message: str, language: str) -> tuple[str, str]:
    """A new applicant from the first message to the confirmation, answering every
    question with buttons by the number of the choice."""
    option = "opción" if language == "es" else "option"
    chat.say(first_message)
    expect(chat, "registered.ask", language)
    chat.say(chat.choice(t("registered.no", language)))
    expect(chat, "passport.ask", language)
    chat.say(new_passport())
    expect(chat, "dob.ask", language)
    chat.say("1990-04-23")
    expect(chat, "nationality.ask", language)
    chat.say("Bolivia")
    expect(chat, "summary.ask", language)
    chat.say(chat.choice(t("summary.yes", language)) + ".")
    expect(chat, "registration.created", language)
    expect(chat, "location.ask", language)
    chat.say(f"{option} {chat.choice('Tarija')}")
    assert t("location.confirm", language, office="").split("\n")[0] in chat.text
    assert "Tarija" in chat.text
    chat.say(chat.choice(t("location.yes", language)))
    return confirmation_from(chat)


@pytest.mark.parametrize(
    ("country_prefix", "first_message", "language"),
    [("+1202555", "hello", "en"), ("+5917", "buenas tardes", "es")],
    ids=["English from +1", "Spanish from +591"],
)
def test_a_whole_conversation_to_the_confirmation_link(
    stack: Stack, fake_twilio: RecordingServer, country_prefix: str, first_message: str, language: str
) -> None:
    chat = chat_from(stack, fake_twilio, country_prefix)
    number, link = register_by_numbers(chat, first_message, language)
    expect(chat, "confirmation.issued", language, number=number, link=link, courier="DHL")
    status, page, _ = http("GET", link)
    assert status == 200 and f'lang="{language}"' in page.decode() and number in page.decode()
    assert all(len(request.body["Body"]) <= 1_600 for request in chat.received())
    # The PDF as a media message, after the text with the link; Twilio fetches MediaUrl.
    (media,) = chat.media()
    assert media.body == {
        "From": SENDER,
        "To": chat.address,
        "Body": t("delivery.document_caption", language, number=number),
        "MediaUrl": f"{link}.pdf",
    }
    bodies = [request.body["Body"] for request in chat.received()]
    linked = next(index for index, body in enumerate(bodies) if link in body)
    assert bodies.index(media.body["Body"]) > linked
    status, pdf, headers = http("GET", media.body["MediaUrl"])
    assert status == 200 and headers["Content-Type"] == "application/pdf" and pdf.startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("country_prefix", "language"),
    [
        ("+5917", "es"),
        ("+1809555", "es"),
        ("+1787555", "es"),
        ("+5411", "es"),
        ("+1416555", "en"),
        ("+4479", "en"),
    ],
    ids=["Bolivia", "Dominican Republic", "Puerto Rico", "Argentina", "Canada", "United Kingdom"],
)
def test_the_first_reply_is_in_the_language_of_the_calling_code(
    stack: Stack, fake_twilio: RecordingServer, country_prefix: str, language: str
) -> None:
    """Before the person has chosen, the calling code decides even over a greeting
    in the other language; a sentence later switches (next test)."""
    chat = chat_from(stack, fake_twilio, country_prefix)
    chat.say("hi" if language == "es" else "hola")
    expect(chat, "registered.ask", language)


def test_the_guess_from_the_calling_code_gives_way_to_the_persons_choice(person: WhatsAppChat) -> None:
    person.say("hola")
    expect(person, "registered.ask", "es")
    person.say("can you speak English please")
    expect(person, "language.switched", "en")
    expect(person, "registered.ask", "en")
    person.say(person.choice(t("registered.no", "en")))
    expect(person, "passport.ask", "en")
    assert person.tracker()["slots"]["language"] == "en"


def test_without_a_guess_the_language_comes_from_the_message(
    stack: Stack, fake_twilio: RecordingServer
) -> None:
    chat = chat_from(stack, fake_twilio, "+4915")  # Germany: no guess
    chat.say("hola, necesito enviar mis documentos")
    expect(chat, "registered.ask", "es")


def test_the_text_arrives_exactly_as_sent_and_the_number_stays_out_of_the_tracker(
    person: WhatsAppChat,
) -> None:
    text = "¡Hola! ¿Cómo está? Soy Ñusta Güemes 🙂"
    person.say(text)
    tracker = person.tracker()
    assert tracker["sender_id"] == person.sender_id
    assert [event["text"] for event in tracker["events"] if event["event"] == "user"] == [text]
    dumped = json.dumps(tracker)
    assert person.number.lstrip("+") not in dumped
    assert person.number[-7:] not in dumped


def test_a_photo_or_a_location_gets_a_polite_reply(person: WhatsAppChat) -> None:
    person.say("hola")
    person.say(
        None,
        NumMedia="1",
        MessageType="image",
        MediaContentType0="image/jpeg",
        MediaUrl0=f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM1/Media/ME1",
    )
    assert person.last == [t("channel.text_only", "es")]
    person.say(None, MessageType="location", Latitude="-16.5", Longitude="-68.15")
    assert person.last == [t("channel.text_only", "es")]
    person.say("no")
    expect(person, "passport.ask", "es")


def test_a_reply_by_number_picks_the_button(person: WhatsAppChat) -> None:
    person.say("hola")
    person.say("opción 1")
    expect(person, "passport.ask", "es")
    assert "/already_registered" in [event.get("text") for event in person.tracker()["events"]]


def test_a_number_without_buttons_is_an_ordinary_answer(person: WhatsAppChat) -> None:
    person.say("hola")
    person.say("no")
    expect(person, "passport.ask", "es")
    person.say("2")
    assert [event["text"] for event in person.tracker()["events"] if event["event"] == "user"][-1] == "2"


@contextmanager
def actions_with_profile(stack: Stack, profile: Path) -> Iterator[None]:
    """Restarts the action server with another embassy profile, then restores it."""
    original = stack.env.get("EMBASSY_PROFILE")
    stack.stop(only=("actions",))
    stack.env["EMBASSY_PROFILE"] = str(profile)
    stack.start(only=("actions",))
    try:
        yield
    finally:
        stack.stop(only=("actions",))
        if original is None:
            del stack.env["EMBASSY_PROFILE"]
        else:
            stack.env["EMBASSY_PROFILE"] = original
        stack.start(only=("actions",))


def test_a_long_reply_is_split_and_its_numbers_still_work(person: WhatsAppChat, tmp_path: Path) -> None:
    profile = yaml.safe_load(DEFAULT_PROFILE.read_text(encoding="utf-8"))
    profile["offices"] += [
        {
            "id": f"TJA-{index:02d}",
            "city": "Tarija",
            "name": f"DHL – Tarija, agencia número {index} (oficina de ejemplo con un nombre largo)",
            "address": f"Avenida de ejemplo {index}, entre calles de ejemplo, edificio de ejemplo, planta baja",
        }
        for index in range(2, 16)
    ]
    path = tmp_path / "profile.yml"
    path.write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    with actions_with_profile(person.stack, path):
        person.say("hola")
        for answer in ("no", new_passport(), "1990-04-23", "Bolivia", "sí"):
            person.say(answer)
        expect(person, "location.ask", "es")
        person.say("Tarija")
        assert len(person.last) >= 2 and all(len(piece) <= 1_600 for piece in person.last)
        expect(person, "location.several", "es", courier="DHL", city="Tarija")
        assert "15. DHL – Tarija, agencia número 15" in person.text
        assert person.last[-1].endswith(t("whatsapp.choose", "es"))
        person.say("opción 14")
        assert "agencia número 14 (" in person.text
        person.say("sí")
        number, link = confirmation_from(person)
        expect(person, "confirmation.issued", "es", number=number, link=link, courier="DHL")


def test_a_send_that_fails_twice_is_delivered_by_the_retries(person: WhatsAppChat) -> None:
    person.twilio.fail_next(500, 503)
    person.say("hola")
    bodies = [request.body["Body"] for request in person.received()]
    first = bodies[0]
    assert bodies.count(first) == 3, "the first message was not retried until it went through"
    expect(person, "registered.ask", "es")


def test_a_send_that_always_fails_does_not_stop_the_conversation(person: WhatsAppChat) -> None:
    person.twilio.fail_next(500, 500, 500)
    started = time.monotonic()
    person.send(incoming_form(person.number, "hola"))
    assert time.monotonic() - started < 10
    assert len(person.last) == 3 and len(set(person.last)) == 1, (
        "three attempts at the first message, then stop"
    )
    person.say("no")
    expect(person, "passport.ask", "es")


def test_a_repeated_message_sid_is_answered_once(person: WhatsAppChat) -> None:
    fields = incoming_form(person.number, "hola")
    assert person.send(fields)
    assert person.send(fields) == []


def test_a_delivery_status_callback_is_acknowledged_silently(person: WhatsAppChat) -> None:
    fields = {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "ChannelToAddress": person.number,
        "From": SENDER,
        "To": person.address,
        "MessageSid": "SM" + "2" * 32,
        "MessageStatus": "delivered",
        "SmsSid": "SM" + "2" * 32,
        "SmsStatus": "delivered",
    }
    assert person.send(fields) == []


def test_messages_sent_in_quick_succession_are_answered_in_order(person: WhatsAppChat) -> None:
    first = threading.Thread(target=person.send, args=(incoming_form(person.number, "hola"),))
    first.start()
    time.sleep(0.05)
    status, _, _ = post_webhook(person.stack, incoming_form(person.number, "2"))
    first.join()
    assert status == 200
    bodies = [request.body["Body"] for request in person.received()]
    asks = [index for index, body in enumerate(bodies) if t("registered.ask", "es") in body]
    passport = [index for index, body in enumerate(bodies) if t("passport.ask", "es") in body]
    assert asks and passport and asks[0] < passport[0], bodies


def test_no_phone_number_reaches_the_logs(person: WhatsAppChat) -> None:
    person.say("hola")
    logs = "".join(
        path.read_text(errors="replace") for path in (person.stack.settings.data_dir / "logs").glob("*.log")
    )
    assert logs
    for number in NUMBERS:
        assert number.lstrip("+") not in logs

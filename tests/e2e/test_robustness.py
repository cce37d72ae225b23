"""Bad input at every prompt, broken webhook bodies, the action server going down,
the HTTP API's token, and personal data kept out of the logs."""

from __future__ import annotations

import json

import pytest

from bot.core.i18n import t
from tests.e2e.support import AUTH_TOKEN, Chat, confirmation_from, expect, http, new_passport, start_as_new

NOISE = {
    "empty": ("", "errors.empty"),
    "blank": ("   ", "errors.empty"),
    "10k": ("x" * 10_000, "errors.too_long"),
    "emoji": ("🙂🙂🙂", "errors.passport_characters"),
    "markup": ("<script>alert('hi')</script>", "errors.passport_characters"),
    "nonsense": ("¿¿?? !!", "errors.passport_characters"),
}


@pytest.mark.parametrize(("noise", "reason"), NOISE.values(), ids=NOISE.keys())
def test_noise_at_the_passport_prompt_gets_a_reason_and_the_question_again(
    stack, noise: str, reason: str
) -> None:
    chat = Chat(stack, language="en")
    start_as_new(chat, "en")
    chat.say(noise)
    expect(chat, reason, "en")
    expect(chat, "passport.ask", "en")
    assert chat.slots()["passport_number"] is None


@pytest.mark.parametrize(
    ("answer", "key", "params"),
    [
        ("31/02/1990", "errors.date_invalid", {}),
        ("01/01/2999", "errors.date_future", {}),
        ("1850-01-01", "errors.date_too_old", {"max_age": "120"}),
        ("banana", "errors.date_unreadable", {}),
        ("🙂", "errors.date_unreadable", {}),
        ("", "errors.empty", {}),
    ],
)
def test_nonsense_dates_get_a_specific_reason(stack, answer: str, key: str, params: dict) -> None:
    chat = Chat(stack, language="es")
    start_as_new(chat, "es")
    chat.say(new_passport())
    chat.say(answer)
    expect(chat, key, "es", **params)
    expect(chat, "dob.ask", "es")


def test_unknown_nationality_and_place(stack) -> None:
    chat = Chat(stack, language="en")
    start_as_new(chat, "en")
    chat.say(new_passport())
    chat.say("1 January 1980")
    chat.say("martian")
    expect(chat, "errors.nationality_unknown", "en")
    expect(chat, "nationality.ask", "en")
    chat.say("Bolivia")
    chat.say("yes")
    chat.say("Narnia")
    expect(chat, "location.unknown", "en", courier="DHL")
    expect(chat, "location.ask", "en")


def test_markup_is_never_echoed_as_markup(stack) -> None:
    chat = Chat(stack, language="en")
    start_as_new(chat, "en")
    chat.say("<img src=x onerror=alert(1)>")
    assert "<img" not in chat.text


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b"{}",
        b'{"sender": ""}',
        b'{"sender": "a", "message": 5}',
        b'{"sender": "a", "message": "hi", "metadata": "es"}',
        b'{"sender": ' + b'"a' * 100 + b'"}',
    ],
)
def test_broken_webhook_bodies_get_400(stack, body: bytes) -> None:
    status, raw, _ = http("POST", f"http://127.0.0.1:{stack.settings.rasa_port}/webhooks/rest/webhook", body)
    assert status == 400, raw
    assert "error" in json.loads(raw)


def test_the_http_api_needs_the_token(stack) -> None:
    base = f"http://127.0.0.1:{stack.settings.rasa_port}"
    assert http("GET", f"{base}/conversations/someone/tracker")[0] == 401
    assert http("GET", f"{base}/conversations/someone/tracker?token=wrong")[0] == 401
    assert http("GET", f"{base}/conversations/someone/tracker?token={AUTH_TOKEN}")[0] == 200


def test_unknown_confirmation_link_is_404(stack) -> None:
    base = stack.settings.public_url
    assert http("GET", f"{base}/confirmation/{'A' * 43}")[0] == 404
    assert http("GET", f"{base}/confirmation/{'A' * 43}.pdf")[0] == 404


def test_action_server_down_gets_an_apology_and_the_conversation_goes_on(stack) -> None:
    chat = Chat(stack, language="es")
    start_as_new(chat, "es")
    passport = new_passport()
    stack.stop(only=("actions",))
    try:
        chat.say(passport)
        assert chat.text == t("system.unavailable", "es")
    finally:
        stack.start(only=("actions",))
    chat.say(passport)
    expect(chat, "dob.ask", "es")
    assert passport in chat.slot_history("passport_number")


def test_no_personal_data_reaches_the_logs(stack) -> None:
    """Through the whole flow, the deadline and checklist, the page, PDF and calendar."""
    passport, date = new_passport(), "17 de agosto de 1966"
    chat = Chat(stack, language="es")
    chat.say("hola")
    for answer in ("no", passport, date, "boliviana"):
        chat.say(answer)
    expect(chat, "summary.passport", "es", value=passport)
    for answer in ("sí", "Potosí", "sí"):
        chat.say(answer)
    number, link = confirmation_from(chat)
    for answer in ("sí", "10/03/2026", "certificado de antecedentes policiales", "eso es todo"):
        chat.say(answer)
    expect(chat, "extras.saved", "es", what=t("extras.saved_both", "es"), link=link)
    for suffix in ("", ".pdf", ".ics"):
        assert http("GET", link + suffix)[0] == 200
    logs = "".join(
        path.read_text(errors="replace") for path in (stack.settings.data_dir / "logs").glob("*.log")
    )
    assert logs, "the processes wrote no log at all"
    token = link.rsplit("/", 1)[1]
    for secret in (passport, "1966-08-17", date, token, number):
        assert secret not in logs


def test_a_long_conversation_keeps_its_answers_and_only_its_last_turns(stack) -> None:
    # bot.tracker_store keeps 10 turns once a conversation passes 12.
    chat = Chat(stack, language="en")
    start_as_new(chat, "en")
    chat.say(new_passport())
    expect(chat, "dob.ask", "en")
    for index in range(30):
        chat.say(("what does 221g mean?", "do I have to pay the fee again?")[index % 2])
        expect(chat, "dob.ask", "en")
    tracker = chat.tracker()
    assert sum(event["event"] == "user" for event in tracker["events"]) <= 12
    chat.say("1990-07-21")
    expect(chat, "nationality.ask", "en")
    chat.say("Bolivian")
    expect(chat, "summary.ask", "en")
    assert chat.slots()["passport_number"] and chat.slots()["date_of_birth"] == "1990-07-21"

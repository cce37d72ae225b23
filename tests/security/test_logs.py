"""Hole 4: personal data in rasa.log. A message starting with "/" was logged whole by
Rasa, and every action-server 500 dumped the tracker. No passport number, date of
birth or message text may reach any log, whatever the path."""

from __future__ import annotations

from bot.launcher import Stack
from tests.e2e.support import Chat, new_passport
from tests.e2e.test_telegram import TelegramChat
from tests.fakes.recorder import RecordingServer
from tests.security.support import log_text


def test_payload_looking_messages_are_not_logged(stack: Stack) -> None:
    passport = new_passport()
    chat = Chat(stack, language="en")
    chat.say(f"/my passport is {passport} born 26/08/1990")
    chat.say(f'/inform{{"passport_number": "{passport}", "date_of_birth": "1990-08-26"}}')
    chat.say(f"/{passport}")
    logs = log_text(stack)
    for secret in (passport, "26/08/1990", "1990-08-26", "my passport is"):
        assert secret not in logs, secret


def test_telegram_payload_looking_text_is_not_logged(stack: Stack, fake_telegram: RecordingServer) -> None:
    passport = new_passport()
    person = TelegramChat(stack, fake_telegram, "es")
    person.say(f"/mi pasaporte es {passport} y naci el 26/08/1990")
    logs = log_text(stack)
    assert passport not in logs and "26/08/1990" not in logs


def test_a_whole_registration_leaves_no_personal_data_in_any_log(stack: Stack) -> None:
    passport = new_passport()
    chat = Chat(stack, language="es")
    for text in ("hola", "no", passport, "17 de septiembre de 1979", "peruana", "sí", "cochabamba", "sí"):
        chat.say(text)
    logs = log_text(stack)
    for secret in (passport, "1979-09-17", "17 de septiembre", "1979"):
        assert secret not in logs, secret

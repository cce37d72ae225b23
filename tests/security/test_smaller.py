"""Hole 8, the smaller ones: a Telegram text with spaces before "/" read as an intent
payload; /session_start and /restart answered with a false "problem on our side";
the Rasa API token visible in `ps`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.core.i18n import t
from bot.launcher import Stack
from tests.e2e.support import AUTH_TOKEN, http
from tests.e2e.test_telegram import TelegramChat
from tests.fakes import telegram as fake
from tests.fakes.recorder import RecordingServer


@pytest.mark.parametrize("text", [" /restart", "\n/restart", "\t /restart"])
def test_telegram_text_with_leading_spaces_is_not_a_payload(
    stack: Stack, fake_telegram: RecordingServer, text: str
) -> None:
    person = TelegramChat(stack, fake_telegram, "en")
    person.say("hello")
    person.post(fake.text_update(person.chat_id, text))
    # ALL: by default the API leaves out everything up to and including a restart.
    url = (
        f"http://127.0.0.1:{stack.settings.rasa_port}/conversations/{person.sender_id}/tracker"
        f"?include_events=ALL&token={AUTH_TOKEN}"
    )
    status, raw, _ = http("GET", url)
    assert status == 200
    events = json.loads(raw)["events"]
    assert [event["event"] for event in events].count("user") == 2
    assert not any(event["event"] == "restart" for event in events)


@pytest.mark.parametrize("command", ["/session_start", "/restart"])
def test_session_commands_get_no_false_apology(stack: Stack, command: str) -> None:
    sender = "security-" + command.strip("/")
    url = f"http://127.0.0.1:{stack.settings.rasa_port}/webhooks/rest/webhook"
    http("POST", url, {"sender": sender, "message": "hola"})
    status, raw, _ = http("POST", url, {"sender": sender, "message": command})
    assert status == 200
    texts = [message.get("text") for message in json.loads(raw)]
    assert t("system.unavailable", "es") not in texts and t("system.unavailable", "en") not in texts


def test_the_api_token_is_not_on_any_command_line(stack: Stack) -> None:
    for name, process in stack.processes.items():
        command_line = Path(f"/proc/{process.pid}/cmdline").read_bytes()
        assert AUTH_TOKEN.encode() not in command_line, name
    # ...and the API still takes it.
    status, _, _ = http("GET", f"http://127.0.0.1:{stack.settings.rasa_port}/status?token={AUTH_TOKEN}")
    assert status == 200

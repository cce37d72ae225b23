"""What the end-to-end tests share: HTTP calls, a chat client on the REST channel,
and the conversation steps several tests repeat."""

from __future__ import annotations

import json
import random
import re
import string
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

from bot.core.i18n import t
from bot.launcher import Stack

AUTH_TOKEN = "e2e-" + uuid.uuid4().hex


def http(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes, dict]:
    """(status, body, headers) of one request; error statuses are returned, not raised."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None and not request.has_header("Content-type"):
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


@dataclass
class Chat:
    """One person talking to the assistant through the REST channel."""

    stack: Stack
    language: str | None = None
    sender: str = field(default_factory=lambda: "e2e-" + uuid.uuid4().hex)
    last: list[dict] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.stack.settings.rasa_port}"

    def say(self, text: str) -> list[dict]:
        body: dict[str, Any] = {"sender": self.sender, "message": text}
        if self.language:
            body["metadata"] = {"language": self.language}
        status, raw, _ = http("POST", f"{self.rasa_url}/webhooks/rest/webhook", body)
        assert status == 200, raw
        self.last = json.loads(raw)
        assert self.last, f"no reply to {text!r}"
        return self.last

    @property
    def text(self) -> str:
        return "\n".join(message.get("text", "") for message in self.last)

    def buttons(self) -> list[dict]:
        return [button for message in self.last for button in message.get("buttons", [])]

    def tracker(self) -> dict:
        status, raw, _ = http(
            "GET", f"{self.rasa_url}/conversations/{self.sender}/tracker?token={AUTH_TOKEN}"
        )
        assert status == 200, raw
        return json.loads(raw)

    def slots(self) -> dict:
        return self.tracker()["slots"]

    def slot_history(self, name: str) -> list[Any]:
        """Every value the slot was set to during the conversation, in order."""
        return [
            event["value"]
            for event in self.tracker()["events"]
            if event["event"] == "slot" and event["name"] == name
        ]


LINK = re.compile(r"(http://127\.0\.0\.1:\d+/confirmation/[A-Za-z0-9_-]+)")
NUMBER = re.compile(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b")


def new_passport() -> str:
    """A passport number no other test uses."""
    return "E" + "".join(random.choices(string.digits, k=8))


def expect(chat: Chat, key: str, language: str, **params: str) -> None:
    assert t(key, language, **params) in chat.text, f"expected {key!r}, got:\n{chat.text}"


def confirmation_from(chat: Chat) -> tuple[str, str]:
    """(confirmation number, link) from the message that issues the confirmation."""
    link = LINK.search(chat.text)
    number = NUMBER.search(chat.text)
    assert link and number, chat.text
    return number.group(1), link.group(1)


def start_as_new(chat: Chat, language: str) -> None:
    """Greets and says "not registered": the assistant then asks for the passport."""
    chat.say("hola" if language == "es" else "hello")
    chat.say("no")
    expect(chat, "passport.ask", language)


def register_new(
    chat: Chat, passport: str, date: str, nationality: str, city: str, language: str
) -> tuple[str, str]:
    """A new applicant from the greeting to the confirmation; returns (number, link).

    `date` must be unambiguous (no day/month confirmation question)."""
    yes = "sí" if language == "es" else "yes"
    start_as_new(chat, language)
    chat.say(passport)
    expect(chat, "dob.ask", language)
    chat.say(date)  # unambiguous: no confirmation question
    expect(chat, "nationality.ask", language)
    chat.say(nationality)
    expect(chat, "summary.ask", language)
    chat.say(yes)
    expect(chat, "location.ask", language)
    chat.say(city)
    assert t("location.confirm", language, office="").split("\n")[0] in chat.text
    chat.say(yes)
    return confirmation_from(chat)

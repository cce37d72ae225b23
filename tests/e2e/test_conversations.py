"""The conversations in tests/conversations/*.yml, played through the REST channel.

The file format is in tests/conversations/FORMAT.md. A conversation fails at its first
turn whose reply misses an `expect` item, holds a `reject` item or repeats a `once` item,
or at a slot check. The conversations listed in tests/conversations/known_failures.yml are
expected to fail, each for the reason given there (strict: one that passes fails the run,
so the list only shrinks)."""

from __future__ import annotations

import random
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.registry import Applicant, Registry
from bot.core.text import fold
from bot.launcher import Stack
from tests.e2e.support import LINK, NUMBER, Chat

CONVERSATIONS = Path(__file__).resolve().parents[1] / "conversations"
KNOWN_FAILURES = CONVERSATIONS / "known_failures.yml"
PLACEHOLDER = re.compile(r"\{(passport2?|confirmation_link|confirmation_number)\}")
# Slots whose every value is kept in the tracker's history; `language` is read at the end.
HISTORY_SLOTS = ("registered", "passport_number", "date_of_birth", "nationality")


@dataclass(frozen=True)
class Conversation:
    file: str
    spec: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.file}:{self.spec['name']}"


def _conversations() -> Iterator[Conversation]:
    for path in sorted(CONVERSATIONS.glob("*.yml")):
        if path == KNOWN_FAILURES:
            continue
        for spec in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
            yield Conversation(path.stem, spec)


ALL = list(_conversations())
KNOWN: dict[str, str] = yaml.safe_load(KNOWN_FAILURES.read_text(encoding="utf-8")) or {}


def _new_passport() -> str:
    letters = "".join(random.choices(string.ascii_uppercase, k=2))
    return letters + "".join(random.choices(string.digits, k=7))


def _fill(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def _count(item: str, reply: str) -> int:
    """How many times a plain item occurs in the folded reply."""
    return fold(reply).count(fold(item.strip()))


def _found(item: str, reply: str) -> bool:
    """Whether one `expect`/`reject` item (alternatives split by "|") is in the folded reply."""
    for choice in item.split("|"):
        if choice == "{confirmation_link}":
            if LINK.search(reply):
                return True
        elif choice == "{confirmation_number}":
            if NUMBER.search(reply):
                return True
        elif fold(choice.strip()) in fold(reply):
            return True
    return False


def _reply_text(messages: list[dict[str, Any]]) -> str:
    parts = []
    for message in messages:
        parts.append(message.get("text") or "")
        parts.extend(button.get("title", "") for button in message.get("buttons") or [])
    return "\n".join(part for part in parts if part)


def _register(stack: Stack, given: dict[str, Any], values: dict[str, str]) -> None:
    settings = stack.settings
    registry = Registry(settings.database_url, settings.secret_key)
    try:
        registry.register(
            Applicant(
                passport_number=_fill(str(given["passport"]), values),
                date_of_birth=str(given["date_of_birth"]),
                nationality=str(given["nationality"]),
            )
        )
    finally:
        registry.dispose()


def _check_slots(chat: Chat, expected: dict[str, Any], values: dict[str, str]) -> list[str]:
    tracker = chat.tracker()
    problems = []
    for name, wanted in expected.items():
        wanted = _fill(wanted, values) if isinstance(wanted, str) else wanted
        if name in HISTORY_SLOTS:
            history = [e["value"] for e in tracker["events"] if e["event"] == "slot" and e["name"] == name]
            if wanted not in history:
                problems.append(f"slot {name} never held {wanted!r} (held {history!r})")
        elif tracker["slots"].get(name) != wanted:
            problems.append(f"slot {name} is {tracker['slots'].get(name)!r}, expected {wanted!r}")
    return problems


def play(stack: Stack, conversation: Conversation) -> list[str]:
    """Plays one conversation; returns what went wrong (empty: it passed)."""
    spec = conversation.spec
    values = {"passport": _new_passport(), "passport2": _new_passport()}
    given = spec.get("given") or {}
    if "registered" in given:
        _register(stack, given["registered"], values)
    chat = Chat(stack, language=(spec.get("metadata") or {}).get("language"))
    for number, turn in enumerate(spec["turns"], start=1):
        said = _fill(str(turn["user"]), values)
        reply = _reply_text(chat.say(said))
        where = f"turn {number} ({said!r}) got:\n{reply}"
        missing = [item for item in turn.get("expect") or [] if not _found(_fill(item, values), reply)]
        present = [item for item in turn.get("reject") or [] if _found(_fill(item, values), reply)]
        repeated = [item for item in turn.get("once") or [] if _count(_fill(item, values), reply) != 1]
        if missing or present or repeated:
            return [f"{where}\nmissing {missing}, unwanted {present}, not exactly once {repeated}"]
    return _check_slots(chat, spec.get("slots") or {}, values)


def _params() -> list[Any]:
    unknown = set(KNOWN) - {c.id for c in ALL}
    assert not unknown, f"known_failures.yml names conversations that do not exist: {sorted(unknown)}"
    return [
        pytest.param(
            c, id=c.id, marks=[pytest.mark.xfail(reason=KNOWN[c.id], strict=True)] if c.id in KNOWN else []
        )
        for c in ALL
    ]


@pytest.mark.parametrize("conversation", _params())
def test_conversation(stack: Stack, conversation: Conversation) -> None:
    problems = play(stack, conversation)
    assert not problems, f"{conversation.spec.get('about', '')}\n" + "\n".join(problems)

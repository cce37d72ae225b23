"""The helpers the messaging channels share: hashed conversation ids, buttons read
back from the tracker and chosen by number, splitting, and sends with retries."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.common import (
    RecentIds,
    choose_button,
    conversation_id,
    conversation_language,
    last_buttons,
    post_with_retries,
    split_text,
)
from tests.fakes.recorder import RecordingServer

BUTTONS = [
    {"title": "Sí, 5 de marzo de 1985", "payload": "/affirm"},
    {"title": "No, 3 de mayo de 1985", "payload": "/deny"},
    {"title": "Español", "payload": '/switch_language{"language": "es"}'},
]


def test_conversation_id_is_a_stable_keyed_hash_that_hides_the_account() -> None:
    number = "whatsapp:+59171234567"
    first = conversation_id("whatsapp", number, b"secret")
    assert first == conversation_id("whatsapp", number, b"secret")
    assert re.fullmatch(r"whatsapp-[0-9a-f]{32}", first)
    assert "59171234567" not in first
    assert first != conversation_id("whatsapp", number, b"other secret")
    assert first != conversation_id("whatsapp", "whatsapp:+59171234568", b"secret")
    assert first.split("-")[1] != conversation_id("telegram", number, b"secret").split("-")[1]


@pytest.mark.parametrize(
    ("reply", "payload"),
    [
        ("1", "/affirm"),
        ("2", "/deny"),
        ("2.", "/deny"),
        (" 2) ", "/deny"),
        ("opción 2", "/deny"),
        ("Opcion 3", '/switch_language{"language": "es"}'),
        ("option 1", "/affirm"),
        ("#2", "/deny"),
        ("Sí, 5 de marzo de 1985", "/affirm"),
        ("si, 5 de marzo de 1985", "/affirm"),
        ("ESPAÑOL", '/switch_language{"language": "es"}'),
        ("espanol", '/switch_language{"language": "es"}'),
        ("0", None),
        ("4", None),
        ("opción 12", None),
        ("sí", None),
        ("2 de mayo", None),
        ("", None),
    ],
)
def test_choose_button(reply: str, payload: str | None) -> None:
    assert choose_button(reply, BUTTONS) == payload


def test_choose_button_without_buttons_picks_nothing() -> None:
    assert choose_button("1", []) is None


DOMAIN = Domain.from_dict({"slots": {"language": {"type": "any", "mappings": [{"type": "custom"}]}}})


def _store_with(*events: object) -> SimpleNamespace:
    """An agent-like object whose tracker store holds one conversation, "someone"."""
    store = InMemoryTrackerStore(DOMAIN)
    asyncio.run(store.save(DialogueStateTracker.from_events("someone", list(events), slots=DOMAIN.slots)))
    return SimpleNamespace(tracker_store=store)


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([UserUttered("hola"), BotUttered("¿Es correcto?", {"buttons": BUTTONS[:2]})], BUTTONS[:2]),
        (
            [BotUttered("¿Es correcto?", {"buttons": BUTTONS[:2]}), BotUttered("Puede escribir «ayuda».")],
            BUTTONS[:2],
        ),
        ([BotUttered("¿Es correcto?", {"buttons": BUTTONS[:2]}), UserUttered("sí")], []),
        ([UserUttered("hola"), BotUttered("Hola.")], []),
    ],
    ids=["latest turn", "text after the buttons", "already answered", "no buttons"],
)
def test_last_buttons_reads_the_latest_bot_turn(events: list, expected: list) -> None:
    assert asyncio.run(last_buttons(_store_with(*events), "someone")) == expected


def test_last_buttons_of_an_unknown_conversation_or_without_a_store() -> None:
    assert asyncio.run(last_buttons(_store_with(), "nobody")) == []
    assert asyncio.run(last_buttons(SimpleNamespace(), "someone")) == []


@pytest.mark.parametrize(("value", "expected"), [("es", "es"), ("en", "en"), ("fr", None), (None, None)])
def test_conversation_language_is_the_slot_when_supported(value: str | None, expected: str | None) -> None:
    agent = _store_with(SlotSet("language", value))
    assert asyncio.run(conversation_language(agent, "someone")) == expected


def test_conversation_language_survives_a_broken_store() -> None:
    class Broken:
        async def retrieve(self, _: str) -> None:
            raise ConnectionError("down")

    assert asyncio.run(conversation_language(SimpleNamespace(tracker_store=Broken()), "someone")) is None


SENTENCES = [f"¿Frase número {index}, con acentos, eñes y emoji 🙂?" for index in range(200)]
LONG_TEXT = " ".join(SENTENCES)


@pytest.mark.parametrize("limit", [60, 100, 1_600, 4_096])
def test_split_text_never_exceeds_the_limit_and_keeps_the_order(limit: int) -> None:
    pieces = split_text(LONG_TEXT, limit)
    assert all(0 < len(piece) <= limit for piece in pieces)
    assert " ".join(pieces) == LONG_TEXT
    if limit >= len(SENTENCES[-1]) + 1:
        assert all(piece.endswith("?") for piece in pieces), "a piece was cut inside a sentence"


def test_split_text_leaves_a_short_text_alone_with_its_line_breaks() -> None:
    text = "Choose one.\n\n1. Yes\n2. No\n\nReply with the number."
    assert split_text(text, 1_600) == [text]


def test_split_text_prefers_a_line_break_and_keeps_lists_whole() -> None:
    text = "Intro sentence one. Intro sentence two.\n1. Yes\n2. No"
    assert split_text(text, 45) == ["Intro sentence one. Intro sentence two.", "1. Yes\n2. No"]


def test_split_text_cuts_words_only_when_there_is_no_space() -> None:
    assert split_text("a" * 25, 10) == ["a" * 10, "a" * 10, "a" * 5]
    assert split_text("word " * 6, 12) == ["word word", "word word", "word word"]


def test_split_text_of_nothing_is_nothing() -> None:
    assert split_text("  \n ", 10) == []


@pytest.fixture
def recorder() -> Iterator[RecordingServer]:
    server = RecordingServer(answer=lambda recorded: {"sid": "SM" + "0" * 32, "body": recorded.body.get("Body")})
    server.start()
    yield server
    server.stop()


def _send(url: str, attempts: int = 3) -> dict | None:
    return asyncio.run(
        post_with_retries(url, data={"Body": "¡Hola! 🙂"}, attempts=attempts, first_backoff_s=0.01)
    )


def test_a_failing_send_is_retried_until_it_succeeds(recorder: RecordingServer) -> None:
    recorder.fail_next(500, 500)
    assert _send(recorder.url + "/send") == {"sid": "SM" + "0" * 32, "body": "¡Hola! 🙂"}
    assert [request.body for request in recorder.requests] == [{"Body": "¡Hola! 🙂"}] * 3


def test_a_send_that_always_fails_gives_up_after_the_attempts(recorder: RecordingServer) -> None:
    recorder.fail_next(500, 502, 503, 500)
    assert _send(recorder.url + "/send") is None
    assert len(recorder.requests) == 3


@pytest.mark.parametrize("status", [400, 401, 404])
def test_a_refused_send_is_not_retried(recorder: RecordingServer, status: int) -> None:
    recorder.fail_next(status)
    assert _send(recorder.url + "/send") is None
    assert len(recorder.requests) == 1


def test_too_many_requests_is_retried(recorder: RecordingServer) -> None:
    recorder.fail_next(429)
    assert _send(recorder.url + "/send") is not None
    assert len(recorder.requests) == 2


def test_an_unreachable_api_gives_up_without_raising() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert _send(f"http://127.0.0.1:{port}/send", attempts=2) is None


def test_recent_ids_drop_repeats_and_forget_the_oldest() -> None:
    recent = RecentIds(2)
    assert [recent.is_new(key) for key in ("a", "a", "b", "c", "b")] == [True, False, True, True, False]
    assert recent.is_new("a")  # forgotten: only the latest two are kept

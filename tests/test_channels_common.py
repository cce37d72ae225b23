"""The helpers the channels share: hashed conversation ids, buttons read back from
the tracker and chosen by number, splitting, sends with retries, the cleaning of
incoming messages, the apology decision, and the body limit of the three webhooks
(on a real Sanic server: `serve` and `exchange` are used by the channels' tests)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage, register
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic

from bot.channels import rest, telegram, whatsapp
from bot.channels.common import (
    MAX_MESSAGE_CHARS,
    RecentIds,
    choose_button,
    clean_message,
    conversation_id,
    conversation_language,
    last_buttons,
    post_with_retries,
    split_text,
    turn_failed,
    typed_text,
)
from tests.fakes import telegram as fake_telegram
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
    server = RecordingServer(
        answer=lambda recorded: {"sid": "SM" + "0" * 32, "body": recorded.body.get("Body")}
    )
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


# --- clean_message, typed_text --------------------------------------------------------------------------


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"language": "es"}
    for _ in range(depth):
        value = {"language": value}
    return value


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("¡Hola! ¿Cómo está? 🙂 👨‍👩‍👧", "¡Hola! ¿Cómo está? 🙂 👨‍👩‍👧"),
        ("a\ud800b\udfffc", "abc"),
        ("\ud83d\ude00", ""),
        ("x\x00y\x07z\x1b[31m\x7f\x85", "xyz[31m"),
        ("line one\r\nline two\rthree\tcolumn\n", "line one\nline two\nthree\tcolumn\n"),
        ("no\ufdd0n\ufffe-\uffff\U0001fffe\U0010ffff", "non-"),
        ("Jose\u0301 Pen\u0303a", "José Peña"),
        ("ñ" * 3_000, "ñ" * MAX_MESSAGE_CHARS),
        ("e\u0301" * 3_000, "é" * MAX_MESSAGE_CHARS),
        (None, ""),
        (42, ""),
        (["/restart"], ""),
    ],
    ids=[
        "kept as written",
        "lone surrogates",
        "surrogate pair halves",
        "control characters",
        "line breaks and tab",
        "non-characters",
        "NFC",
        "cut",
        "cut after NFC",
        "None",
        "number",
        "list",
    ],
)
def test_clean_message_text(text: Any, cleaned: str) -> None:
    assert clean_message(text, None)[0] == cleaned


@pytest.mark.parametrize(
    ("metadata", "cleaned"),
    [
        ({"language": "es"}, {"language": "es"}),
        ({"language": "en", "customData": {"x": 1}, "blob": "x" * 190_000}, {"language": "en"}),
        ({"language": "fr"}, {}),
        ({"language": "ES"}, {}),
        ({"language": ["es"]}, {}),
        ({"language": {"es": 1}}, {}),
        (nested(500), {}),
        ({"other": nested(500), "language": "es"}, {"language": "es"}),
        ('{"language": "es"}', {}),
        (["language", "es"], {}),
        (None, {}),
    ],
    ids=[
        "language",
        "other keys dropped",
        "other language",
        "upper case",
        "list",
        "dict",
        "deep nesting",
        "deep nesting beside",
        "string",
        "list body",
        "None",
    ],
)
def test_clean_message_metadata_keeps_only_our_language(metadata: Any, cleaned: dict) -> None:
    assert clean_message("hola", metadata)[1] == cleaned


def test_clean_message_output_is_storable() -> None:
    text, metadata = clean_message("a\ud800" + "b" * 5_000, {"language": "en", "deep": nested(5_000)})
    json.dumps(metadata)
    text.encode("utf-8")  # a lone surrogate would raise here
    assert len(text) == MAX_MESSAGE_CHARS


@pytest.mark.parametrize(
    ("text", "typed"),
    [
        ("/restart", "restart"),
        (" /restart", "restart"),
        ("\n/greet", "greet"),
        ("\u3000\u00a0/greet", "greet"),
        ("// /restart", "restart"),
        ('/inform{"passport_number": "X1"}', 'inform{"passport_number": "X1"}'),
        ("/", ""),
        ("hola / adiós", "hola / adiós"),
        ("1/2", "1/2"),
    ],
)
def test_typed_text_never_starts_with_a_slash(text: str, typed: str) -> None:
    assert typed_text(text) == typed
    assert not typed.strip().startswith("/")


# --- turn_failed: when the person gets the apology -----------------------------------------------------


def intent_event(name: str) -> UserUttered:
    return UserUttered(f"/{name}", intent={"name": name, "confidence": 1.0})


class StubRasa:
    """Stands in for Rasa's handler: saves `events` to the tracker, sends `replies`, or raises."""

    def __init__(self, agent: Any, *events: Any, replies: tuple[str, ...] = (), error: bool = False) -> None:
        self.agent, self.events, self.replies, self.error = agent, events, replies, error
        self.received: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        for reply in self.replies:
            await message.output_channel.send_text_message(message.sender_id, reply)
        if self.error:
            raise RuntimeError("action server down")
        store = self.agent.tracker_store
        tracker = await store.retrieve(message.sender_id) or DialogueStateTracker(
            message.sender_id, DOMAIN.slots
        )
        for event in self.events:
            tracker.update(event)
        await store.save(tracker)


def _turn(*events: Any, replies: tuple[str, ...] = (), error: bool = False, agent: Any = None) -> bool:
    agent = agent or _store_with(intent_event("greet"), BotUttered("Hello!"))
    output = CollectingOutputChannel()
    rasa = StubRasa(agent, *events, replies=replies, error=error)
    message = UserMessage("text", output, "someone", input_channel="rest")
    return asyncio.run(turn_failed(rasa, message, agent, lambda: bool(output.messages)))


@pytest.mark.parametrize(
    "events",
    [
        [
            intent_event("session_start"),
            ActionExecuted("action_session_start"),
            SessionStarted(),
            ActionExecuted("action_listen"),
        ],
        [intent_event("restart"), ActionExecuted("action_restart"), Restarted()],
        [
            intent_event("back"),
            ActionExecuted("action_back"),
            UserUtteranceReverted(),
            UserUtteranceReverted(),
        ],
    ],
    ids=["/session_start", "/restart", "/back"],
)
def test_a_silent_turn_of_rasa_gets_no_apology(events: list) -> None:
    assert _turn(*events) is False


def test_a_new_session_without_its_user_message_is_silent_too() -> None:
    # A SQL tracker store returns only the events since the latest session start.
    assert (
        _turn(
            ActionExecuted("action_session_start"),
            SessionStarted(),
            ActionExecuted("action_listen"),
            agent=_store_with(),
        )
        is False
    )


def test_a_turn_that_should_have_answered_gets_the_apology() -> None:
    # The action server was down: Rasa logged the action without events and sent nothing.
    events = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        intent_event("greet"),
        ActionExecuted("action_greet"),
    ]
    assert _turn(*events) is True


def test_a_turn_that_raised_gets_the_apology_even_after_a_reply() -> None:
    assert _turn(intent_event("restart"), Restarted(), error=True) is True
    assert _turn(replies=("Hello!",), error=True) is True


def test_a_turn_that_answered_gets_no_apology() -> None:
    assert _turn(intent_event("greet"), replies=("Hello!",)) is False


def test_an_unreadable_tracker_means_the_apology() -> None:
    class Broken:
        async def retrieve(self, _: str) -> None:
            raise ConnectionError("down")

        async def save(self, _: Any) -> None:
            return None

    assert _turn(intent_event("restart"), Restarted(), agent=SimpleNamespace(tracker_store=Broken())) is True


# --- the webhooks on a real Sanic server: nothing is read past the limit --------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def serve(channel: InputChannel, agent: Any) -> AsyncIterator[int]:
    """`channel` registered as Rasa registers it (under /webhooks/, handing messages to
    `agent.handle_message`), on a Sanic server; yields its port."""
    # As sanic-testing does: several apps start in one process (Sanic recompiles its
    # connection handling for the first app otherwise).
    Sanic.test_mode = True
    app = Sanic(f"channel-test-{uuid.uuid4().hex}")
    app.ctx.agent = agent
    register([channel], app, "/webhooks/")
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield port
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()


async def exchange(
    port: int,
    path: str,
    headers: dict[str, str],
    body: bytes = b"",
    chunks: tuple[bytes, ...] | None = None,
    timeout_s: float = 5.0,
) -> tuple[int, Any, bool]:
    """POSTs `body`, or `chunks` with chunked encoding (ending them with b"" finishes
    the body; without it, only a server that stops reading can answer). Returns the
    status, the answer (decoded when JSON, else text) and whether the server then
    closed the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1"] + [
            f"{name}: {value}" for name, value in headers.items()
        ]
        if chunks is None:
            head.append(f"Content-Length: {len(body)}")
        else:
            head.append("Transfer-Encoding: chunked")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        for chunk in chunks or ():
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
        await writer.drain()
        status_line, *header_lines = (
            (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout_s)).decode().split("\r\n")
        )
        answer_headers = dict(line.lower().split(": ", 1) for line in header_lines if line)
        raw = await asyncio.wait_for(reader.readexactly(int(answer_headers["content-length"])), timeout_s)
        try:
            closed = await asyncio.wait_for(reader.read(1), 1.0) == b""
        except asyncio.TimeoutError:
            closed = False
        answer = json.loads(raw) if "json" in answer_headers.get("content-type", "") else raw.decode()
        return int(status_line.split()[1]), answer, closed
    finally:
        writer.close()


class Agent:
    """Rasa's agent as the channels use it: a tracker store, and handle_message (a StubRasa)."""

    def __init__(self, *events: Any, replies: tuple[str, ...] = (), error: bool = False) -> None:
        self.tracker_store = InMemoryTrackerStore(DOMAIN)
        self.rasa = StubRasa(self, *events, replies=replies, error=error)

    async def handle_message(self, message: UserMessage) -> None:
        await self.rasa(message)


def _webhooks() -> list[tuple[InputChannel, str, int, dict[str, str]]]:
    """Each webhook, configured, with its path, limit and the headers it needs."""
    twilio = whatsapp.TwilioConfig("AC123", "token", "whatsapp:+14155238886", "https://unused")
    bot = telegram.TelegramConfig(fake_telegram.TOKEN, fake_telegram.SECRET, "http://127.0.0.1:9")
    return [
        (
            rest.RestInput(),
            "/webhooks/rest/webhook",
            rest.MAX_BODY_BYTES,
            {"Content-Type": "application/json"},
        ),
        (
            whatsapp.WhatsAppInput(twilio, b"key"),
            "/webhooks/whatsapp/webhook",
            whatsapp.MAX_BODY_BYTES,
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        (
            telegram.TelegramInput(bot, b"key"),
            "/webhooks/telegram/webhook",
            telegram.MAX_BODY_BYTES,
            {"Content-Type": "application/json", telegram.SECRET_HEADER: fake_telegram.SECRET},
        ),
    ]


WEBHOOK_IDS = ["rest", "whatsapp", "telegram"]


@pytest.mark.parametrize("index", range(3), ids=WEBHOOK_IDS)
def test_an_announced_80_mb_body_is_refused_before_it_is_read(index: int) -> None:
    channel, path, _, headers = _webhooks()[index]
    agent = Agent()

    async def scenario() -> tuple[int, Any, bool]:
        async with serve(channel, agent) as port:
            # Only 13 bytes follow: a server that reads before answering never answers.
            return await exchange(
                port, path, {**headers, "Content-Length": str(80 * 1024 * 1024)}, body=b'{"sender": "x'
            )

    started = time.monotonic()
    status, answer, closed = asyncio.run(scenario())
    assert (status, answer) == (413, {"error": "body too large"})
    assert closed, "the server went on reading the announced body after its answer"
    assert time.monotonic() - started < 5 and agent.rasa.received == []


@pytest.mark.parametrize("index", range(3), ids=WEBHOOK_IDS)
def test_a_chunked_body_is_read_only_up_to_the_limit(index: int) -> None:
    channel, path, limit, headers = _webhooks()[index]
    agent = Agent()
    piece = b" " * 16_384

    async def scenario() -> tuple[int, Any, bool]:
        async with serve(channel, agent) as port:
            # Past the limit, and never finished: only a server that stops at the limit answers.
            return await exchange(port, path, headers, chunks=(piece,) * (limit // len(piece) + 2))

    status, answer, closed = asyncio.run(scenario())
    assert (status, answer, closed) == (413, {"error": "body too large"}, True)
    assert agent.rasa.received == []


@pytest.mark.parametrize("index", range(3), ids=WEBHOOK_IDS)
def test_a_body_within_the_limit_is_read_whole(index: int) -> None:
    channel, path, limit, headers = _webhooks()[index]
    agent = Agent()

    async def scenario() -> tuple[int, Any, bool]:
        async with serve(channel, agent) as port:
            # Within the limit but not a valid request: read, then refused for what it is.
            return await exchange(
                port, path, {**headers, "Connection": "close"}, chunks=None, body=b"[" + b" " * (limit - 1)
            )

    status, _, _ = asyncio.run(scenario())
    assert status in (400, 403)  # WhatsApp checks the signature of what it read
    assert agent.rasa.received == []


def test_a_telegram_request_with_a_wrong_secret_is_refused_before_its_body_is_read() -> None:
    channel, path, _, headers = _webhooks()[2]
    agent = Agent()

    async def scenario() -> tuple[int, Any, bool]:
        async with serve(channel, agent) as port:
            return await exchange(
                port,
                path,
                {**headers, telegram.SECRET_HEADER: "wrong", "Content-Length": str(150_000)},
                body=b"{",
            )

    status, answer, _ = asyncio.run(scenario())
    assert (status, answer) == (403, {"error": "forbidden"})
    assert agent.rasa.received == []

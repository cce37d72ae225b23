"""What the channels share (bot/channels/base.py): hashed conversation ids, buttons
read back from the tracker and chosen by number, splitting, sends with retries, the
cleaning of incoming messages, the apology, re-deliveries and the order of turns,
settings from the environment, and the body limit of the three webhooks (on a real
Sanic server)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import re
import socket
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
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

from bot.channels import base, rest, telegram, whatsapp
from bot.channels.base import (
    MAX_MESSAGE_CHARS,
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
from bot.channels.shared_state import RecentIds, TurnOrder
from bot.core.i18n import t
from tests.fakes import telegram as fake_telegram
from tests.fakes.rasa import DOMAIN, Agent, StubRasa, exchange, intent_event, nested, serve
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
        # A typed title is read below the channels (bot.typed_buttons, tests/test_typed_buttons.py).
        ("Sí, 5 de marzo de 1985", None),
        ("ESPAÑOL", None),
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

    async def seen(*keys: str) -> list[bool]:
        return [await recent.is_new(key) for key in keys]

    assert asyncio.run(seen("a", "a", "b", "c", "b")) == [True, False, True, True, False]
    assert asyncio.run(seen("a")) == [True]  # forgotten: only the latest two are kept


# --- clean_message, typed_text --------------------------------------------------------------------------


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


# --- handle_turn: the one apology every channel sends ----------------------------------------------------


def test_every_channel_sends_the_same_apology() -> None:
    assert rest.handle_turn is whatsapp.handle_turn is telegram.handle_turn is base.handle_turn


def _handled(agent: Any, language: str | None, replied: bool = False) -> list[dict[str, Any]]:
    output = CollectingOutputChannel()
    message = UserMessage("text", output, "someone", input_channel="rest")
    asyncio.run(
        base.handle_turn(agent.rasa, message, agent, lambda: replied or bool(output.messages), language)
    )
    return output.messages


@pytest.mark.parametrize("language", ["en", "es", None])
def test_a_failed_turn_gets_the_apology_in_the_given_language(language: str | None) -> None:
    agent = Agent(intent_event("greet"), ActionExecuted("action_greet"))
    assert _handled(agent, language) == [
        {"recipient_id": "someone", "text": t("system.unavailable", language)}
    ]


def test_the_apology_is_in_the_conversations_language_first() -> None:
    agent = Agent(error=True)
    asyncio.run(
        agent.tracker_store.save(
            DialogueStateTracker.from_events("someone", [SlotSet("language", "es")], slots=DOMAIN.slots)
        )
    )
    assert _handled(agent, "en") == [{"recipient_id": "someone", "text": t("system.unavailable", "es")}]


def test_a_turn_that_answered_or_was_silent_gets_no_apology_from_handle_turn() -> None:
    assert _handled(Agent(intent_event("greet"), replies=("Hello!",)), "en") == [
        {"recipient_id": "someone", "text": "Hello!"}
    ]
    assert _handled(Agent(intent_event("restart"), Restarted()), "en") == []


@pytest.mark.parametrize("key", ["channel.text_only", "telegram.stale_button"])
def test_say_writes_the_channels_own_reply_in_the_conversations_language(key: str) -> None:
    agent = _store_with(SlotSet("language", "es"))
    output = CollectingOutputChannel()
    asyncio.run(base.say(output, agent, "someone", key, "en"))
    asyncio.run(base.say(output, agent, "nobody", key, "en"))
    assert [message["text"] for message in output.messages] == [t(key, "es"), t(key, "en")]


# --- TurnOrder: one person's turns in order -------------------------------------------------------------


def test_one_persons_turns_run_in_the_order_they_arrived() -> None:
    order = TurnOrder()
    done: list[str] = []

    async def turn(name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        done.append(name)

    async def scenario() -> None:
        tasks = [
            await order.run("ana", turn("ana 1", 0.05), "test turn"),
            await order.run("ana", turn("ana 2", 0), "test turn"),
            await order.run("ben", turn("ben 1", 0), "test turn"),
        ]
        assert order.running() == 2
        await asyncio.gather(*tasks)

    asyncio.run(scenario())
    assert done == ["ben 1", "ana 1", "ana 2"]  # Ben never waits for Ana
    assert order.running() == 0  # finished turns are forgotten


def test_a_failed_turn_is_logged_without_its_content_and_the_next_one_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    order = TurnOrder()
    done: list[str] = []

    async def failing() -> None:
        raise RuntimeError("passport X1234567")

    async def after() -> None:
        done.append("next")

    async def scenario() -> None:
        first = await order.run("ana", failing(), "test message")
        second = await order.run("ana", after(), "test message")
        await asyncio.gather(first, second)  # neither task raises

    with caplog.at_level(logging.ERROR, logger="bot.channels.shared_state"):
        asyncio.run(scenario())
    assert done == ["next"]
    assert [record.getMessage() for record in caplog.records] == ["Handling a test message failed."]


# --- settings from the environment, and the shape of a messaging channel --------------------------------


def test_required_env_needs_every_name_set_and_not_blank() -> None:
    env = {"A": " one ", "B": "two", "C": " "}
    assert base.required_env(env, "A", "B") == ["one", "two"]
    assert base.required_env(env, "A", "C") is None
    assert base.required_env(env, "A", "D") is None


def test_url_env_has_a_default_and_no_trailing_slash() -> None:
    assert base.url_env({}, "API", "https://api.example.org") == "https://api.example.org"
    assert base.url_env({"API": " http://127.0.0.1:9/ "}, "API", "https://x") == "http://127.0.0.1:9"


@pytest.mark.parametrize("config", [whatsapp.TwilioConfig, telegram.TelegramConfig])
def test_every_channel_config_is_a_frozen_dataclass_read_by_from_env(config: Any) -> None:
    assert dataclasses.is_dataclass(config) and config.__dataclass_params__.frozen
    assert config.from_env({}) is None


def test_one_body_limit_by_default_and_whatsapps_own_declared_on_its_channel() -> None:
    assert rest.RestInput.max_body_bytes == telegram.TelegramInput.max_body_bytes == base.MAX_BODY_BYTES
    assert whatsapp.WhatsAppInput.max_body_bytes == 64_000
    assert not any(hasattr(module, "MAX_BODY_BYTES") for module in (rest, telegram, whatsapp))


@pytest.mark.parametrize("channel", [whatsapp.WhatsAppInput, telegram.TelegramInput])
def test_a_messaging_channel_hashes_the_account_with_its_name(channel: Any) -> None:
    messaging = channel(None, b"secret")
    assert messaging.config is None
    assert messaging.sender_id("42") == conversation_id(channel.name(), "42", b"secret")


@pytest.mark.parametrize("channel", [whatsapp.WhatsAppInput, telegram.TelegramInput])
def test_a_messaging_channel_without_its_settings_is_off_and_says_so(
    channel: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    for name in ("TWILIO_ACCOUNT_SID", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with caplog.at_level(logging.INFO, logger="bot.channels.base"):
        messaging = channel.from_credentials(None)
    assert messaging.config is None
    assert f"The {channel.name()} channel is off" in caplog.text


# --- the webhooks on a real Sanic server: nothing is read past the limit --------------------------------


def _webhooks() -> list[tuple[InputChannel, str, int, dict[str, str]]]:
    """Each webhook, configured, with its path, limit and the headers it needs."""
    twilio = whatsapp.TwilioConfig("AC123", "token", "whatsapp:+14155238886", "https://unused")
    bot = telegram.TelegramConfig(fake_telegram.TOKEN, fake_telegram.SECRET, "http://127.0.0.1:9")
    return [
        (
            rest.RestInput(),
            "/webhooks/rest/webhook",
            rest.RestInput.max_body_bytes,
            {"Content-Type": "application/json"},
        ),
        (
            whatsapp.WhatsAppInput(twilio, b"key"),
            "/webhooks/whatsapp/webhook",
            whatsapp.WhatsAppInput.max_body_bytes,
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        (
            telegram.TelegramInput(bot, b"key"),
            "/webhooks/telegram/webhook",
            telegram.TelegramInput.max_body_bytes,
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


# --- the confirmation a reply carries in its custom JSON --------------------------------------------------

PAGE = "https://courier.example.test/confirmation/AbC_12-xyz"
CUSTOM = {"confirmation": {"number": "YH9X-NHPR", "page": PAGE, "pdf": PAGE + ".pdf", "token": "AbC_12-xyz"}}


def test_the_confirmation_of_a_replys_custom_json_is_read() -> None:
    assert base.confirmation_in(CUSTOM) == base.ConfirmationLinks(
        "YH9X-NHPR", PAGE, PAGE + ".pdf", "AbC_12-xyz"
    )
    # Rasa hands the whole reply's custom JSON: other keys do not matter.
    assert base.confirmation_in({**CUSTOM, "other": 1}) == base.confirmation_in(CUSTOM)


@pytest.mark.parametrize(
    "custom",
    [
        None,
        "text",
        {},
        {"confirmation": "YH9X-NHPR"},
        {"confirmation": {**CUSTOM["confirmation"], "number": None}},
        {"confirmation": {key: value for key, value in CUSTOM["confirmation"].items() if key != "token"}},
        {"confirmation": {**CUSTOM["confirmation"], "number": "<b>YH9X</b>"}},
        {"confirmation": {**CUSTOM["confirmation"], "token": "../secret.key"}},
        {"confirmation": {**CUSTOM["confirmation"], "page": "javascript:alert(1)//confirmation/AbC_12-xyz"}},
        {
            "confirmation": {
                **CUSTOM["confirmation"],
                "page": "https://evil.example/x",
                "pdf": "https://evil.example/x.pdf",
            }
        },
        {
            "confirmation": {
                **CUSTOM["confirmation"],
                "pdf": "https://evil.example/confirmation/AbC_12-xyz.pdf",
            }
        },
        {"confirmation": {**CUSTOM["confirmation"], "token": "other"}},
        {
            "confirmation": {
                **CUSTOM["confirmation"],
                "page": "https://a b/confirmation/AbC_12-xyz",
                "pdf": "https://a b/confirmation/AbC_12-xyz.pdf",
            }
        },
    ],
    ids=[
        "none",
        "text",
        "empty",
        "not an object",
        "number not text",
        "no token",
        "markup in the number",
        "path in the token",
        "javascript page",
        "page not a confirmation",
        "pdf elsewhere",
        "token of another page",
        "space in the address",
    ],
)
def test_a_missing_or_malformed_confirmation_is_none(custom: Any) -> None:
    assert base.confirmation_in(custom) is None

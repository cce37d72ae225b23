"""The Telegram channel without Rasa running: Update parsing on Telegram's real JSON
shapes, the inline keyboard, and the webhook's answers and replies (against the fake
Bot API, with a stand-in for Rasa)."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import ActionExecuted, BotUttered, Restarted, SlotSet, UserUttered
from rasa.shared.core.slots import TextSlot
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.base import conversation_id
from bot.channels.telegram import (
    MAX_CALLBACK_DATA_BYTES,
    MAX_TEXT_CHARS,
    Inbound,
    InvalidUpdate,
    TelegramConfig,
    TelegramInput,
    inline_keyboard,
    language_from_code,
    parse_update,
    pressed_button,
)
from bot.core.confirmation_document import confirmation_document
from bot.core.i18n import t
from bot.core.profile import load_profile
from bot.core.registry import Applicant, Confirmation, Registry
from tests.fakes import telegram as fake
from tests.fakes.rasa import intent_event, nested
from tests.fakes.recorder import RecordingServer
from tests.fakes.telegram import calls

SECRET_KEY = b"unit-test-key"
CHAT = 7_100_200_300


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("es", "es"),
        ("es-419", "es"),
        ("ES_es", "es"),
        ("en", "en"),
        ("en-US", "en"),
        ("en-GB", "en"),
        ("pt-BR", None),
        ("qu", None),
        ("", None),
        (None, None),
        (5, None),
    ],
)
def test_language_code_becomes_our_language(code: Any, language: str | None) -> None:
    assert language_from_code(code) == language


LONG_PAYLOADS = [
    {
        "title": "Santa Cruz de la Sierra",
        "payload": '/inform{"city": "Santa Cruz de la Sierra, Área Metropolitana"}',
    },
    {"title": "Potosí", "payload": "/inform" + json.dumps({"city": "Potosí " * 20}, ensure_ascii=False)},
    {"title": "Sí, 5 de marzo de 1985", "payload": "/affirm"},
]


PROMPT = "Choose the city where your documents come back."


def test_keyboard_callback_data_is_short_and_maps_back_to_each_button() -> None:
    keyboard = inline_keyboard(PROMPT, LONG_PAYLOADS)["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == [button["title"] for button in LONG_PAYLOADS]
    for row, button in zip(keyboard, LONG_PAYLOADS, strict=True):
        data = row[0]["callback_data"]
        assert 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
        assert pressed_button(data, PROMPT, LONG_PAYLOADS) == button


def key_of(text: str, buttons: list[dict]) -> str:
    return inline_keyboard(text, buttons)["inline_keyboard"][0][0]["callback_data"].split(":")[0]


@pytest.mark.parametrize(
    "data",
    [
        "",
        "nonsense",
        "0",
        ":0",
        "{key}:",
        "{key}:3",
        "{key}:-1",
        "{key}:x",
        "{key}:¹",
        "{key}:0:0",
        "{other_buttons}:0",
        "{other_text}:0",
    ],
)
def test_callback_data_of_another_prompt_or_forged_is_no_button(data: str) -> None:
    keys = {
        "key": key_of(PROMPT, LONG_PAYLOADS),
        "other_buttons": key_of(PROMPT, LONG_PAYLOADS[:2]),
        "other_text": key_of("An earlier summary: passport X1234567", LONG_PAYLOADS),
    }
    assert pressed_button(data.format(**keys), PROMPT, LONG_PAYLOADS) is None


def test_parses_a_text_message() -> None:
    update = fake.text_update(CHAT, "Hola, ¿cómo envío mis documentos? 🙂", "es-419")
    assert parse_update(update) == Inbound("text", CHAT, "es", text="Hola, ¿cómo envío mis documentos? 🙂")


def test_a_long_text_is_cut_to_2000_characters() -> None:
    incoming = parse_update(fake.text_update(CHAT, "a" * 5000))
    assert incoming is not None and incoming.text == "a" * 2000


@pytest.mark.parametrize(
    ("typed", "text"),
    [
        ("/start", "/greet"),
        ("/start@courier_test_bot", "/greet"),
        ("/help", "help"),
        ('/inform{"passport_number": "X1"}', 'inform{"passport_number": "X1"}'),
        ("/", ""),
    ],
)
def test_typed_commands_never_reach_rasa_as_intent_payloads(typed: str, text: str) -> None:
    incoming = parse_update(fake.text_update(CHAT, typed, None))
    assert incoming is not None and incoming.text == text and incoming.language is None


@pytest.mark.parametrize(
    ("typed", "text"),
    [
        (" /restart", "restart"),
        ("\n/greet", "greet"),
        ("\u3000\u00a0/restart", "restart"),
        ("//restart", "restart"),
        ("\x00/restart", "restart"),
        ("\ufeff/restart", "\ufeff/restart"),
        (" /start", "/greet"),
        ("/help@courier_test_bot me", "help me"),
    ],
)
def test_text_with_spaces_before_the_slash_never_reaches_rasa_as_an_intent_payload(
    channel: TelegramInput, typed: str, text: str
) -> None:
    rasa = Rasa({"text": "hi"})
    assert post(channel, fake.text_update(CHAT, typed, "es"), rasa)[0] == 200
    (message,) = rasa.received
    assert message.text == text  # as Rasa reads it: UserMessage strips the text


def test_lone_surrogates_and_control_characters_reach_rasa_cleaned(channel: TelegramInput) -> None:
    rasa = Rasa({"text": "hi"})
    post(channel, fake.text_update(CHAT, "Hola\ud800 Jose\u0301\x00\r\n¿sí? 🙂", "es"), rasa)
    (message,) = rasa.received
    assert (message.text, message.metadata) == ("Hola José\n¿sí? 🙂", {"language": "es"})


def test_a_language_code_that_is_not_text_reaches_rasa_as_no_metadata(channel: TelegramInput) -> None:
    rasa = Rasa({"text": "hi"})
    update = fake.text_update(CHAT, "hola", "es")
    update["message"]["from"]["language_code"] = nested(500)
    update["message"]["from"]["extra"] = "x" * 150_000
    assert post(channel, update, rasa)[0] == 200
    assert rasa.received[0].metadata == {}


def test_parses_a_button_press() -> None:
    sent = {
        "message_id": 77,
        "from": fake.BOT_USER,
        "chat": fake.private_chat(CHAT),
        "date": 1700000000,
        "text": "Have you registered before?",
        "reply_markup": inline_keyboard(PROMPT, LONG_PAYLOADS),
    }
    update = fake.callback_update(CHAT, "abc:1", sent, "en-US")
    incoming = parse_update(update)
    assert incoming == Inbound(
        "button",
        CHAT,
        "en",
        text="abc:1",
        callback_id=update["callback_query"]["id"],
        message_id=77,
        message_text="Have you registered before?",
    )


def test_a_press_on_a_message_too_old_to_read_still_names_the_chat() -> None:
    inaccessible = {"chat": fake.private_chat(CHAT), "message_id": 12, "date": 0}
    incoming = parse_update(fake.callback_update(CHAT, "abc:0", inaccessible))
    assert incoming is not None and (incoming.chat_id, incoming.message_id, incoming.message_text) == (
        CHAT,
        12,
        "",
    )


@pytest.mark.parametrize(
    "content", [fake.STICKER, fake.PHOTO, fake.VOICE, fake.DOCUMENT], ids=lambda c: next(iter(c))
)
def test_media_messages_get_the_text_only_reply(content: dict) -> None:
    assert parse_update(fake.message_update(CHAT, "es", **content)) == Inbound("media", CHAT, "es")


@pytest.mark.parametrize(
    "update",
    [
        fake.edited_message_update(CHAT, "corrected text"),
        fake.my_chat_member_update(CHAT),
        fake.channel_post_update(-1001234567890, "news"),
        {
            "update_id": 5,
            "message": {
                "message_id": 3,
                "date": 1700000000,
                "text": "hi all",
                "chat": {"id": -100200, "title": "Family", "type": "group"},
                "from": fake.user(CHAT, "es"),
            },
        },
        {
            "update_id": 6,
            "message": {
                "message_id": 4,
                "date": 1700000000,
                "chat": fake.private_chat(CHAT),
                "pinned_message": {"message_id": 2, "date": 0, "chat": fake.private_chat(CHAT)},
            },
        },
        {"update_id": 7, "poll_answer": {"poll_id": "1", "option_ids": [0], "user": fake.user(CHAT, "en")}},
    ],
    ids=[
        "edited_message",
        "my_chat_member",
        "channel_post",
        "group_message",
        "service_message",
        "poll_answer",
    ],
)
def test_updates_we_do_not_handle_are_ignored(update: dict) -> None:
    assert parse_update(update) is None


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        "text",
        {"message": {"text": "hi"}},
        {"update_id": "1"},
        {"update_id": True},
        {"update_id": 1, "message": "hi"},
        {"update_id": 1, "message": {"text": "hi"}},
        {"update_id": 1, "message": {"chat": {"id": None, "type": "private"}, "text": "hi"}},
        {"update_id": 1, "message": {"chat": fake.private_chat(CHAT), "text": 5}},
        {"update_id": 1, "callback_query": {"from": fake.user(CHAT, "en"), "data": "x"}},
    ],
)
def test_bodies_that_are_not_updates_are_rejected(body: Any) -> None:
    with pytest.raises(InvalidUpdate):
        parse_update(body)


@pytest.mark.parametrize(
    ("env", "configured"),
    [
        ({}, False),
        ({"TELEGRAM_BOT_TOKEN": fake.TOKEN}, False),
        ({"TELEGRAM_SECRET_TOKEN": fake.SECRET}, False),
        ({"TELEGRAM_BOT_TOKEN": fake.TOKEN, "TELEGRAM_SECRET_TOKEN": fake.SECRET}, True),
    ],
)
def test_the_channel_is_on_only_with_token_and_secret(env: dict, configured: bool) -> None:
    config = TelegramConfig.from_env(env)
    assert (config is not None) == configured
    if config:
        assert config.method_url("sendMessage") == f"https://api.telegram.org/bot{fake.TOKEN}/sendMessage"


# --- the webhook, with the fake Bot API and a stand-in for Rasa -----------------------------------------


class Store:
    """Rasa's tracker store as the channel uses it."""

    def __init__(self) -> None:
        self.trackers: dict[str, DialogueStateTracker] = {}

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return self.trackers.get(sender_id)

    def put(self, sender_id: str, *events: Any) -> None:
        slots = [TextSlot("language", mappings=[{}])]
        self.trackers[sender_id] = DialogueStateTracker.from_events(sender_id, list(events), slots=slots)


class Agent:
    def __init__(self) -> None:
        self.tracker_store = Store()


class Rasa:
    """Stands in for Rasa's handler: records messages and sends the scripted replies."""

    def __init__(self, *replies: dict[str, Any]) -> None:
        self.replies = list(replies)
        self.received: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        for reply in self.replies:
            await message.output_channel.send_response(message.sender_id, dict(reply))


@pytest.fixture
def channel(api: RecordingServer) -> TelegramInput:
    return TelegramInput(TelegramConfig(fake.TOKEN, fake.SECRET, api.url), SECRET_KEY)


def post(
    channel: TelegramInput, body: Any, rasa: Rasa, agent: Agent | None = None, secret: str = fake.SECRET
) -> tuple[int, dict]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return asyncio.run(channel.respond(secret, raw, agent or Agent(), rasa))


SENDER = conversation_id("telegram", str(CHAT), SECRET_KEY)


def test_not_configured_is_404_and_calls_nothing(api: RecordingServer) -> None:
    rasa = Rasa({"text": "hi"})
    status, body = post(TelegramInput(None, SECRET_KEY), fake.text_update(CHAT, "hello"), rasa)
    assert (status, body) == (404, {"error": "channel not configured"})
    assert rasa.received == [] and api.requests == []


@pytest.mark.parametrize(
    ("secret", "body", "status"),
    [
        ("", fake.text_update(CHAT, "hi"), 403),
        ("wrong", fake.text_update(CHAT, "hi"), 403),
        (fake.SECRET[:-1], fake.text_update(CHAT, "hi"), 403),
        (fake.SECRET, b"{not json", 400),
        (fake.SECRET, b"\xff\xfe", 400),
        (fake.SECRET, b"[" * 50_000, 400),
        (fake.SECRET, {"hello": 1}, 400),
        (fake.SECRET, b" " * 300_000, 413),
    ],
    ids=[
        "no secret",
        "wrong secret",
        "prefix of the secret",
        "broken JSON",
        "not UTF-8",
        "deep nesting",
        "not an Update",
        "oversized",
    ],
)
def test_refused_requests_reach_neither_rasa_nor_telegram(
    channel: TelegramInput, api: RecordingServer, secret: str, body: Any, status: int
) -> None:
    rasa = Rasa({"text": "hi"})
    assert post(channel, body, rasa, secret=secret)[0] == status
    assert rasa.received == [] and api.requests == []


def test_a_text_reaches_rasa_under_a_hashed_id_with_the_language(
    channel: TelegramInput, api: RecordingServer
) -> None:
    rasa = Rasa(
        {
            "text": "Have you registered before?",
            "buttons": [{"title": "Yes", "payload": "/already_registered"}],
        }
    )
    assert post(channel, fake.text_update(CHAT, "hello", "en-GB"), rasa) == (200, {"ok": True})
    (message,) = rasa.received
    assert (message.text, message.sender_id, message.metadata, message.input_channel) == (
        "hello",
        SENDER,
        {"language": "en"},
        "telegram",
    )
    assert str(CHAT) not in message.sender_id
    ((method, body),) = calls(api)
    assert (
        method == "sendMessage" and body["chat_id"] == CHAT and body["text"] == "Have you registered before?"
    )
    assert body["reply_markup"] == inline_keyboard(
        "Have you registered before?", [{"title": "Yes", "payload": "/already_registered"}]
    )


def test_the_same_update_delivered_twice_is_handled_once(
    channel: TelegramInput, api: RecordingServer
) -> None:
    rasa = Rasa({"text": "hi"})
    update = fake.text_update(CHAT, "hello")
    assert post(channel, update, rasa)[0] == post(channel, update, rasa)[0] == 200
    assert len(rasa.received) == 1 and len(api.requests) == 1


def test_one_chats_updates_arriving_together_are_handled_and_answered_in_order(
    channel: TelegramInput, api: RecordingServer
) -> None:
    class SlowFirst(Rasa):
        async def __call__(self, message: UserMessage) -> None:
            if message.text == "first":
                await asyncio.sleep(0.2)
            self.received.append(message)
            await message.output_channel.send_text_message(message.sender_id, f"re: {message.text}")

    rasa, agent = SlowFirst(), Agent()

    async def scenario() -> list[tuple[int, dict]]:
        updates = [json.dumps(fake.text_update(CHAT, text)).encode() for text in ("first", "second")]
        return await asyncio.gather(*(channel.respond(fake.SECRET, raw, agent, rasa) for raw in updates))

    assert asyncio.run(scenario()) == [(200, {"ok": True})] * 2
    assert [message.text for message in rasa.received] == ["first", "second"]
    assert [body["text"] for _, body in calls(api)] == ["re: first", "re: second"]


def test_a_long_reply_is_split_with_the_keyboard_on_the_last_piece(
    channel: TelegramInput, api: RecordingServer
) -> None:
    text = " ".join(f"Sentence number {n} of a very long answer." for n in range(400))
    buttons = [{"title": "OK", "payload": "/affirm"}]
    post(channel, fake.text_update(CHAT, "hello"), Rasa({"text": text, "buttons": buttons}))
    sent = [body for method, body in calls(api) if method == "sendMessage"]
    assert len(sent) == -(-len(text) // MAX_TEXT_CHARS) and all(
        len(b["text"]) <= MAX_TEXT_CHARS for b in sent
    )
    assert " ".join(b["text"] for b in sent) == text
    assert [("reply_markup" in b) for b in sent] == [False] * (len(sent) - 1) + [True]


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_reply_from_rasa_gets_the_apology(
    channel: TelegramInput, api: RecordingServer, language: str
) -> None:
    post(channel, fake.text_update(CHAT, "hola", language), Rasa())
    assert calls(api) == [("sendMessage", {"chat_id": CHAT, "text": t("system.unavailable", language)})]


def test_a_silent_turn_of_rasa_gets_no_apology(channel: TelegramInput, api: RecordingServer) -> None:
    agent = Agent()

    class Restarting(Rasa):
        async def __call__(self, message: UserMessage) -> None:
            await super().__call__(message)
            agent.tracker_store.put(
                SENDER, intent_event("restart"), ActionExecuted("action_restart"), Restarted()
            )

    rasa = Restarting()
    assert post(channel, fake.text_update(CHAT, "empezar de nuevo", "es"), rasa, agent)[0] == 200
    assert len(rasa.received) == 1 and calls(api) == []


def test_a_failing_rasa_gets_the_apology_in_the_conversation_language(
    channel: TelegramInput, api: RecordingServer
) -> None:
    class Broken(Rasa):
        async def __call__(self, message: UserMessage) -> None:
            raise RuntimeError("action server down")

    agent = Agent()
    agent.tracker_store.put(SENDER, SlotSet("language", "es"))
    assert post(channel, fake.text_update(CHAT, "hello", "en"), Broken(), agent)[0] == 200
    assert calls(api) == [("sendMessage", {"chat_id": CHAT, "text": t("system.unavailable", "es")})]


@pytest.mark.parametrize(
    "content", [fake.STICKER, fake.PHOTO, fake.VOICE, fake.DOCUMENT], ids=lambda c: next(iter(c))
)
def test_media_gets_a_polite_reply_and_never_reaches_rasa(
    channel: TelegramInput, api: RecordingServer, content: dict
) -> None:
    rasa = Rasa({"text": "hi"})
    assert post(channel, fake.message_update(CHAT, "es", **content), rasa)[0] == 200
    assert rasa.received == []
    assert calls(api) == [("sendMessage", {"chat_id": CHAT, "text": t("channel.text_only", "es")})]


BUTTONS = [
    {"title": "Yes, I registered", "payload": "/already_registered"},
    {"title": "No, first time", "payload": "/not_registered"},
]
QUESTION = "Have you registered before?"


def keyboard_message(buttons: list[dict], text: str = QUESTION) -> dict:
    return {
        "message_id": 501,
        "from": fake.BOT_USER,
        "chat": fake.private_chat(CHAT),
        "date": 1700000000,
        "text": text,
        "reply_markup": inline_keyboard(text, buttons),
    }


def press(index: int, message: dict, language_code: str = "en") -> dict:
    data = message["reply_markup"]["inline_keyboard"][index][0]["callback_data"]
    return fake.callback_update(CHAT, data, message, language_code)


def agent_after(buttons: list[dict]) -> Agent:
    agent = Agent()
    agent.tracker_store.put(SENDER, UserUttered("hello"), BotUttered(QUESTION, data={"buttons": buttons}))
    return agent


def test_a_press_is_answered_shown_as_the_choice_and_sent_as_the_payload(
    channel: TelegramInput, api: RecordingServer
) -> None:
    rasa = Rasa({"text": "What is your passport number?"})
    update = press(1, keyboard_message(BUTTONS))
    assert post(channel, update, rasa, agent_after(BUTTONS))[0] == 200
    assert [m.text for m in rasa.received] == ["/not_registered"]
    assert calls(api) == [
        ("answerCallbackQuery", {"callback_query_id": update["callback_query"]["id"]}),
        ("editMessageText", {"chat_id": CHAT, "message_id": 501, "text": f"{QUESTION}\n\n» No, first time"}),
        ("sendMessage", {"chat_id": CHAT, "text": "What is your passport number?"}),
    ]


def test_a_press_on_a_message_that_cannot_be_edited_sends_the_choice(
    channel: TelegramInput, api: RecordingServer
) -> None:
    update = press(0, keyboard_message(BUTTONS))
    del update["callback_query"]["message"]["text"]
    post(channel, update, Rasa({"text": "Passport?"}), agent_after(BUTTONS))
    assert calls(api)[1] == ("sendMessage", {"chat_id": CHAT, "text": "» Yes, I registered"})


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    "earlier",
    [
        keyboard_message([{"title": "English", "payload": '/switch_language{"language": "en"}'}]),
        keyboard_message(BUTTONS, "An earlier question with the same buttons"),
    ],
    ids=["other buttons", "same buttons, earlier text"],
)
def test_a_press_on_an_earlier_prompt_gets_a_polite_reply(
    channel: TelegramInput, api: RecordingServer, language: str, earlier: dict
) -> None:
    rasa = Rasa({"text": "hi"})
    update = press(0, earlier, language)
    assert post(channel, update, rasa, agent_after(BUTTONS))[0] == 200
    assert rasa.received == []
    assert calls(api) == [
        ("answerCallbackQuery", {"callback_query_id": update["callback_query"]["id"]}),
        (
            "editMessageReplyMarkup",
            {"chat_id": CHAT, "message_id": 501, "reply_markup": {"inline_keyboard": []}},
        ),
        ("sendMessage", {"chat_id": CHAT, "text": t("telegram.stale_button", language)}),
    ]


def test_a_failing_bot_api_is_retried_and_never_breaks_the_webhook(
    channel: TelegramInput, api: RecordingServer
) -> None:
    api.fail_next(500, 500)
    assert post(channel, fake.text_update(CHAT, "hello"), Rasa({"text": "Hello!"}))[0] == 200
    assert [fake.method_of(r) for r in api.requests] == ["sendMessage"] * 3
    api.clear()
    api.fail_next(*[500] * 3)
    assert post(channel, fake.text_update(CHAT, "again"), Rasa({"text": "Hello!"}))[0] == 200
    assert len(api.requests) == 3


# --- a confirmation: its text with the link, then its PDF as a document ----------------------------------

CLOSED_POSTGRES_URL = "postgresql://nobody@127.0.0.1:1/test"  # nothing listens on port 1


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    registry = Registry(f"sqlite:///{tmp_path}/registry.sqlite3", SECRET_KEY)
    yield registry
    registry.dispose()


def issued(registry: Registry, language: str) -> Confirmation:
    registration, _ = registry.register(Applicant("A1234567", "1985-03-05", "BOL"))
    return registry.issue_confirmation(registration.id, "PTS-01", language)


def confirmation_reply(confirmation: Confirmation, language: str) -> dict[str, Any]:
    """The confirmation message as Rasa hands it to the output channel (BotUttered.message())
    after the action's utter_message(text=..., json_message=...)."""
    page = f"https://courier.example.test/confirmation/{confirmation.token}"
    text = t("confirmation.issued", language, number=confirmation.number, link=page, courier="DHL")
    custom = {
        "confirmation": {
            "number": confirmation.number,
            "page": page,
            "pdf": f"{page}.pdf",
            "token": confirmation.token,
        }
    }
    return BotUttered(text, data={"buttons": None, "custom": custom}).message()


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages).split())


def channel_with(api: RecordingServer, registry: Registry) -> TelegramInput:
    documents = functools.partial(confirmation_document, registry, load_profile())
    return TelegramInput(TelegramConfig(fake.TOKEN, fake.SECRET, api.url), SECRET_KEY, documents=documents)


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_confirmation_comes_with_its_pdf_as_a_document(
    api: RecordingServer, registry: Registry, language: str
) -> None:
    confirmation = issued(registry, language)
    reply = confirmation_reply(confirmation, language)
    more = {"text": t("confirmation.more", language)}
    status = post(channel_with(api, registry), fake.text_update(CHAT, "yes", language), Rasa(reply, more))
    assert status == (200, {"ok": True})
    assert [method for method, _ in calls(api)] == ["sendMessage", "sendDocument", "sendMessage"]
    assert calls(api)[0][1] == {"chat_id": CHAT, "text": reply["text"]}  # the link, as before
    (upload,) = fake.documents(api)
    assert upload.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert upload.body == {
        "chat_id": str(CHAT),
        "caption": t("delivery.document_caption", language, number=confirmation.number),
    }
    document = upload.files["document"]
    assert document.filename == f"confirmation-{confirmation.number}.pdf"
    assert document.content_type == "application/pdf"
    assert document.data.startswith(b"%PDF-")
    text = pdf_text(document.data)
    assert confirmation.number in text and t("page.confirmation.number", language) in text
    assert "*****567" in text and "A1234567" not in text


def test_a_document_upload_that_fails_is_sent_again_whole(api: RecordingServer, registry: Registry) -> None:
    confirmation = issued(registry, "en")
    custom_only = {"custom": confirmation_reply(confirmation, "en")["custom"]}
    api.fail_next(502)
    assert post(channel_with(api, registry), fake.text_update(CHAT, "yes"), Rasa(custom_only))[0] == 200
    first, second = fake.documents(api)
    assert first.files["document"].data == second.files["document"].data
    assert second.files["document"].data.startswith(b"%PDF-") and second.body == first.body


def test_with_the_database_down_the_link_still_goes_out_and_nothing_personal_is_logged(
    api: RecordingServer, registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    confirmation = issued(registry, "es")
    down = Registry(CLOSED_POSTGRES_URL, SECRET_KEY)
    documents = functools.partial(confirmation_document, down, load_profile())
    channel = TelegramInput(TelegramConfig(fake.TOKEN, fake.SECRET, api.url), SECRET_KEY, documents=documents)
    reply = confirmation_reply(confirmation, "es")
    try:
        with caplog.at_level(logging.INFO):
            assert post(channel, fake.text_update(CHAT, "sí", "es"), Rasa(reply)) == (200, {"ok": True})
    finally:
        down.dispose()
    assert calls(api) == [("sendMessage", {"chat_id": CHAT, "text": reply["text"]})]
    assert "PDF was not sent" in caplog.text and "database is unavailable" in caplog.text
    for secret in (confirmation.token, confirmation.number, str(CHAT)):
        assert secret not in caplog.text


def test_a_confirmation_no_longer_in_the_database_sends_only_its_link(
    api: RecordingServer, registry: Registry
) -> None:
    confirmation = issued(registry, "en")
    reply = confirmation_reply(confirmation, "en")
    assert registry.delete(Applicant("A1234567", "1985-03-05", "BOL"))
    post(channel_with(api, registry), fake.text_update(CHAT, "yes"), Rasa(reply))
    assert [method for method, _ in calls(api)] == ["sendMessage"]


@pytest.mark.parametrize(
    "custom",
    [{"data": "x"}, {"confirmation": {"number": "YH9X-NHPR", "page": "javascript:alert(1)", "pdf": "x"}}],
    ids=["other custom JSON", "malformed confirmation"],
)
def test_custom_json_that_is_no_confirmation_is_never_sent_as_text(
    api: RecordingServer, registry: Registry, custom: dict
) -> None:
    reply = BotUttered("Hello!", data={"custom": custom}).message()
    post(channel_with(api, registry), fake.text_update(CHAT, "hi"), Rasa(reply))
    assert calls(api) == [("sendMessage", {"chat_id": CHAT, "text": "Hello!"})]

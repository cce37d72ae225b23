"""Telegram through the real stack: Update JSON posted to the Rasa server's webhook
as Telegram posts it, replies read from what the assistant sent to the fake Bot API
(the confirmation's PDF too, uploaded with sendDocument)."""

from __future__ import annotations

import json
import random
import string
import time
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader

from bot.channels.base import conversation_id
from bot.channels.telegram import SECRET_HEADER
from bot.core.i18n import t
from bot.launcher import Stack
from tests.e2e.support import AUTH_TOKEN, LINK, NUMBER, http, new_passport
from tests.fakes import telegram as fake
from tests.fakes.recorder import Recorded, RecordingServer


@dataclass
class TelegramChat:
    """One person in a private chat with the bot."""

    stack: Stack
    api: RecordingServer
    language_code: str | None
    chat_id: int = field(default_factory=lambda: random.randint(10**8, 10**10))
    sent: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Recorded] = field(default_factory=list)

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.stack.settings.rasa_port}/webhooks/telegram/webhook"

    def post(self, update: Any, secret: str | None = fake.SECRET) -> int:
        """Posts one update; the Bot API calls it caused (the webhook answers once the
        turn is over) end up in `calls`, the sendMessage bodies in `sent`. A multipart
        upload (sendDocument) has its chat_id as text."""
        before = len(self.api.requests)
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        status, raw, _ = http("POST", self.webhook, update, headers)
        assert status != 500, raw
        pressed = isinstance(update, dict) and "callback_query" in update
        mine = {self.chat_id, str(self.chat_id)} | ({update["callback_query"]["id"]} if pressed else set())
        self.calls = [
            call
            for call in self.api.requests[before:]
            if call.body.get("chat_id") in mine or call.body.get("callback_query_id") in mine
        ]
        self.sent = [call.body for call in self.calls if fake.method_of(call) == "sendMessage"]
        return status

    def say(self, text: str) -> str:
        assert self.post(fake.text_update(self.chat_id, text, self.language_code)) == 200
        assert self.sent, f"no reply to {text!r}"
        return self.text

    @property
    def text(self) -> str:
        return "\n".join(body["text"] for body in self.sent)

    def keyboard_message(self) -> dict[str, Any]:
        """The latest message with a keyboard, as Telegram includes it in a callback_query."""
        body = next(body for body in reversed(self.sent) if "reply_markup" in body)
        return {
            "message_id": random.randint(1, 10**6),
            "from": fake.BOT_USER,
            "chat": fake.private_chat(self.chat_id),
            "date": int(time.time()),
            "text": body["text"],
            "reply_markup": body["reply_markup"],
        }

    def press(self, title: str, message: dict[str, Any] | None = None) -> str:
        """Presses the button titled `title` on `message` (default: the latest keyboard)."""
        message = message or self.keyboard_message()
        rows = message["reply_markup"]["inline_keyboard"]
        data = next(row[0]["callback_data"] for row in rows if row[0]["text"] == title)
        update = fake.callback_update(self.chat_id, data, message, self.language_code)
        assert self.post(update) == 200
        answered = [call for call in self.calls if fake.method_of(call) == "answerCallbackQuery"]
        assert [call.body for call in answered] == [{"callback_query_id": update["callback_query"]["id"]}]
        return self.text

    @property
    def sender_id(self) -> str:
        return conversation_id("telegram", str(self.chat_id), self.stack.settings.secret_key)

    def tracker(self, conversation: str) -> dict:
        base = f"http://127.0.0.1:{self.stack.settings.rasa_port}"
        status, raw, _ = http("GET", f"{base}/conversations/{conversation}/tracker?token={AUTH_TOKEN}")
        assert status == 200, raw
        return json.loads(raw)


@pytest.fixture
def telegram(stack: Stack, fake_telegram: RecordingServer) -> TelegramChat:
    return TelegramChat(stack, fake_telegram, "en")


ANSWERS = {
    "en": {"date": "5 March 1985", "nationality": "Bolivian", "city": "Potosí"},
    "es": {"date": "5 de marzo de 1985", "nationality": "boliviana", "city": "Tarija"},
}


@pytest.mark.parametrize(("language_code", "language"), [("en", "en"), ("es", "es"), ("es-419", "es")])
def test_a_whole_conversation_with_buttons_to_the_confirmation_link(
    stack: Stack, fake_telegram: RecordingServer, language_code: str, language: str
) -> None:
    chat = TelegramChat(stack, fake_telegram, language_code)
    answers = ANSWERS[language]
    assert t("registered.ask", language) in chat.say("/start")
    keyboard = chat.keyboard_message()
    assert t("passport.ask", language) in chat.press(t("registered.no", language), keyboard)
    shown = next(call.body for call in chat.calls if fake.method_of(call) == "editMessageText")
    assert shown == {
        "chat_id": chat.chat_id,
        "message_id": keyboard["message_id"],
        "text": f"{keyboard['text']}\n\n» {t('registered.no', language)}",
    }
    passport = new_passport()
    assert t("dob.ask", language) in chat.say(passport)
    assert t("nationality.ask", language) in chat.say(answers["date"])
    assert t("summary.ask", language) in chat.say(answers["nationality"])
    assert t("location.ask", language) in chat.press(t("summary.yes", language))
    assert answers["city"] in chat.press(answers["city"])
    reply = chat.press(t("location.yes", language))
    link, number = LINK.search(reply), NUMBER.search(reply)
    assert link and number, reply
    assert (
        t("confirmation.issued", language, number=number.group(1), link=link.group(1), courier="DHL") in reply
    )
    page_status, page, _ = http("GET", link.group(1))
    assert page_status == 200 and f'lang="{language}"' in page.decode()
    assert chat.tracker(chat.sender_id)["slots"]["language"] == language
    # Then the PDF itself, made by the Rasa server from the token, after the link.
    methods = [fake.method_of(call) for call in chat.calls]
    assert methods.count("sendDocument") == 1 and methods.index("sendDocument") > methods.index("sendMessage")
    (upload,) = [call for call in chat.calls if fake.method_of(call) == "sendDocument"]
    assert upload.body == {
        "chat_id": str(chat.chat_id),
        "caption": t("delivery.document_caption", language, number=number.group(1)),
    }
    document = upload.files["document"]
    assert document.filename == f"confirmation-{number.group(1)}.pdf"
    assert document.content_type == "application/pdf" and document.data.startswith(b"%PDF-")
    text = " ".join(sheet.extract_text() for sheet in PdfReader(BytesIO(document.data)).pages)
    assert number.group(1) in text and t("page.confirmation.number", language) in text


def test_the_conversation_id_is_a_keyed_hash_not_the_chat_id(telegram: TelegramChat) -> None:
    telegram.say("hello")
    assert telegram.sender_id.startswith("telegram-") and str(telegram.chat_id) not in telegram.sender_id
    events = telegram.tracker(telegram.sender_id)["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == ["hello"]
    assert [e for e in telegram.tracker(str(telegram.chat_id))["events"] if e["event"] == "user"] == []


@pytest.mark.parametrize(
    ("secret", "body", "status"),
    [
        (None, lambda chat: fake.text_update(chat, "hello"), 403),
        ("wrong-secret", lambda chat: fake.text_update(chat, "hello"), 403),
        (fake.SECRET, lambda chat: b'{"update_id": 1, "message": {', 400),
        (fake.SECRET, lambda chat: {"message": {"chat": fake.private_chat(chat), "text": "hello"}}, 400),
    ],
    ids=["no secret", "wrong secret", "broken JSON", "not an Update"],
)
def test_refused_requests_send_nothing(
    telegram: TelegramChat, secret: str | None, body: Any, status: int
) -> None:
    assert telegram.post(body(telegram.chat_id), secret) == status
    assert telegram.calls == []
    assert [e for e in telegram.tracker(telegram.sender_id)["events"] if e["event"] == "user"] == []


def test_buttons_of_earlier_questions_get_a_polite_reply(
    stack: Stack, fake_telegram: RecordingServer
) -> None:
    chat = TelegramChat(stack, fake_telegram, "es")
    chat.say("/start")
    registered = chat.keyboard_message()
    chat.press(t("registered.no", "es"), registered)
    assert chat.press(t("registered.yes", "es"), registered) == t("telegram.stale_button", "es")
    assert [fake.method_of(call) for call in chat.calls] == [
        "answerCallbackQuery",
        "editMessageReplyMarkup",
        "sendMessage",
    ]
    first, second = new_passport(), new_passport()
    for answer in (first, "5 de marzo de 1985", "boliviana"):
        chat.say(answer)
    old_summary = chat.keyboard_message()
    chat.say("quiero cambiar mi número de pasaporte")
    assert t("summary.passport", "es", value=second) in chat.say(second)
    new_summary = chat.keyboard_message()
    # The old summary has the same buttons but shows the old passport number.
    assert chat.press(t("summary.yes", "es"), old_summary) == t("telegram.stale_button", "es")
    assert t("location.ask", "es") in chat.press(t("summary.yes", "es"), new_summary)


@pytest.mark.parametrize("content", [fake.STICKER, fake.PHOTO], ids=["sticker", "photo"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_sticker_or_photo_gets_a_polite_reply(
    stack: Stack, fake_telegram: RecordingServer, content: dict, language: str
) -> None:
    chat = TelegramChat(stack, fake_telegram, language)
    assert chat.post(fake.message_update(chat.chat_id, language, **content)) == 200
    assert chat.text == t("channel.text_only", language)
    assert t("registered.ask", language) in chat.say("/start")


@pytest.mark.parametrize(
    "update",
    [fake.edited_message_update, fake.my_chat_member_update],
    ids=["edited_message", "my_chat_member"],
)
def test_updates_we_do_not_handle_are_acknowledged_and_ignored(telegram: TelegramChat, update: Any) -> None:
    arguments = (telegram.chat_id, "hello") if update is fake.edited_message_update else (telegram.chat_id,)
    assert telegram.post(update(*arguments)) == 200
    assert telegram.calls == []
    assert [e for e in telegram.tracker(telegram.sender_id)["events"] if e["event"] == "user"] == []


def test_a_bot_api_failing_twice_still_delivers(
    telegram: TelegramChat, fake_telegram: RecordingServer
) -> None:
    fake_telegram.fail_next(500, 500)
    telegram.say("hello")
    attempts = [call.body["text"] for call in telegram.calls]
    assert attempts[:3] == [attempts[0]] * 3
    assert t("registered.ask", "en") in telegram.text


def test_a_bot_api_always_failing_breaks_nothing(
    telegram: TelegramChat, fake_telegram: RecordingServer
) -> None:
    fake_telegram.fail_next(*[500] * 60)
    try:
        assert telegram.post(fake.text_update(telegram.chat_id, "hello")) == 200
        assert telegram.calls and len(telegram.calls) % 3 == 0
    finally:
        fake_telegram.clear()
    assert t("passport.ask", "en") in telegram.say("no, it's my first time")


def test_no_chat_text_reaches_the_logs(stack: Stack, fake_telegram: RecordingServer) -> None:
    chat = TelegramChat(stack, fake_telegram, "es")
    # A made-up name: personal, unique, and not a passport number to the NLU.
    passport, marker = new_passport(), "".join(random.choices(string.ascii_lowercase, k=12))
    chat.say(f"hola, me llamo {marker}")
    chat.press(t("registered.no", "es"))
    chat.say(passport)
    chat.say("17 de agosto de 1966")
    logs = "".join(
        path.read_text(errors="replace") for path in (stack.settings.data_dir / "logs").glob("*.log")
    )
    assert logs, "the processes wrote no log at all"
    for secret in (passport, marker, "1966-08-17", str(chat.chat_id), fake.TOKEN):
        assert secret not in logs

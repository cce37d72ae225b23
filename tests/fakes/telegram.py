"""A fake Telegram Bot API (a RecordingServer answering like api.telegram.org) and
Update JSON shaped like the updates Telegram delivers to a webhook
(https://core.telegram.org/bots/api#update)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.recorder import Recorded, RecordingServer

TOKEN = "123456789:AAE-fake-token-for-tests_0123456789ab"
SECRET = "fake-secret_0123456789"
BOT_USER = {
    "id": 123456789,
    "is_bot": True,
    "first_name": "Courier assistant",
    "username": "courier_test_bot",
}

_message_ids = itertools.count(1000)
_update_ids = itertools.count(500_000_000)


def method_of(recorded: Recorded) -> str:
    """ "sendMessage" for a request to /bot<token>/sendMessage."""
    return recorded.path.rsplit("/", 1)[-1]


def calls(api: RecordingServer) -> list[tuple[str, dict[str, Any]]]:
    """(method, JSON body) of every request the fake Bot API received, in order (of a
    multipart upload, its text fields: see `documents` for the file)."""
    return [(method_of(request), request.body) for request in api.requests]


def documents(api: RecordingServer) -> list[Recorded]:
    """Every sendDocument request, in order: text fields in `body` (strings, as a
    multipart form has them), the uploaded file in `files["document"]`."""
    return [request for request in api.requests if method_of(request) == "sendDocument"]


def _answer(recorded: Recorded) -> dict[str, Any]:
    method, body = method_of(recorded), recorded.body
    if method in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
        message = {
            "message_id": body.get("message_id") or next(_message_ids),
            "from": BOT_USER,
            "chat": {"id": body.get("chat_id"), "first_name": "Ana", "type": "private"},
            "date": int(time.time()),
            "text": body.get("text", ""),
        }
        if body.get("reply_markup", {}).get("inline_keyboard"):
            message["reply_markup"] = body["reply_markup"]
        return {"ok": True, "result": message}
    if method == "sendDocument":
        upload = recorded.files.get("document")
        if upload is None or not body.get("chat_id"):
            return {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: there is no document in the request",
            }
        return {
            "ok": True,
            "result": {
                "message_id": next(_message_ids),
                "from": BOT_USER,
                "chat": {"id": int(body["chat_id"]), "first_name": "Ana", "type": "private"},
                "date": int(time.time()),
                "document": {
                    "file_name": upload.filename,
                    "mime_type": upload.content_type,
                    "file_id": "BQACAgEAAxkBAAIBSGV" + str(len(upload.data)),
                    "file_unique_id": "AgADvgMAAv",
                    "file_size": len(upload.data),
                },
                "caption": body.get("caption", ""),
            },
        }
    if method == "setWebhook":
        return {"ok": True, "result": True, "description": "Webhook was set"}
    if method == "deleteWebhook":
        return {"ok": True, "result": True, "description": "Webhook was deleted"}
    if method == "getWebhookInfo":
        return {"ok": True, "result": {"url": "", "has_custom_certificate": False, "pending_update_count": 0}}
    return {"ok": True, "result": True}


def fake_bot_api() -> RecordingServer:
    return RecordingServer(answer=_answer).start()


def user(chat_id: int, language_code: str | None) -> dict[str, Any]:
    person: dict[str, Any] = {
        "id": chat_id,
        "is_bot": False,
        "first_name": "Ana",
        "username": f"ana{chat_id}",
    }
    if language_code:
        person["language_code"] = language_code
    return person


def private_chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "first_name": "Ana", "username": f"ana{chat_id}", "type": "private"}


def message_update(chat_id: int, language_code: str | None = "en", **content: Any) -> dict[str, Any]:
    """An Update with a new message; `content` is e.g. text="hi" or sticker={...}."""
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": next(_message_ids),
            "from": user(chat_id, language_code),
            "chat": private_chat(chat_id),
            "date": int(time.time()),
            **content,
        },
    }


def text_update(chat_id: int, text: str, language_code: str | None = "en") -> dict[str, Any]:
    return message_update(chat_id, language_code, text=text)


def callback_update(
    chat_id: int, data: str, message: dict[str, Any], language_code: str | None = "en"
) -> dict[str, Any]:
    """A button press on `message` (the Message the bot sent, with its keyboard)."""
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(4382937459827349000 + next(_message_ids)),
            "from": user(chat_id, language_code),
            "message": message,
            "chat_instance": "-7890123456789012345",
            "data": data,
        },
    }


STICKER = {
    "sticker": {
        "width": 512,
        "height": 512,
        "emoji": "👍",
        "set_name": "HotCherry",
        "is_animated": True,
        "is_video": False,
        "type": "regular",
        "thumbnail": {
            "file_id": "AAMCAgADGQEAAb",
            "file_unique_id": "AQADxQ",
            "file_size": 5416,
            "width": 128,
            "height": 128,
        },
        "file_id": "CAACAgIAAxkBAAEBm3Nl",
        "file_unique_id": "AgADxQADVp29Cg",
        "file_size": 33568,
    }
}
PHOTO = {
    "photo": [
        {
            "file_id": "AgACAgEAAxkBAAIBQ2VsmallX",
            "file_unique_id": "AQADsmall",
            "file_size": 1450,
            "width": 90,
            "height": 67,
        },
        {
            "file_id": "AgACAgEAAxkBAAIBQ2VlargeY",
            "file_unique_id": "AQADlarge",
            "file_size": 61230,
            "width": 1280,
            "height": 960,
        },
    ],
    "caption": "mi pasaporte",
}
VOICE = {
    "voice": {
        "duration": 3,
        "mime_type": "audio/ogg",
        "file_id": "AwACAgEAAxkBAAIBR2V",
        "file_unique_id": "AgADvQMAAv",
        "file_size": 9876,
    }
}
DOCUMENT = {
    "document": {
        "file_name": "carta.pdf",
        "mime_type": "application/pdf",
        "file_id": "BQACAgEAAxkBAAIBSGV",
        "file_unique_id": "AgADvgMAAv",
        "file_size": 120345,
    }
}


def edited_message_update(chat_id: int, text: str) -> dict[str, Any]:
    update = text_update(chat_id, text)
    update["edited_message"] = {**update.pop("message"), "edit_date": int(time.time())}
    return update


def my_chat_member_update(chat_id: int) -> dict[str, Any]:
    """The person blocked the bot."""
    return {
        "update_id": next(_update_ids),
        "my_chat_member": {
            "chat": private_chat(chat_id),
            "from": user(chat_id, "es"),
            "date": int(time.time()),
            "old_chat_member": {"user": BOT_USER, "status": "member"},
            "new_chat_member": {"user": BOT_USER, "status": "kicked", "until_date": 0},
        },
    }


def channel_post_update(chat_id: int, text: str) -> dict[str, Any]:
    return {
        "update_id": next(_update_ids),
        "channel_post": {
            "message_id": next(_message_ids),
            "sender_chat": {"id": chat_id, "title": "Noticias", "type": "channel"},
            "chat": {"id": chat_id, "title": "Noticias", "type": "channel"},
            "date": int(time.time()),
            "text": text,
        },
    }


def telegram_environment(api_url: str) -> dict[str, str]:
    """The variables that switch the Telegram channel on, pointed at the fake API."""
    return {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET, "TELEGRAM_API_BASE": api_url}


# Fixtures (tests/conftest.py loads this module as a plugin): one fake Bot API per test
# module, emptied before each test.
@pytest.fixture(scope="module")
def bot_api() -> Iterator[RecordingServer]:
    server = fake_bot_api()
    yield server
    server.stop()


@pytest.fixture
def api(bot_api: RecordingServer) -> RecordingServer:
    bot_api.clear()
    return bot_api

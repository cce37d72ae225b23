"""The Telegram channel at /webhooks/telegram/webhook, our replacement for Rasa's.

Rasa's own Telegram channel calls setWebhook while the server starts (so the server
cannot start offline), calls getMe for every message, does not check Telegram's
secret-token header and ignores the person's `language_code`. This one:

- is switched on by TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN (TELEGRAM_API_BASE
  points it at another Bot API server, for tests); without them the webhook answers
  404 and nothing calls the network. Registering the webhook is a separate command,
  `make telegram-webhook` (bot/channels/telegram_webhook.py);
- answers 403 unless the X-Telegram-Bot-Api-Secret-Token header matches (checked
  before the body is read), 413 to a body over MAX_BODY_BYTES (before it is read),
  400 to a body that is not an Update, and 200 to everything else:
  stickers, photos, voice and other media get a polite "text only" reply; edited
  messages, channel posts, membership changes and group chats are ignored;
- passes `from.language_code` ("es", "es-419", "en-US") on as `metadata.language`;
- cleans the text (`clean_message`) and never lets typed text be read as a Rasa
  intent payload, even after spaces (" /restart"); "/start" is a greeting;
- renders buttons as an inline keyboard whose callback_data is a short key (a hash
  of the prompt's text and buttons, plus the button's index), not the Rasa payload,
  which may be longer than Telegram's 64 bytes. A press is mapped back through the
  latest prompt in the tracker; every press is answered with answerCallbackQuery, the pressed
  message loses its keyboard and shows "» <title>" as the person's choice, and a
  button of an earlier prompt gets a polite reply instead;
- uses a keyed hash of the chat id as the conversation id.

The webhook is answered after the turn was processed and its replies sent. Telegram
does not deliver a chat's next update before the previous one is answered, so the
person's messages reach Rasa and the replies reach the chat in order. Every update
that passed the checks is answered 200 whatever happened inside, so Telegram never
re-sends it; the update ids seen recently are remembered so that a re-delivery after
a slow turn (Telegram's timeout) is not processed twice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.common import (
    RecentIds,
    clean_message,
    conversation_id,
    conversation_language,
    last_prompt,
    post_with_retries,
    read_body,
    split_text,
    turn_failed,
    typed_text,
)
from bot.channels.telegram_webhook import DEFAULT_API_BASE
from bot.core.i18n import LANGUAGES, t
from bot.core.settings import load_settings

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# A real Update is a few kilobytes; a long text with many entities stays far below.
MAX_BODY_BYTES = 200_000
MAX_TEXT_CHARS = 4096
MAX_CALLBACK_DATA_BYTES = 64
REMEMBERED_UPDATES = 1024
CHOICE_MARK = "» "
# Messages that carry something other than text: the person gets the "text only" reply.
MEDIA_FIELDS = (
    "sticker",
    "photo",
    "voice",
    "audio",
    "video",
    "video_note",
    "document",
    "animation",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
)


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    secret_token: str
    api_base: str = DEFAULT_API_BASE

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TelegramConfig | None:
        """The configuration, or None when the token or the secret is not set."""
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        secret = env.get("TELEGRAM_SECRET_TOKEN", "").strip()
        if not (token and secret):
            return None
        api_base = (env.get("TELEGRAM_API_BASE") or DEFAULT_API_BASE).strip().rstrip("/")
        return cls(token, secret, api_base)

    def method_url(self, method: str) -> str:
        return f"{self.api_base}/bot{self.token}/{method}"


def language_from_code(code: Any) -> str | None:
    """Our language for Telegram's IETF `language_code` ("es-419" → es), else None."""
    if not isinstance(code, str):
        return None
    primary = code.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


def prompt_key(text: str, buttons: list[dict[str, Any]]) -> str:
    """A short fingerprint of one prompt: its text, button titles and payloads. The
    text counts: an earlier summary has the same buttons as the latest one, but
    pressing its "Yes" must not confirm data it did not show."""
    pairs = [[str(button.get("title", "")), str(button.get("payload", ""))] for button in buttons]
    return hashlib.sha256(json.dumps([text, pairs], ensure_ascii=False).encode()).hexdigest()[:16]


def inline_keyboard(text: str, buttons: list[dict[str, Any]]) -> dict[str, Any]:
    """Telegram's reply_markup: one button a row, callback_data `<prompt key>:<index>`."""
    key = prompt_key(text, buttons)
    return {
        "inline_keyboard": [
            [{"text": str(button.get("title", "")), "callback_data": f"{key}:{index}"}]
            for index, button in enumerate(buttons)
        ]
    }


def pressed_button(data: str, text: str, buttons: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The button of the prompt (`text`, `buttons`) that callback_data `data` names;
    None when the data belongs to another prompt (an earlier one) or is not ours."""
    key, _, index = data.partition(":")
    if not buttons or key != prompt_key(text, buttons) or not (index.isascii() and index.isdigit()):
        return None
    position = int(index)
    return buttons[position] if position < len(buttons) else None


@dataclass(frozen=True)
class Incoming:
    """What an Update asks of us. `kind`: "text", "button" or "media"."""

    kind: str
    chat_id: int | str
    language: str | None
    text: str = ""
    callback_id: str = ""
    message_id: int | None = None
    message_text: str = ""


class InvalidUpdate(ValueError):
    """The body is not a Telegram Update."""


def _require(value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InvalidUpdate(f"'{what}' is missing or malformed")
    return value


def command_as_text(text: str) -> str:
    """Typed text for Rasa, cleaned (`clean_message`). Telegram sends "/start" when a
    person opens the bot: that becomes a greeting. Any other leading "/" is dropped
    (with the spaces around it), so that typed text can never be read as a Rasa
    intent payload ("/inform{...}", " /restart"); only our buttons send those."""
    cleaned, _ = clean_message(text, None)
    typed = typed_text(cleaned)
    if typed == cleaned.lstrip():
        return cleaned
    command, _, rest = typed.partition(" ")
    if command.split("@")[0].lower() == "start":
        return "/greet"
    return f"{command.split('@')[0]} {rest}".strip()


def parse_update(update: Any) -> Incoming | None:
    """What to do with one Update; None for the updates we ignore. Raises
    InvalidUpdate when the body is not an Update."""
    if not isinstance(update, dict):
        raise InvalidUpdate("the body must be a JSON object")
    _require(update.get("update_id"), int, "update_id")
    if "message" in update:
        message = _require(update["message"], dict, "message")
        chat = _require(message.get("chat"), dict, "message.chat")
        chat_id = _require(chat.get("id"), (int, str), "message.chat.id")
        if chat.get("type") != "private":
            return None
        sender = message.get("from") if isinstance(message.get("from"), dict) else {}
        language = language_from_code(sender.get("language_code"))
        if "text" in message:
            text = _require(message["text"], str, "message.text")
            return Incoming("text", chat_id, language, text=command_as_text(text))
        if any(field in message for field in MEDIA_FIELDS):
            return Incoming("media", chat_id, language)
        return None
    if "callback_query" in update:
        query = _require(update["callback_query"], dict, "callback_query")
        callback_id = _require(query.get("id"), str, "callback_query.id")
        sender = _require(query.get("from"), dict, "callback_query.from")
        message = query.get("message") if isinstance(query.get("message"), dict) else {}
        chat = message.get("chat") if isinstance(message.get("chat"), dict) else {}
        # Without the message (a very old or inline one), the private chat's id is the user's.
        chat_id = _require(chat.get("id", sender.get("id")), (int, str), "callback_query.from.id")
        message_id = message.get("message_id")
        text = message.get("text")
        return Incoming(
            "button",
            chat_id,
            language_from_code(sender.get("language_code")),
            text=query.get("data") if isinstance(query.get("data"), str) else "",
            callback_id=callback_id,
            message_id=message_id
            if isinstance(message_id, int) and not isinstance(message_id, bool)
            else None,
            message_text=text if isinstance(text, str) else "",
        )
    return None


class TelegramOutput(OutputChannel):
    """Sends the replies of one turn to one chat; counts what it was asked to send."""

    def __init__(self, config: TelegramConfig, chat_id: int | str) -> None:
        self.config = config
        self.chat_id = chat_id
        self.sent = 0

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def call(self, method: str, **fields: Any) -> dict[str, Any] | None:
        """One Bot API method, retried on failures; None when it did not succeed."""
        answer = await post_with_retries(
            self.config.method_url(method), json=fields, what=f"Telegram {method}"
        )
        return answer if answer and answer.get("ok") else None

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(text, None)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send(text or "", inline_keyboard(text or "", buttons) if buttons else None)

    async def _send(self, text: str, keyboard: dict[str, Any] | None) -> None:
        pieces = split_text(text, MAX_TEXT_CHARS)
        if pieces:
            self.sent += 1
        for number, piece in enumerate(pieces, start=1):
            fields: dict[str, Any] = {"chat_id": self.chat_id, "text": piece}
            if keyboard and number == len(pieces):
                fields["reply_markup"] = keyboard
            await self.call("sendMessage", **fields)

    async def show_choice(self, message_id: int | None, message_text: str, title: str) -> None:
        """Shows the pressed button as the person's answer: the pressed message loses
        its keyboard and ends with "» <title>"; when that message cannot be edited,
        the choice is sent as a message of its own."""
        choice = f"{CHOICE_MARK}{title}"
        edited = f"{message_text}\n\n{choice}"
        fits = message_id is not None and message_text and len(edited) <= MAX_TEXT_CHARS
        if fits and await self.call(
            "editMessageText", chat_id=self.chat_id, message_id=message_id, text=edited
        ):
            return
        await self.call("sendMessage", chat_id=self.chat_id, text=choice)

    async def remove_keyboard(self, message_id: int | None) -> None:
        if message_id is not None:
            await self.call(
                "editMessageReplyMarkup",
                chat_id=self.chat_id,
                message_id=message_id,
                reply_markup={"inline_keyboard": []},
            )


class TelegramInput(InputChannel):
    """Receives Telegram's webhook; see the module docstring."""

    def __init__(self, config: TelegramConfig | None, secret_key: bytes) -> None:
        self.config = config
        self.secret_key = secret_key
        self.seen_updates = RecentIds(REMEMBERED_UPDATES)

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        """Reads the environment, never credentials.yml, so no token is ever committed."""
        config = TelegramConfig.from_env(os.environ)
        if config is None:
            logger.info(
                "Telegram channel off: set TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN to switch it on."
            )
        return cls(config, load_settings().secret_key)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("telegram_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            if self.config is None:
                return response.json({"error": "channel not configured"}, status=404)
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            secret = request.headers.get(SECRET_HEADER, "")
            # Nothing is read for a request that is refused anyway.
            body = await read_body(request, MAX_BODY_BYTES) if self.accepts(secret) else b""
            status, answer = await self.respond(secret, body, request.app.ctx.agent, on_new_message)
            return response.json(answer, status=status)

        return webhook

    def accepts(self, offered_secret: str) -> bool:
        """Whether the channel is on and `offered_secret` is its secret token."""
        config = self.config
        return config is not None and hmac.compare_digest(
            offered_secret.encode(), config.secret_token.encode()
        )

    async def respond(
        self,
        offered_secret: str,
        body: bytes | None,
        agent: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) of the webhook's answer to one request; `body` is
        None when it was over MAX_BODY_BYTES and not read."""
        config = self.config
        if config is None:
            return 404, {"error": "channel not configured"}
        if not self.accepts(offered_secret):
            return 403, {"error": "forbidden"}
        if body is None or len(body) > MAX_BODY_BYTES:
            return 413, {"error": "body too large"}
        try:
            update = json.loads(body)
            incoming = parse_update(update)
        except (ValueError, RecursionError) as error:
            return 400, {"error": str(error) if isinstance(error, InvalidUpdate) else "the body must be JSON"}
        if incoming is None or not self.seen_updates.is_new(update["update_id"]):
            return 200, {"ok": True}
        try:
            await self.handle(config, incoming, agent, on_new_message)
        except Exception:
            logger.exception("Handling a Telegram %s update failed.", incoming.kind)
        return 200, {"ok": True}

    async def handle(
        self,
        config: TelegramConfig,
        incoming: Incoming,
        agent: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        output = TelegramOutput(config, incoming.chat_id)
        sender = conversation_id("telegram", str(incoming.chat_id), self.secret_key)
        text = incoming.text
        if incoming.kind == "button":
            await output.call("answerCallbackQuery", callback_query_id=incoming.callback_id)
            button = pressed_button(incoming.text, *await last_prompt(agent, sender))
            if button is None:
                await output.remove_keyboard(incoming.message_id)
                await self._say(output, agent, sender, incoming, "telegram.stale_button")
                return
            await output.show_choice(incoming.message_id, incoming.message_text, str(button.get("title", "")))
            text = str(button.get("payload", ""))
        elif incoming.kind == "media":
            await self._say(output, agent, sender, incoming, "channel.text_only")
            return
        text, metadata = clean_message(text, {"language": incoming.language})
        message = UserMessage(text, output, sender, input_channel=self.name(), metadata=metadata)
        if await turn_failed(on_new_message, message, agent, lambda: output.sent > 0):
            await self._say(output, agent, sender, incoming, "system.unavailable")

    @staticmethod
    async def _say(output: TelegramOutput, agent: Any, sender: str, incoming: Incoming, key: str) -> None:
        """A reply the channel writes itself, in the conversation's language."""
        language = await conversation_language(agent, sender) or incoming.language
        await output.send_text_message(sender, t(key, language))

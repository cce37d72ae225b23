"""Telegram at /webhooks/telegram/webhook, instead of Rasa's own Telegram channel.

On only with TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN (else 404; it never calls
Telegram at start-up: `make telegram-webhook` registers the webhook). Checks Telegram's
secret-token header; buttons become an inline keyboard; media gets a "text only" reply.
A confirmation comes as its text with the link, then its PDF as a document (sendDocument).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.base import (
    ConfirmationLinks,
    MessagingInput,
    OnNewMessage,
    clean_message,
    confirmation_in,
    handle_turn,
    last_prompt,
    post_with_retries,
    required_env,
    say,
    split_text,
    typed_text,
    url_env,
)
from bot.core.confirmation_document import ConfirmationDocument, document_for_token
from bot.core.i18n import LANGUAGES, t
from bot.core.registry import RegistryUnavailable

if TYPE_CHECKING:
    from typing_extensions import Self

logger = logging.getLogger(__name__)

# Makes a confirmation's PDF from its token (blocking: run in a thread).
DocumentMaker = Callable[[str], ConfirmationDocument | None]

DEFAULT_API_BASE = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT_CHARS = 4096
MAX_CALLBACK_DATA_BYTES = 64
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
    def from_env(cls, env: Mapping[str, str]) -> Self | None:
        """The settings, or None when the token or the secret is not set (the channel
        is then off); TELEGRAM_API_BASE points it at another Bot API server (tests)."""
        values = required_env(env, "TELEGRAM_BOT_TOKEN", "TELEGRAM_SECRET_TOKEN")
        if values is None:
            return None
        token, secret = values
        return cls(token, secret, url_env(env, "TELEGRAM_API_BASE", DEFAULT_API_BASE))

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
    """Telegram's reply_markup: one button a row, callback_data `<prompt key>:<index>`
    (a Rasa payload may be longer than Telegram's 64 bytes of callback_data)."""
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
class Inbound:
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


def parse_update(update: Any) -> Inbound | None:
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
        sender = message.get("from")
        language = language_from_code(sender.get("language_code") if isinstance(sender, dict) else None)
        if "text" in message:
            text = _require(message["text"], str, "message.text")
            return Inbound("text", chat_id, language, text=command_as_text(text))
        if any(field in message for field in MEDIA_FIELDS):
            return Inbound("media", chat_id, language)
        return None
    if "callback_query" in update:
        query = _require(update["callback_query"], dict, "callback_query")
        callback_id = _require(query.get("id"), str, "callback_query.id")
        sender = _require(query.get("from"), dict, "callback_query.from")
        pressed = query.get("message")
        message = pressed if isinstance(pressed, dict) else {}
        pressed_chat = message.get("chat")
        chat = pressed_chat if isinstance(pressed_chat, dict) else {}
        # Without the message (a very old or inline one), the private chat's id is the user's.
        chat_id = _require(chat.get("id", sender.get("id")), (int, str), "callback_query.from.id")
        message_id = message.get("message_id")
        text = message.get("text")
        return Inbound(
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

    def __init__(
        self, config: TelegramConfig, chat_id: int | str, documents: DocumentMaker = document_for_token
    ) -> None:
        self.config = config
        self.chat_id = chat_id
        self.documents = documents
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

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """A confirmation (its text and link went out just before) gets its PDF as a
        document. Other custom JSON is for other channels: never sent as text."""
        confirmation = confirmation_in(json_message)
        if confirmation is None:
            logger.info("A reply's custom JSON has nothing for Telegram; not sent.")
            return
        self.sent += 1
        await self.send_confirmation_pdf(confirmation)

    async def send_confirmation_pdf(self, confirmation: ConfirmationLinks) -> bool:
        """Uploads the confirmation's PDF, made here from its token, with a caption;
        False when it could not be made or sent (the text with the link stands)."""
        try:
            document = await asyncio.to_thread(self.documents, confirmation.token)
        except RegistryUnavailable as error:  # its message holds no personal data
            logger.warning("The confirmation PDF was not sent, only its link: %s.", error)
            return False
        except Exception as error:  # noqa: BLE001 - the link already went out
            logger.error(
                "Making the confirmation PDF failed (%s); only its link was sent.", type(error).__name__
            )
            return False
        if document is None:
            logger.warning("The confirmation of a reply is no longer in the database; its PDF was not sent.")
            return False
        caption = t("delivery.document_caption", document.language, number=document.number)

        def form() -> aiohttp.FormData:
            fields = aiohttp.FormData()
            fields.add_field("chat_id", str(self.chat_id))
            fields.add_field("caption", caption)
            fields.add_field(
                "document", document.pdf, filename=document.filename, content_type="application/pdf"
            )
            return fields

        answer = await post_with_retries(
            self.config.method_url("sendDocument"), form=form, what="Telegram sendDocument"
        )
        return bool(answer and answer.get("ok"))

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


class TelegramInput(MessagingInput[TelegramConfig]):
    """Telegram's webhook: 403 unless the secret-token header matches (checked before
    the body is read), 400 for a body that is not an Update, 200 for every other.
    Edited messages, channel posts, membership changes and group chats are ignored."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(
        self,
        config: TelegramConfig | None,
        secret_key: bytes,
        shared_store: str | None = None,
        documents: DocumentMaker = document_for_token,
    ) -> None:
        super().__init__(config, secret_key, shared_store)
        # How the PDF of a confirmation is made: by default from this process's
        # database and profile (bot.core.confirmation_document).
        self.documents = documents

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        return cls.from_config(TelegramConfig.from_env(os.environ))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
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
            body = await self.read_body(request) if self.accepts(secret) else b""
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
        self, offered_secret: str, body: bytes | None, agent: Any, on_new_message: OnNewMessage
    ) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) of the webhook's answer to one request; `body` is
        None when it was over the limit and not read."""
        config = self.config
        if config is None:
            return 404, {"error": "channel not configured"}
        if not self.accepts(offered_secret):
            return 403, {"error": "forbidden"}
        if body is None or len(body) > self.max_body_bytes:
            return 413, {"error": "body too large"}
        try:
            update = json.loads(body)
            inbound = parse_update(update)
        except (ValueError, RecursionError) as error:
            return 400, {"error": str(error) if isinstance(error, InvalidUpdate) else "the body must be JSON"}
        # An update that passed the checks is answered 200 whatever happens next, so
        # Telegram never re-sends it; a re-delivery after a slow turn is dropped.
        if inbound is None or not await self.seen.is_new(update["update_id"]):
            return 200, {"ok": True}
        # Answered once the turn's replies were sent: Telegram delivers a chat's next
        # update only then, and the turns of one person run in order anyway.
        sender_id = self.sender_id(str(inbound.chat_id))
        turn = await self.turns.run(
            sender_id,
            self.handle(config, sender_id, inbound, agent, on_new_message),
            f"Telegram {inbound.kind} update",
        )
        await turn
        return 200, {"ok": True}

    async def handle(
        self,
        config: TelegramConfig,
        sender_id: str,
        inbound: Inbound,
        agent: Any,
        on_new_message: OnNewMessage,
    ) -> None:
        """One turn: a button press mapped back to its payload through the latest
        prompt (a press on an earlier one gets a polite reply), media answered
        "text only", text handed to Rasa; the replies go to the chat."""
        output = TelegramOutput(config, inbound.chat_id, self.documents)
        text = inbound.text
        if inbound.kind == "button":
            await output.call("answerCallbackQuery", callback_query_id=inbound.callback_id)
            button = pressed_button(inbound.text, *await last_prompt(agent, sender_id))
            if button is None:
                await output.remove_keyboard(inbound.message_id)
                await say(output, agent, sender_id, "telegram.stale_button", inbound.language)
                return
            await output.show_choice(inbound.message_id, inbound.message_text, str(button.get("title", "")))
            text = str(button.get("payload", ""))
        elif inbound.kind == "media":
            await say(output, agent, sender_id, "channel.text_only", inbound.language)
            return
        text, metadata = clean_message(text, {"language": inbound.language})
        message = UserMessage(text, output, sender_id, input_channel=self.name(), metadata=metadata)
        await handle_turn(on_new_message, message, agent, lambda: output.sent > 0, inbound.language)

"""WhatsApp through Twilio: POST /webhooks/whatsapp/webhook.

Twilio posts each incoming WhatsApp message as a form; the replies go back through
Twilio's Messages API. What this channel adds to Rasa's own `twilio` connector:

- every request must carry a valid `X-Twilio-Signature` (403 otherwise), checked
  by the `twilio` package's RequestValidator against the public webhook URL and
  the form fields; a malformed
  request gets a 400, never a 500; a replayed MessageSid is ignored; a body over
  MAX_BODY_BYTES gets a 413 before it is read;
- the text reaches the assistant as written (¡, ¿, accents, emoji), cleaned of what
  NLU cannot read (`clean_message`), and never as an intent payload: a leading "/"
  is dropped, only the numbered choices below pick a button's payload;
- buttons become one message with a numbered list, and a reply such as "2",
  "2." or "opción 2" is taken as the second button's payload;
- long replies are split at sentence boundaries into WhatsApp-sized messages,
  sent in order with aiohttp and bounded retries, never blocking the event loop;
- the conversation id is a keyed hash of the number: the number itself lives only
  in memory, in the output channel of the turn that replies to it;
- the starting language is guessed from the country calling code and passed as
  metadata, which the actions use only while the person has not chosen one.

The channel is switched on by TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN,
TWILIO_WHATSAPP_NUMBER and TWILIO_WEBHOOK_URL (TWILIO_API_BASE is optional);
without them the webhook answers 404 and nothing calls the network.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from multidict import MultiDict
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot.channels.common import (
    MAX_MESSAGE_CHARS,
    RecentIds,
    choose_button,
    clean_message,
    conversation_id,
    conversation_language,
    last_buttons,
    post_with_retries,
    read_body,
    split_text,
    turn_failed,
    typed_text,
)
from bot.core.calling_codes import language_for_number
from bot.core.i18n import t
from bot.core.settings import load_settings

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
DEFAULT_API_BASE = "https://api.twilio.com"
# Twilio refuses a WhatsApp message body over 1,600 characters.
WHATSAPP_MAX_CHARS = 1_600
# A real webhook form is a few hundred bytes (the text is at most 1,600 characters).
MAX_BODY_BYTES = 64_000
MAX_FIELDS = 100
# Twilio gives up on a webhook after 15 s. The turn normally ends well within
# this, so Twilio's log shows the real outcome; a slower turn (the outbound API
# retrying, say) goes on in the background after the answer.
ANSWER_WITHIN_S = 10.0
REMEMBERED_MESSAGE_SIDS = 10_000
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

_WHATSAPP_NUMBER = re.compile(r"^whatsapp:\+[1-9]\d{5,14}$")
_MESSAGE_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")


async def _after(previous: asyncio.Task[None] | None, turn: Awaitable[None]) -> None:
    """Runs `turn` once the same person's previous turn has ended, so their messages
    are answered in order."""
    if previous is not None:
        await asyncio.wait([previous])
    try:
        await turn
    except Exception:
        logger.exception("Answering a WhatsApp message failed.")


@dataclass(frozen=True)
class TwilioConfig:
    account_sid: str
    auth_token: str
    sender: str
    webhook_url: str
    api_base: str = DEFAULT_API_BASE

    @property
    def messages_url(self) -> str:
        return f"{self.api_base}/2010-04-01/Accounts/{self.account_sid}/Messages.json"


def load_config(env: Mapping[str, str]) -> TwilioConfig | None:
    """The Twilio settings, or None when any required variable is unset."""
    values = [
        env.get(name, "").strip()
        for name in (
            "TWILIO_ACCOUNT_SID",
            "TWILIO_AUTH_TOKEN",
            "TWILIO_WHATSAPP_NUMBER",
            "TWILIO_WEBHOOK_URL",
        )
    ]
    if not all(values):
        return None
    api_base = (env.get("TWILIO_API_BASE") or DEFAULT_API_BASE).strip().rstrip("/")
    return TwilioConfig(*values, api_base=api_base)


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """What Twilio puts in X-Twilio-Signature for these form fields (a name may come
    several times), computed by the `twilio` package's own RequestValidator."""
    return RequestValidator(auth_token).compute_signature(url, MultiDict(params))


def signature_matches(
    auth_token: str, url: str, params: Iterable[tuple[str, str]], signature: str | None
) -> bool:
    """Twilio's own check (constant-time, and the URL with or without its default
    port, as Twilio signs either); a missing signature never matches."""
    if not signature:
        return False
    return RequestValidator(auth_token).validate(url, MultiDict(params), signature)


def form_fields(body: bytes) -> dict[str, str]:
    """The fields of a form-encoded body; ValueError when it is not one (bad
    encoding, too many fields, or a name given twice, which Twilio never does)."""
    pairs = urllib.parse.parse_qsl(
        body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body), max_num_fields=MAX_FIELDS
    )
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise ValueError("a field is given more than once")
    return fields


@dataclass(frozen=True)
class Inbound:
    number: str  # "whatsapp:+59171234567"
    text: str
    message_sid: str


def read_inbound(fields: Mapping[str, str]) -> Inbound | str:
    """The message in a Twilio webhook form, or the reason it is invalid."""
    number = fields.get("From")
    if number is None:
        return "'From' is missing"
    if not _WHATSAPP_NUMBER.match(number):
        return "'From' must be a WhatsApp number such as whatsapp:+59171234567"
    message_sid = fields.get("MessageSid", "")
    if not _MESSAGE_SID.match(message_sid):
        return "'MessageSid' is missing or malformed"
    if not fields.get("NumMedia", "0").isdigit():
        return "'NumMedia' must be a number"
    return Inbound(number, fields.get("Body", "")[:MAX_MESSAGE_CHARS], message_sid)


def render(text: str, buttons: list[dict[str, Any]], language: str | None) -> str:
    """One WhatsApp message: the text, then the buttons as a numbered list and how
    to choose."""
    if not buttons:
        return text
    choices = [f"{index}. {button.get('title', '')}" for index, button in enumerate(buttons, start=1)]
    return "\n".join([text, "", *choices, "", t("whatsapp.choose", language)])


class WhatsAppOutput(OutputChannel):
    """Collects the replies of one turn and then sends them to one number."""

    def __init__(self, config: TwilioConfig, number: str) -> None:
        self._config = config
        self._number = number
        self.replies: list[tuple[str, list[dict[str, Any]]]] = []

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.replies.append((text, []))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        self.replies.append((text, buttons))

    async def deliver(self, language: str | None) -> bool:
        """Sends the collected replies in order; stops at the first that could not
        be sent (a later piece without the earlier one would not make sense)."""
        auth = aiohttp.BasicAuth(self._config.account_sid, self._config.auth_token)
        for text, buttons in self.replies:
            for body in split_text(render(text, buttons, language), WHATSAPP_MAX_CHARS):
                form = {"From": self._config.sender, "To": self._number, "Body": body}
                sent = await post_with_retries(
                    self._config.messages_url, data=form, auth=auth, what="WhatsApp message"
                )
                if sent is None:
                    return False
        return True


def _twiml() -> HTTPResponse:
    return response.text(EMPTY_TWIML, content_type="text/xml")


def _error(reason: str, status: int) -> HTTPResponse:
    return response.json({"error": reason}, status=status)


class WhatsAppInput(InputChannel):
    """The Twilio WhatsApp webhook; see the module docstring."""

    def __init__(self, config: TwilioConfig | None, secret_key: bytes) -> None:
        self._config = config
        self._secret_key = secret_key
        # The latest turn of each conversation: the next one waits for it, so that
        # one person's messages are answered in the order they were sent.
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._seen = RecentIds(REMEMBERED_MESSAGE_SIDS)

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WhatsAppInput:
        # Configured by the environment, never by credentials.yml, so that no
        # credential is committed.
        return cls(load_config(os.environ), load_settings().secret_key)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("whatsapp_webhook", __name__)

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            config = self._config
            if config is None:
                return _error("channel not configured", 404)
            body = await read_body(request, MAX_BODY_BYTES)
            if body is None:
                return _error("body too large", 413)
            if request.content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
                return _error("the body must be form-encoded", 400)
            try:
                fields = form_fields(body)
            except ValueError:
                return _error("the body is not a valid form", 400)
            signature = request.headers.get("X-Twilio-Signature")
            if not signature_matches(config.auth_token, config.webhook_url, fields.items(), signature):
                return _error("invalid signature", 403)
            if "MessageStatus" in fields:
                return _twiml()  # a delivery status callback: nothing to answer
            inbound = read_inbound(fields)
            if isinstance(inbound, str):
                return _error(inbound, 400)
            if not self._seen.is_new(inbound.message_sid):
                return _twiml()
            turn = self._enqueue(config, inbound, request.app.ctx.agent, on_new_message)
            try:
                await asyncio.wait_for(asyncio.shield(turn), ANSWER_WITHIN_S)
            except asyncio.TimeoutError:
                logger.warning("A WhatsApp turn is still running; answering Twilio now.")
            return _twiml()

        return webhook

    def _enqueue(
        self,
        config: TwilioConfig,
        inbound: Inbound,
        agent: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> asyncio.Task[None]:
        sender_id = conversation_id(CHANNEL, inbound.number, self._secret_key)
        previous = self._tails.get(sender_id)
        turn = asyncio.create_task(
            _after(previous, self._handle(config, sender_id, inbound, agent, on_new_message))
        )
        self._tails[sender_id] = turn

        def forget(done: asyncio.Task[None]) -> None:
            if self._tails.get(sender_id) is done:
                del self._tails[sender_id]

        turn.add_done_callback(forget)
        return turn

    @staticmethod
    async def _handle(
        config: TwilioConfig,
        sender_id: str,
        inbound: Inbound,
        agent: Any,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        guessed = language_for_number(inbound.number.removeprefix("whatsapp:"))
        output = WhatsAppOutput(config, inbound.number)
        text, metadata = clean_message(inbound.text, {"language": guessed})
        failed = False
        if text.strip():
            # Read only now, after the previous turn: its buttons are the ones shown.
            payload = choose_button(text, await last_buttons(agent, sender_id))
            message = UserMessage(
                payload or typed_text(text),
                output,
                sender_id,
                input_channel=CHANNEL,
                message_id=inbound.message_sid,
                metadata=metadata,
            )
            failed = await turn_failed(on_new_message, message, agent, lambda: bool(output.replies))
        language = await conversation_language(agent, sender_id) or guessed
        if not text.strip():
            # A photo, voice note, location or contact card: there is no text to read.
            output.replies.append((t("channel.text_only", language), []))
        elif failed:
            output.replies.append((t("system.unavailable", language), []))
        if not await output.deliver(language):
            logger.warning("A WhatsApp reply could not be delivered.")

"""WhatsApp through Twilio at /webhooks/whatsapp/webhook, instead of Rasa's `twilio`.

On only with the TWILIO_* variables (else 404, and no network call). Each request must
carry Twilio's signature; buttons become a numbered list that "2" or "opción 2"
answers (a typed title is read for every channel by bot.typed_buttons); replies go
out through Twilio's Messages API, long ones split. A confirmation comes as its text
with the link, then its PDF as a media message (MediaUrl: Twilio fetches the PDF from
PUBLIC_URL itself).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import aiohttp
from multidict import MultiDict
from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot.channels.base import (
    MAX_MESSAGE_CHARS,
    ConfirmationLinks,
    MessagingInput,
    OnNewMessage,
    choose_button,
    clean_message,
    confirmation_in,
    conversation_language,
    handle_turn,
    last_buttons,
    post_with_retries,
    refusal,
    required_env,
    say,
    split_text,
    typed_text,
    url_env,
)
from bot.core.calling_codes import language_for_number
from bot.core.i18n import t

if TYPE_CHECKING:
    from typing_extensions import Self

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
DEFAULT_API_BASE = "https://api.twilio.com"
# Twilio refuses a WhatsApp message body over 1,600 characters.
WHATSAPP_MAX_CHARS = 1_600
MAX_FIELDS = 100
# Twilio gives up on a webhook after 15 s. The turn normally ends well within
# this, so Twilio's log shows the real outcome; a slower turn (the outbound API
# retrying, say) goes on in the background after the answer.
ANSWER_WITHIN_S = 10.0
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'

_WHATSAPP_NUMBER = re.compile(r"^whatsapp:\+[1-9]\d{5,14}$")
_MESSAGE_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")


@dataclass(frozen=True)
class TwilioConfig:
    account_sid: str
    auth_token: str
    sender: str
    webhook_url: str
    api_base: str = DEFAULT_API_BASE

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Self | None:
        """The settings, or None when any required variable is unset (the channel is
        then off); TWILIO_API_BASE is optional."""
        values = required_env(
            env, "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_NUMBER", "TWILIO_WEBHOOK_URL"
        )
        if values is None:
            return None
        account_sid, auth_token, sender, webhook_url = values
        return cls(
            account_sid, auth_token, sender, webhook_url, url_env(env, "TWILIO_API_BASE", DEFAULT_API_BASE)
        )

    @property
    def messages_url(self) -> str:
        return f"{self.api_base}/2010-04-01/Accounts/{self.account_sid}/Messages.json"


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
    """The message in a Twilio webhook form."""

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


class Outgoing(NamedTuple):
    """One reply to send: text (with buttons), or a confirmation's PDF as media."""

    text: str
    buttons: list[dict[str, Any]]
    document: ConfirmationLinks | None = None


class WhatsAppOutput(OutputChannel):
    """Collects the replies of one turn and then sends them to one number (which
    lives only here, in memory: the conversation id is a keyed hash of it)."""

    def __init__(self, config: TwilioConfig, number: str) -> None:
        self.config = config
        self.number = number
        self.replies: list[Outgoing] = []

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.replies.append(Outgoing(text, []))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        self.replies.append(Outgoing(text, buttons))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """A confirmation (its text and link come just before) gets its PDF as a media
        message. Other custom JSON is for other channels: never sent as text."""
        confirmation = confirmation_in(json_message)
        if confirmation is None:
            logger.info("A reply's custom JSON has nothing for WhatsApp; not sent.")
            return
        self.replies.append(Outgoing("", [], confirmation))

    async def deliver(self, language: str | None) -> bool:
        """Sends the collected replies in order; stops at the first text that could
        not be sent (a later piece without the earlier one would not make sense). A
        PDF that could not be sent stops nothing: its link went out with the text."""
        auth = aiohttp.BasicAuth(self.config.account_sid, self.config.auth_token)
        for text, buttons, document in self.replies:
            if document is not None:
                body = t("delivery.document_caption", language, number=document.number)
                form = {"From": self.config.sender, "To": self.number, "Body": body, "MediaUrl": document.pdf}
                if (
                    await post_with_retries(
                        self.config.messages_url, data=form, auth=auth, what="WhatsApp PDF"
                    )
                    is None
                ):
                    logger.warning("The confirmation PDF was not sent, only its link.")
                continue
            for body in split_text(render(text, buttons, language), WHATSAPP_MAX_CHARS):
                form = {"From": self.config.sender, "To": self.number, "Body": body}
                sent = await post_with_retries(
                    self.config.messages_url, data=form, auth=auth, what="WhatsApp message"
                )
                if sent is None:
                    return False
        return True


def _twiml() -> HTTPResponse:
    return response.text(EMPTY_TWIML, content_type="text/xml")


class WhatsAppInput(MessagingInput[TwilioConfig]):
    """The Twilio WhatsApp webhook: 403 without a valid X-Twilio-Signature, 400 for a
    malformed request (never a 500), a repeated MessageSid ignored. The starting
    language is guessed from the country calling code."""

    # A real webhook form is a few hundred bytes (the text is at most 1,600 characters).
    max_body_bytes = 64_000
    remembered_ids = 10_000

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WhatsAppInput:
        return cls.from_config(TwilioConfig.from_env(os.environ))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint("whatsapp_webhook", __name__)

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            config = self.config
            if config is None:
                return refusal(404, "channel not configured")
            body = await self.read_body(request)
            if body is None:
                return refusal(413, "body too large")
            if request.content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
                return refusal(400, "the body must be form-encoded")
            try:
                fields = form_fields(body)
            except ValueError:
                return refusal(400, "the body is not a valid form")
            signature = request.headers.get("X-Twilio-Signature")
            if not signature_matches(config.auth_token, config.webhook_url, fields.items(), signature):
                return refusal(403, "invalid signature")
            if "MessageStatus" in fields:
                return _twiml()  # a delivery status callback: nothing to answer
            inbound = read_inbound(fields)
            if isinstance(inbound, str):
                return refusal(400, inbound)
            if not await self.seen.is_new(inbound.message_sid):
                return _twiml()
            sender_id = self.sender_id(inbound.number)
            turn = await self.turns.run(
                sender_id,
                self.handle(config, sender_id, inbound, request.app.ctx.agent, on_new_message),
                "WhatsApp message",
            )
            try:
                await asyncio.wait_for(asyncio.shield(turn), ANSWER_WITHIN_S)
            except asyncio.TimeoutError:
                logger.warning("A WhatsApp turn is still running; answering Twilio now.")
            return _twiml()

        return webhook

    async def handle(
        self,
        config: TwilioConfig,
        sender_id: str,
        inbound: Inbound,
        agent: Any,
        on_new_message: OnNewMessage,
    ) -> None:
        """One turn: the message to Rasa (a numbered choice as its button's payload,
        typed text never as an intent payload), then the replies to the number."""
        guessed = language_for_number(inbound.number.removeprefix("whatsapp:"))
        output = WhatsAppOutput(config, inbound.number)
        text, metadata = clean_message(inbound.text, {"language": guessed})
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
            await handle_turn(on_new_message, message, agent, lambda: bool(output.replies), guessed)
        else:
            # A photo, voice note, location or contact card: there is no text to read.
            await say(output, agent, sender_id, "channel.text_only", guessed)
        language = await conversation_language(agent, sender_id) or guessed
        if not await output.deliver(language):
            logger.warning("A WhatsApp reply could not be delivered.")

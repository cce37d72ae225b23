"""WhatsApp for the end-to-end tests: the fake Twilio's settings and answers, signed
webhook forms shaped like Twilio's, and a person whose replies are read from what
the assistant sent to the fake Twilio's Messages API."""

from __future__ import annotations

import json
import random
import re
import urllib.parse
import uuid
from dataclasses import dataclass, field
from email.utils import formatdate

from bot.channels.base import conversation_id
from bot.channels.whatsapp import twilio_signature
from bot.launcher import Stack
from tests.e2e.support import AUTH_TOKEN, http
from tests.fakes.recorder import Recorded, RecordingServer

ACCOUNT_SID = "AC" + uuid.uuid4().hex
TWILIO_AUTH_TOKEN = uuid.uuid4().hex
SENDER = "whatsapp:+14155238886"
WEBHOOK_PATH = "/webhooks/whatsapp/webhook"
MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def webhook_url(rasa_port: int) -> str:
    return f"http://127.0.0.1:{rasa_port}{WEBHOOK_PATH}"


def twilio_environment(api_base: str, rasa_port: int) -> dict[str, str]:
    """The variables that switch the channel on, pointed at the fake Twilio."""
    return {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_AUTH_TOKEN,
        "TWILIO_WHATSAPP_NUMBER": SENDER,
        "TWILIO_WEBHOOK_URL": webhook_url(rasa_port),
        "TWILIO_API_BASE": api_base,
    }


def message_resource(recorded: Recorded) -> dict:
    """What Twilio answers to a created message (the Message resource)."""
    sid = "SM" + uuid.uuid4().hex
    now = formatdate(usegmt=True).replace("GMT", "+0000")
    return {
        "account_sid": ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": recorded.body.get("Body"),
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": recorded.body.get("From"),
        "messaging_service_sid": None,
        # A media message (the confirmation's PDF) names its file in MediaUrl.
        "num_media": "1" if recorded.body.get("MediaUrl") else "0",
        "num_segments": "1",
        "price": None,
        "price_unit": None,
        "sid": sid,
        "status": "queued",
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media.json"},
        "to": recorded.body.get("To"),
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
    }


def new_number(country_prefix: str) -> str:
    """An E.164 number no other test uses, e.g. new_number("+5917")."""
    return country_prefix + "".join(random.choices("0123456789", k=12 - len(country_prefix)))


def incoming_form(number: str, body: str | None, **overrides: str | None) -> dict[str, str]:
    """The form Twilio posts for an incoming WhatsApp message; None removes a field."""
    sid = "SM" + uuid.uuid4().hex
    fields: dict[str, str | None] = {
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ProfileName": "Ana Pérez",
        "MessageType": "text",
        "SmsSid": sid,
        "WaId": number.lstrip("+"),
        "SmsStatus": "received",
        "Body": body,
        "To": SENDER,
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": f"whatsapp:{number}",
        "ApiVersion": "2010-04-01",
        **overrides,
    }
    return {name: value for name, value in fields.items() if value is not None}


def post_webhook(
    stack: Stack,
    fields: dict[str, str],
    *,
    token: str = TWILIO_AUTH_TOKEN,
    signed_url: str | None = None,
    body: bytes | None = None,
    content_type: str = "application/x-www-form-urlencoded",
    signature: str | None = None,
) -> tuple[int, bytes, dict]:
    """Posts `fields` form-encoded, signed as Twilio does unless told otherwise."""
    url = webhook_url(stack.settings.rasa_port)
    headers = {"Content-Type": content_type}
    if signature is None:
        signature = twilio_signature(token, signed_url or url, fields.items())
    if signature:
        headers["X-Twilio-Signature"] = signature
    raw = urllib.parse.urlencode(fields).encode() if body is None else body
    return http("POST", url, raw, headers)


_CHOICE_LINE = re.compile(r"^(\d+)\. (.+)$", re.MULTILINE)


@dataclass
class WhatsAppChat:
    """One person writing to the assistant on WhatsApp."""

    stack: Stack
    twilio: RecordingServer
    number: str = field(default_factory=lambda: new_number("+5917"))
    last: list[str] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"whatsapp:{self.number}"

    @property
    def sender_id(self) -> str:
        return conversation_id("whatsapp", self.address, self.stack.settings.secret_key)

    def received(self) -> list[Recorded]:
        """Every request the assistant made to send this person a message (retries too)."""
        return self.twilio.matching(lambda request: request.body.get("To") == self.address)

    def media(self) -> list[Recorded]:
        """The media messages (a MediaUrl) the assistant sent this person."""
        return [request for request in self.received() if "MediaUrl" in request.body]

    def send(self, fields: dict[str, str]) -> list[str]:
        """Posts one signed webhook form; returns the texts sent back for it."""
        before = len(self.received())
        status, raw, headers = post_webhook(self.stack, fields)
        assert status == 200, raw
        content_type = {name.lower(): value for name, value in headers.items()}["content-type"]
        assert raw.decode() == EMPTY_TWIML and content_type.startswith("text/xml")
        self.last = [request.body["Body"] for request in self.received()[before:]]
        return self.last

    def say(self, text: str | None, **overrides: str | None) -> list[str]:
        replies = self.send(incoming_form(self.number, text, **overrides))
        assert replies, f"no reply to {text!r}"
        return replies

    @property
    def text(self) -> str:
        return "\n".join(self.last)

    def choice(self, title: str) -> str:
        """The number in front of `title` in the numbered list of the latest reply."""
        numbers = {label: number for number, label in _CHOICE_LINE.findall(self.text)}
        assert title in numbers, f"{title!r} is not among the choices:\n{self.text}"
        return numbers[title]

    def tracker(self) -> dict:
        rasa = f"http://127.0.0.1:{self.stack.settings.rasa_port}"
        status, raw, _ = http("GET", f"{rasa}/conversations/{self.sender_id}/tracker?token={AUTH_TOKEN}")
        assert status == 200, raw
        return json.loads(raw)

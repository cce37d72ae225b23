"""The REST channel at /webhooks/rest/webhook, hardened for public use.

It keeps Rasa's request and response shape ({sender, message, metadata} in, a
list of {recipient_id, text, buttons} out) and adds what Rasa's own channel lacks:
a body over MAX_BODY_BYTES gets a 413 before it is read, a broken one a 400 instead
of a 500; text and metadata are cleaned (`clean_message`) before Rasa sees them;
message text is never logged; and when a turn failed (the action server is down,
say) the person gets an apology in their language instead of silence. "/intent"
payloads stay allowed here: this is Rasa's programmatic API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.common import clean_message, conversation_language, read_body, turn_failed
from bot.core.i18n import t

MAX_SENDER_CHARS = 128
MAX_BODY_BYTES = 200_000


def _bad_request(reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=400)


def parse_body(body: Any) -> tuple[str, str, dict[str, str]] | str:
    """(sender, text, metadata) from a decoded JSON body, text and metadata cleaned,
    or the reason it is invalid."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    sender = body.get("sender")
    # The sender is the conversation id every store keeps: what cleaning would change
    # (a lone surrogate, a control character) is refused rather than changed.
    if (
        not isinstance(sender, str)
        or not sender.strip()
        or len(sender) > MAX_SENDER_CHARS
        or clean_message(sender, None)[0] != sender
    ):
        return (
            f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters,"
            " without control characters"
        )
    text = body.get("message", "")
    if text is None:
        text = ""
    if not isinstance(text, str):
        return "'message' must be a string"
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict):
        return "'metadata' must be a JSON object"
    return sender, *clean_message(text, metadata)


class RestInput(InputChannel):
    """Drop-in replacement for Rasa's `rest` channel (same URL and payloads)."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            if await read_body(request, MAX_BODY_BYTES) is None:
                return response.json({"error": "body too large"}, status=413)
            try:
                body = request.json
            except Exception:  # noqa: BLE001 - sanic raises several types for bad JSON
                return _bad_request("the body must be JSON")
            parsed = parse_body(body)
            if isinstance(parsed, str):
                return _bad_request(parsed)
            sender, text, metadata = parsed
            collector = CollectingOutputChannel()
            message = UserMessage(text, collector, sender, input_channel=self.name(), metadata=metadata)
            if await turn_failed(
                on_new_message, message, request.app.ctx.agent, lambda: bool(collector.messages)
            ):
                language = await conversation_language(request.app.ctx.agent, sender) or metadata.get(
                    "language"
                )
                collector.messages.append({"recipient_id": sender, "text": t("system.unavailable", language)})
            return response.json(collector.messages)

        return webhook

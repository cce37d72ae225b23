"""The REST channel at /webhooks/rest/webhook, hardened for public use.

It keeps Rasa's request and response shape ({sender, message, metadata} in, a
list of {recipient_id, text, buttons} out) and adds what Rasa's own channel lacks:
a broken body gets a 400 instead of a 500, message text is never logged, and when
the conversation produced no reply at all (the action server is down, say) the
person gets an apology in their language instead of silence.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.common import conversation_language
from bot.i18n import LANGUAGES, t

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128
# Longer text is cut before NLU: no answer the assistant asks for is anywhere near
# this long, and the validators then explain what they expected.
MAX_MESSAGE_CHARS = 2_000
MAX_BODY_BYTES = 200_000


def _bad_request(reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=400)


def parse_body(body: Any) -> tuple[str, str, dict[str, Any]] | str:
    """(sender, text, metadata) from a decoded JSON body, or the reason it is invalid."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters"
    text = body.get("message", "")
    if text is None:
        text = ""
    if not isinstance(text, str):
        return "'message' must be a string"
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict):
        return "'metadata' must be a JSON object"
    language = metadata.get("language")
    metadata = {key: value for key, value in metadata.items() if key != "language"}
    if language in LANGUAGES:
        metadata["language"] = language
    return sender, text[:MAX_MESSAGE_CHARS], metadata


class RestInput(InputChannel):
    """Drop-in replacement for Rasa's `rest` channel (same URL and payloads)."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        webhook = Blueprint("rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if len(request.body or b"") > MAX_BODY_BYTES:
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
            try:
                await on_new_message(
                    UserMessage(
                        text, collector, sender, input_channel=self.name(), metadata=metadata
                    )
                )
            except Exception:
                logger.exception("Handling a REST message failed.")
            if not collector.messages:
                language = await conversation_language(
                    request.app.ctx.agent, sender
                ) or metadata.get("language")
                collector.messages.append(
                    {"recipient_id": sender, "text": t("system.unavailable", language)}
                )
            return response.json(collector.messages)

        return webhook

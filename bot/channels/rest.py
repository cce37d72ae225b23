"""The REST channel at /webhooks/rest/webhook: Rasa's own, hardened for public use.

Same request and response shape as Rasa's `rest` channel ("/intent" payloads stay
allowed: this is Rasa's programmatic API), with a bounded body, 400 for a broken one,
cleaned text and metadata, and the apology instead of silence when a turn failed.

A client may name each message with a `message_id`. A message sent again with the
same id (a retry after a timeout or a server that died after answering) is not
processed twice: the replies that followed it in the stored conversation are sent
again. A retry that arrives while the first attempt is still being processed is not
caught: the client should retry only after a failure.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.base import (
    OnNewMessage,
    WebhookInput,
    clean_message,
    handle_turn,
    refusal,
    stored_tracker,
)

MAX_SENDER_CHARS = 128


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


def parse_message_id(body: dict[str, Any]) -> str | None:
    """The body's `message_id`, None when absent; ValueError when not a usable id."""
    message_id = body.get("message_id")
    if message_id is None:
        return None
    if (
        not isinstance(message_id, str)
        or not 0 < len(message_id) <= MAX_SENDER_CHARS
        or clean_message(message_id, None)[0] != message_id
    ):
        raise ValueError(f"'message_id' must be a string of 1 to {MAX_SENDER_CHARS} characters")
    return message_id


async def replies_to(agent: Any, sender: str, message_id: str) -> list[dict[str, Any]] | None:
    """The replies that followed the stored message `message_id` of this conversation,
    as the REST channel sent them (Rasa's own output channel renders them again), or
    None when no such message is stored (or the conversation cannot be read)."""
    tracker = await stored_tracker(agent, sender)
    if tracker is None:
        return None
    collector: CollectingOutputChannel | None = None
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if collector is not None:
                break
            if event.message_id == message_id:
                collector = CollectingOutputChannel()
        elif isinstance(event, BotUttered) and collector is not None:
            await collector.send_response(sender, {"text": event.text, **event.data})
    return None if collector is None else collector.messages


class RestInput(WebhookInput):
    """Drop-in replacement for Rasa's `rest` channel (same URL and payloads). Message
    text is never logged."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint("rest_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            if await self.read_body(request) is None:
                return refusal(413, "body too large")
            try:
                body = request.json
            except Exception:  # noqa: BLE001 - sanic raises several types for bad JSON
                return refusal(400, "the body must be JSON")
            parsed = parse_body(body)
            if isinstance(parsed, str):
                return refusal(400, parsed)
            sender, text, metadata = parsed
            try:
                message_id = parse_message_id(body)
            except ValueError as error:
                return refusal(400, str(error))
            if message_id:
                replayed = await replies_to(request.app.ctx.agent, sender, message_id)
                if replayed is not None:
                    return response.json(replayed)
            collector = CollectingOutputChannel()
            message = UserMessage(
                text,
                collector,
                sender,
                input_channel=self.name(),
                metadata=metadata,
                message_id=message_id,
            )
            await handle_turn(
                on_new_message,
                message,
                request.app.ctx.agent,
                lambda: bool(collector.messages),
                metadata.get("language"),
            )
            return response.json(collector.messages)

        return webhook

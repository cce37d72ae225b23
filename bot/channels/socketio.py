"""The web chat's socket.io channel: Rasa's own, with each message cleaned first.

Registered in credentials.yml with the same name ("socketio") and options as Rasa's;
intent payloads ("/affirm") stay allowed, the web chat's buttons send them. A reply
that carries a confirmation in its custom JSON reaches the page as one message: its
text, and `confirmation` with the number and the addresses of the page and the PDF
(bot/static/chat.js checks them and shows them as links).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.core.channels.socketio import SocketIOOutput
from sanic import Blueprint
from sanic.exceptions import ServerError

from bot.channels.base import ConfirmationLinks, OnNewMessage, clean_message, confirmation_in

logger = logging.getLogger(__name__)
SANIC_ERRORS = logging.getLogger("sanic.error")


class SocketCloseNoise(logging.Filter):
    """Drops Sanic's error for a socket.io request whose handler returned None.

    python-engineio's Sanic driver returns None from its request handler once a
    WebSocket has closed, and Sanic 21 logs that as "Invalid response type None" with
    a traceback, for every chat socket that closes normally: a false error."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not (
            isinstance(error, ServerError)
            and str(error).startswith("Invalid response type None")
            and "/socket.io/" in record.getMessage()
        )


def web_confirmation(confirmation: ConfirmationLinks) -> dict[str, str]:
    """What the page gets of a confirmation: no more than it shows."""
    return {"number": confirmation.number, "page": confirmation.page, "pdf": confirmation.pdf}


class WebChatOutput(SocketIOOutput):
    """Rasa's socket.io output, which sends a confirmation with the text it belongs to.

    Rasa's own emits custom JSON as the keyword arguments of `emit`: a TypeError for
    `{"confirmation": ...}`, which would end the turn."""

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        confirmation = confirmation_in(message.get("custom"))
        text = message.get("text")
        if confirmation is None or not text or message.get("buttons") or message.get("quick_replies"):
            await super().send_response(recipient_id, message)
            return
        # As Rasa's send_text_message: one message a paragraph; the last one carries it.
        parts = text.strip().split("\n\n")
        for part in parts[:-1]:
            await self._send_message(recipient_id, {"text": part})
        await self._send_message(
            recipient_id, {"text": parts[-1], "confirmation": web_confirmation(confirmation)}
        )
        rest = {key: value for key, value in message.items() if key not in ("text", "custom")}
        await super().send_response(recipient_id, rest)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """A confirmation without text of its own (after buttons) is a message of its
        own. The page shows nothing else of custom JSON: the rest is not sent."""
        confirmation = confirmation_in(json_message)
        if confirmation is None:
            logger.info("A reply's custom JSON has nothing for the web chat; not sent.")
            return
        await self._send_message(recipient_id, {"text": "", "confirmation": web_confirmation(confirmation)})


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socket.io channel whose messages are cleaned before Rasa sees them, and
    whose replies go through WebChatOutput."""

    def get_output_channel(self) -> OutputChannel | None:
        if self.sio is None:
            return super().get_output_channel()
        return WebChatOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        # Here, after Sanic has configured its loggers when Rasa created the app.
        if not any(isinstance(known, SocketCloseNoise) for known in SANIC_ERRORS.filters):
            SANIC_ERRORS.addFilter(SocketCloseNoise())

        async def cleaned(message: UserMessage) -> Any:
            message.text, message.metadata = clean_message(message.text, message.metadata)
            if type(message.output_channel) is SocketIOOutput:
                output = message.output_channel
                message.output_channel = WebChatOutput(output.sio, output.bot_message_evt)
            return await on_new_message(message)

        return super().blueprint(cleaned)

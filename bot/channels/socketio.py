"""The web chat's socket.io channel: Rasa's own, with each message cleaned first.

Registered in credentials.yml with the same name ("socketio") and options as Rasa's;
intent payloads ("/affirm") stay allowed, the web chat's buttons send them.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint
from sanic.exceptions import ServerError

from bot.channels.base import OnNewMessage, clean_message

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


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socket.io channel whose messages are cleaned before Rasa sees them."""

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        # Here, after Sanic has configured its loggers when Rasa created the app.
        if not any(isinstance(known, SocketCloseNoise) for known in SANIC_ERRORS.filters):
            SANIC_ERRORS.addFilter(SocketCloseNoise())

        async def cleaned(message: UserMessage) -> Any:
            message.text, message.metadata = clean_message(message.text, message.metadata)
            return await on_new_message(message)

        return super().blueprint(cleaned)

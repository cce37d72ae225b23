"""The web chat's socket.io channel: Rasa's own, with each message cleaned first.

Registered in credentials.yml as `bot.channels.socketio.SocketIOInput` with the same
options as Rasa's `socketio`. It keeps Rasa's name ("socketio", so the blueprint's
prefix and the output channel's name are unchanged), its socket.io path and events,
and only wraps the callback: every message's text and metadata pass `clean_message`
before Rasa sees them. Intent payloads ("/affirm") stay allowed: the web chat's
buttons send them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint

from bot.channels.common import clean_message


class SocketIOInput(RasaSocketIOInput):
    """Rasa's socket.io channel whose messages are cleaned before Rasa sees them."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def cleaned(message: UserMessage) -> Any:
            message.text, message.metadata = clean_message(message.text, message.metadata)
            return await on_new_message(message)

        return super().blueprint(cleaned)

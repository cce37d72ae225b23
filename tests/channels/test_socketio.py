"""The web chat's socket.io channel: credentials.yml registers our subclass of Rasa's
with the same options and name, and a real socket.io client's messages reach Rasa
cleaned through /socket.io/, with the replies coming back."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
import rasa.shared.utils.common
import rasa.shared.utils.io
import socketio
from rasa.core.channels import BUILTIN_CHANNELS
from rasa.core.channels import socketio as rasa_socketio
from rasa.shared.core.events import BotUttered
from sanic.exceptions import ServerError

from bot.channels.socketio import SocketCloseNoise, SocketIOInput, WebChatOutput
from bot.core.settings import PROJECT_ROOT
from tests.fakes.rasa import Agent, intent_event, nested, serve

CREDENTIALS = PROJECT_ROOT / "credentials.yml"


def web_chat_channel() -> SocketIOInput:
    """The socket.io channel `rasa run --credentials credentials.yml` creates, made as
    rasa.core.run._create_single_channel makes it (importing that module takes seconds)."""
    credentials = rasa.shared.utils.io.read_config_file(str(CREDENTIALS))
    channels = []
    for name, options in credentials.items():
        if name in BUILTIN_CHANNELS:
            channel_class = BUILTIN_CHANNELS[name]
        else:
            channel_class = rasa.shared.utils.common.class_from_module_path(name)
        if issubclass(channel_class, rasa_socketio.SocketIOInput):
            channels.append(channel_class.from_credentials(options))
    assert len(channels) == 1
    return channels[0]


def test_credentials_register_our_subclass_with_rasas_name_and_options() -> None:
    channel = web_chat_channel()
    assert type(channel) is SocketIOInput
    assert (channel.name(), channel.url_prefix(), channel.socketio_path) == (
        "socketio",
        "socketio",
        "/socket.io",
    )
    assert (channel.user_message_evt, channel.bot_message_evt, channel.metadata_key) == (
        "user_uttered",
        "bot_uttered",
        "customData",
    )
    assert channel.session_persistence is True and channel.namespace is None and channel.jwt_key is None


def chat(agent: Agent, data: dict[str, Any]) -> dict[str, Any]:
    """Sends `data` as the web chat does and returns the one reply."""
    (reply,) = replies(agent, 1, data)
    return reply


def test_the_web_chats_messages_reach_rasa_cleaned_and_the_replies_come_back() -> None:
    agent = Agent(intent_event("greet"), replies=("¡Hola!",))
    # customData as a JSON string, which Rasa's channel decodes: python-socketio's client
    # cannot encode 500 levels (its encoder recurses), a browser can.
    custom_data = json.dumps({"language": "es", "deep": nested(500), "blob": "x" * 150_000})
    reply = chat(agent, {"message": "Hola\ud800 Jose\u0301\x00 " + "ñ" * 3_000, "customData": custom_data})
    assert reply == {"text": "¡Hola!"}
    (message,) = agent.rasa.received
    assert message.text == ("Hola José " + "ñ" * 3_000)[:2_000]
    assert (message.metadata, message.sender_id, message.input_channel) == (
        {"language": "es"},
        "page-session",
        "socketio",
    )


def test_metadata_as_an_object_keeps_only_our_language() -> None:
    agent = Agent(intent_event("greet"), replies=("Hi!",))
    chat(
        agent,
        {"message": "hi", "customData": {"language": "en", "other": {"a": [1, 2]}, "blob": "x" * 50_000}},
    )
    assert agent.rasa.received[0].metadata == {"language": "en"}


def test_button_payloads_stay_allowed_on_the_web_chat() -> None:
    agent = Agent(replies=("OK.",))
    chat(agent, {"message": '/switch_language{"language": "es"}', "customData": {"language": "en"}})
    assert [(m.text, m.metadata) for m in agent.rasa.received] == [
        ('/switch_language{"language": "es"}', {"language": "en"})
    ]


def _error_record(message: str, error: Exception) -> logging.LogRecord:
    exc_info = (type(error), error, None)
    return logging.getLogger("sanic.error").makeRecord(
        "sanic.error", logging.ERROR, __file__, 1, message, (), exc_info
    )


def test_only_the_closed_socket_error_is_kept_out_of_the_log() -> None:
    SocketIOInput().blueprint(lambda message: None)  # type: ignore[arg-type, return-value]
    SocketIOInput().blueprint(lambda message: None)  # type: ignore[arg-type, return-value]
    installed = [
        known for known in logging.getLogger("sanic.error").filters if isinstance(known, SocketCloseNoise)
    ]
    assert len(installed) == 1
    closed = (
        "Exception occurred while handling uri: 'ws://127.0.0.1:5005/socket.io/?EIO=4&transport=websocket'"
    )
    noise = SocketCloseNoise()
    assert not noise.filter(
        _error_record(closed, ServerError("Invalid response type None (need HTTPResponse)"))
    )
    assert noise.filter(_error_record(closed, ServerError("something else")))
    assert noise.filter(_error_record(closed, ValueError("Invalid response type None")))
    other = "Exception occurred while handling uri: 'http://127.0.0.1:5005/webhooks/rest/webhook'"
    assert noise.filter(_error_record(other, ServerError("Invalid response type None (need HTTPResponse)")))


# --- a confirmation: its text, with the number and the addresses of its page and PDF ---------------------

PAGE = "http://127.0.0.1:8080/confirmation/AbC_12-xyz"
CONFIRMATION = {"number": "YH9X-NHPR", "page": PAGE, "pdf": PAGE + ".pdf", "token": "AbC_12-xyz"}
ISSUED = f"All set! Your confirmation number is YH9X-NHPR.\nOpen and print your confirmation page: {PAGE}"


class Replying(Agent):
    """Rasa's agent that answers with these messages (as BotUttered.message() gives them)."""

    def __init__(self, *messages: dict[str, Any]) -> None:
        super().__init__()
        self.messages = messages

    async def handle_message(self, message: Any) -> None:
        for reply in self.messages:
            await message.output_channel.send_response(message.sender_id, dict(reply))


def replies(agent: Agent, count: int, data: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Sends `data` (default: "yes") as the web chat does (over a websocket at
    /socket.io/, as the web app relays it, after a session request) and returns the
    `count` bot_uttered messages the page gets, checking that no more follow."""

    async def scenario() -> list[dict[str, Any]]:
        received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        confirmed: asyncio.Queue[str] = asyncio.Queue()
        client = socketio.AsyncClient()
        client.on("bot_uttered", received.put_nowait)
        client.on("session_confirm", confirmed.put_nowait)
        async with serve(web_chat_channel(), agent) as port:
            await client.connect(
                f"http://127.0.0.1:{port}", socketio_path="/socket.io", transports=["websocket"]
            )
            try:
                await client.emit("session_request", {"session_id": "page-session"})
                assert await asyncio.wait_for(confirmed.get(), 5) == "page-session"
                message = data if data is not None else {"message": "yes"}
                await client.emit("user_uttered", {"session_id": "page-session", **message})
                got = [await asyncio.wait_for(received.get(), 5) for _ in range(count)]
                await asyncio.sleep(0.2)
                assert received.empty(), "more messages than expected"
                return got
            finally:
                await client.disconnect()

    return asyncio.run(scenario())


def test_a_confirmation_reaches_the_page_with_its_text_number_and_links() -> None:
    message = BotUttered(ISSUED, data={"buttons": None, "custom": {"confirmation": CONFIRMATION}}).message()
    assert replies(Replying(message, {"text": "Anything else?"}), 2) == [
        {"text": ISSUED, "confirmation": {"number": "YH9X-NHPR", "page": PAGE, "pdf": PAGE + ".pdf"}},
        {"text": "Anything else?"},
    ]


def test_a_confirmation_after_buttons_is_a_message_of_its_own() -> None:
    buttons = [{"title": "Yes", "payload": "/affirm"}]
    message = BotUttered(
        "Done.", data={"buttons": buttons, "custom": {"confirmation": CONFIRMATION}}
    ).message()
    assert replies(Replying(message), 2) == [
        {"text": "Done.", "quick_replies": [{"content_type": "text", "title": "Yes", "payload": "/affirm"}]},
        {"text": "", "confirmation": {"number": "YH9X-NHPR", "page": PAGE, "pdf": PAGE + ".pdf"}},
    ]


@pytest.mark.parametrize(
    "custom",
    [{"data": "x"}, {"confirmation": {**CONFIRMATION, "page": "javascript:alert(1)"}}],
    ids=["other custom JSON", "malformed confirmation"],
)
def test_custom_json_that_is_no_confirmation_is_not_sent_and_breaks_nothing(custom: dict) -> None:
    message = BotUttered("Hello!", data={"custom": custom}).message()
    assert replies(Replying(message, {"text": "Next."}), 2) == [{"text": "Hello!"}, {"text": "Next."}]


def test_messages_sent_outside_a_turn_go_through_the_same_output() -> None:
    channel = SocketIOInput()
    with pytest.warns(UserWarning, match="cannot be recreated"):
        assert channel.get_output_channel() is None  # no socket server yet
    channel.blueprint(lambda message: None)  # type: ignore[arg-type, return-value]
    assert type(channel.get_output_channel()) is WebChatOutput

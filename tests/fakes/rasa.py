"""A stand-in for Rasa around an input channel: the agent (a tracker store, and a
handler that saves scripted events and sends scripted replies, or fails), and a real
Sanic server with the channel registered as Rasa registers it, talked to over raw HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage, register
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Sanic

from bot.launcher import free_port

DOMAIN = Domain.from_dict({"slots": {"language": {"type": "any", "mappings": [{"type": "custom"}]}}})


def intent_event(name: str) -> UserUttered:
    return UserUttered(f"/{name}", intent={"name": name, "confidence": 1.0})


class StubRasa:
    """Stands in for Rasa's handler: saves `events` to the tracker, sends `replies`, or raises."""

    def __init__(self, agent: Any, *events: Any, replies: tuple[str, ...] = (), error: bool = False) -> None:
        self.agent, self.events, self.replies, self.error = agent, events, replies, error
        self.received: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        for reply in self.replies:
            await message.output_channel.send_text_message(message.sender_id, reply)
        if self.error:
            raise RuntimeError("action server down")
        store = self.agent.tracker_store
        tracker = await store.retrieve(message.sender_id) or DialogueStateTracker(
            message.sender_id, DOMAIN.slots
        )
        for event in self.events:
            tracker.update(event)
        await store.save(tracker)


class Agent:
    """Rasa's agent as the channels use it: a tracker store, and handle_message (a StubRasa)."""

    def __init__(self, *events: Any, replies: tuple[str, ...] = (), error: bool = False) -> None:
        self.tracker_store = InMemoryTrackerStore(DOMAIN)
        self.rasa = StubRasa(self, *events, replies=replies, error=error)

    async def handle_message(self, message: UserMessage) -> None:
        await self.rasa(message)


def nested(depth: int) -> dict[str, Any]:
    """Metadata nested `depth` levels deep, as a hostile client may send it."""
    value: dict[str, Any] = {"language": "es"}
    for _ in range(depth):
        value = {"language": value}
    return value


@contextlib.asynccontextmanager
async def serve(channel: InputChannel, agent: Any) -> AsyncIterator[int]:
    """`channel` registered as Rasa registers it (under /webhooks/, handing messages to
    `agent.handle_message`), on a Sanic server; yields its port."""
    # As sanic-testing does: several apps start in one process (Sanic recompiles its
    # connection handling for the first app otherwise).
    Sanic.test_mode = True
    app = Sanic(f"channel-test-{uuid.uuid4().hex}")
    app.ctx.agent = agent
    register([channel], app, "/webhooks/")
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield port
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()


async def exchange(
    port: int,
    path: str,
    headers: dict[str, str],
    body: bytes = b"",
    chunks: tuple[bytes, ...] | None = None,
    timeout_s: float = 5.0,
) -> tuple[int, Any, bool]:
    """POSTs `body`, or `chunks` with chunked encoding (ending them with b"" finishes
    the body; without it, only a server that stops reading can answer). Returns the
    status, the answer (decoded when JSON, else text) and whether the server then
    closed the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1"] + [
            f"{name}: {value}" for name, value in headers.items()
        ]
        if chunks is None:
            head.append(f"Content-Length: {len(body)}")
        else:
            head.append("Transfer-Encoding: chunked")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        for chunk in chunks or ():
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
        await writer.drain()
        status_line, *header_lines = (
            (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout_s)).decode().split("\r\n")
        )
        answer_headers = dict(line.lower().split(": ", 1) for line in header_lines if line)
        raw = await asyncio.wait_for(reader.readexactly(int(answer_headers["content-length"])), timeout_s)
        try:
            closed = await asyncio.wait_for(reader.read(1), 1.0) == b""
        except asyncio.TimeoutError:
            closed = False
        answer = json.loads(raw) if "json" in answer_headers.get("content-type", "") else raw.decode()
        return int(status_line.split()[1]), answer, closed
    finally:
        writer.close()

"""What the web app's tests share: a test server with the app as main() runs it, a
stand-in for Rasa's socket.io server, and checks and waits used across the modules."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient, TestServer

from bot.core.registry import Applicant, Confirmation, Registry
from bot.web.app import create_app
from bot.web.security import RouteAccessLogger

Scenario = Callable[[TestClient], Awaitable[None]]
SOCKET_URL = "/socket.io/?EIO=4&transport=websocket"


def issue(registry: Registry, language: str, passport: str = "A1234567") -> Confirmation:
    registration, _ = registry.register(Applicant(passport, "1985-03-05", "BOL"))
    return registry.issue_confirmation(registration.id, "PTS-01", language)


async def start_app(settings, registry: Registry | None) -> TestServer:
    """The app on a started test server, with the access log main() uses (without
    `registry`, the app builds its own from the settings)."""
    server = TestServer(create_app(settings, registry))
    await server.start_server(access_log_class=RouteAccessLogger)
    return server


class FakeSocketServer:
    """A stand-in for Rasa's socket.io server: records each connection's query and
    every frame, opens with a frame of its own, answers a text frame in upper case and
    a binary one reversed, and closes when it receives "bye". It counts the pings it
    gets and the connections it has open."""

    def __init__(self) -> None:
        self.queries: list[dict[str, str]] = []
        self.received: list[str | bytes] = []
        self.closed = asyncio.Event()
        self.pings = 0
        self.open = 0

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        self.queries.append(dict(request.query))
        socket = web.WebSocketResponse(autoping=False)
        await socket.prepare(request)
        self.open += 1
        try:
            await self._serve(socket)
        finally:
            self.open -= 1
        self.closed.set()
        return socket

    async def _serve(self, socket: web.WebSocketResponse) -> None:
        await socket.send_str('0{"sid":"abc"}')
        async for message in socket:
            if message.type == WSMsgType.PING:
                self.pings += 1
                await socket.pong(message.data)
                continue
            if message.type == WSMsgType.PONG:
                continue
            self.received.append(message.data)
            if message.data == "bye":
                await socket.close()
            elif message.type == WSMsgType.TEXT:
                await socket.send_str(message.data.upper())
            else:
                await socket.send_bytes(message.data[::-1])

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/socket.io/", self.socket)
        return app


def assert_security_headers(response) -> None:
    assert "default-src" in response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


async def eventually(condition: Callable[[], bool], timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition still false"
        await asyncio.sleep(0.02)

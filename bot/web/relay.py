"""The /socket.io/ WebSocket relay: the chat page's socket is passed frame by frame to
Rasa's socket.io server, so that the page needs no other host and its CSP can stay
`connect-src 'self'`. It bounds the sockets open per client address and in all.

With several Rasa servers (RASA_URLS), a page stays on one: the page puts its
session id in the socket's query (`?session=…`), and the relay ranks the servers by
rendezvous hashing of that id (each server scored by a hash of server and session;
the highest wins). The first server that accepts the socket is used, so a page
moves only when its server is down, and only the pages of that server move.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
from collections.abc import Sequence

import aiohttp
from aiohttp import web
from yarl import URL

logger = logging.getLogger(__name__)

SOCKET_PATH = "/socket.io/"
# The page sends at most 2,000 characters a message; a frame this size holds that
# even when every character is JSON-escaped, and nothing the browser sends is larger.
MAX_FRAME_BYTES = 16 * 1024
# Limits of the relay (read by create_app), so that one address cannot hold every connection:
# - WEB_MAX_SOCKETS_PER_CLIENT: open WebSockets per client address; one more gets 429.
#   The address is the TCP peer's: X-Forwarded-For is not trusted, so behind a reverse
#   proxy every visitor shares the proxy's address and this limit must be raised to the
#   overall one (or the proxy must limit per visitor itself).
# - WEB_MAX_SOCKETS: open WebSockets in all; one more gets 503.
# - WEB_SOCKET_IDLE_SECONDS: a socket on which the browser sent no data frame for this
#   long is closed. Rasa's socket.io pings every 25 s and the page answers, so only a
#   page that stopped running (or a client that is not the page) goes idle. Dead
#   connections are also found by WebSocket pings every HEARTBEAT_SECONDS, on both
#   sides of the relay.
DEFAULT_MAX_SOCKETS_PER_CLIENT = 20
DEFAULT_MAX_SOCKETS = 500
DEFAULT_SOCKET_IDLE_SECONDS = 120.0
# A ping after this many seconds without a frame; no pong within half of it closes the socket.
HEARTBEAT_SECONDS = 30.0

RASA_SOCKETS = web.AppKey("rasa_sockets", list[URL])
# The query parameter the chat page names its conversation with (bot/static/chat.js).
SESSION_PARAMETER = "session"
HTTP = web.AppKey("http", aiohttp.ClientSession)  # the session to Rasa (see app.http_session)
OPEN_SOCKETS = web.AppKey("open_sockets", weakref.WeakSet[web.WebSocketResponse])
SOCKET_IDLE_SECONDS = web.AppKey("socket_idle_seconds", float)

WebSocket = web.WebSocketResponse | aiohttp.ClientWebSocketResponse


class SocketLimits:
    """Counts the relayed WebSockets open per client address and in all.

    Only the event loop's thread uses it, so it needs no lock.
    """

    def __init__(self, per_client: int, overall: int) -> None:
        self.per_client = per_client
        self.overall = overall
        self.total = 0
        self._by_client: dict[str, int] = {}

    def open_for(self, client: str) -> int:
        return self._by_client.get(client, 0)

    def acquire(self, client: str) -> int | None:
        """Counts one more socket for `client` and returns None, or counts nothing and
        returns the status to refuse it with: 429 (this client's limit), 503 (overall)."""
        if self.open_for(client) >= self.per_client:
            return 429
        if self.total >= self.overall:
            return 503
        self._by_client[client] = self.open_for(client) + 1
        self.total += 1
        return None

    def release(self, client: str) -> None:
        remaining = self.open_for(client) - 1
        if remaining > 0:
            self._by_client[client] = remaining
        else:
            self._by_client.pop(client, None)
        self.total -= 1


SOCKET_LIMITS = web.AppKey("socket_limits", SocketLimits)
REFUSALS = {429: "too many open connections from your address", 503: "the assistant is busy"}


def socket_url(rasa_url: str) -> URL:
    """The socket.io address of a Rasa server given by its base URL."""
    url = URL(rasa_url.strip())
    return url.with_scheme("wss" if url.scheme == "https" else "ws").with_path(SOCKET_PATH)


def servers_for(session: str, servers: Sequence[URL]) -> list[URL]:
    """`servers` in the order a page with this session id tries them: the same for
    the same id, and spread evenly over the servers (rendezvous hashing)."""

    def score(server: URL) -> bytes:
        return hashlib.blake2b(f"{server}\n{session}".encode(), digest_size=8).digest()

    return sorted(servers, key=score, reverse=True)


def client_address(request: web.Request) -> str:
    """The TCP peer's address. X-Forwarded-For is not trusted: any client can write it."""
    return request.remote or "unknown"


CLOSED_MESSAGE_TYPES = (
    aiohttp.WSMsgType.CLOSE,
    aiohttp.WSMsgType.CLOSING,
    aiohttp.WSMsgType.CLOSED,
    aiohttp.WSMsgType.ERROR,
)


async def _pipe(source: WebSocket, target: WebSocket, idle_seconds: float | None = None) -> None:
    """Copies data frames from `source` to `target` until either side closes, or until
    `source` sent no data frame for `idle_seconds` (pings and pongs do not count)."""
    try:
        while True:
            message = await asyncio.wait_for(source.receive(), idle_seconds)
            if message.type == aiohttp.WSMsgType.TEXT:
                await target.send_str(message.data)
            elif message.type == aiohttp.WSMsgType.BINARY:
                await target.send_bytes(message.data)
            elif message.type in CLOSED_MESSAGE_TYPES:
                return
    except asyncio.TimeoutError:
        logger.info("Closing a chat WebSocket idle for %.0f s", idle_seconds)
    except ConnectionError:
        pass  # the other side went away; the caller closes both


async def socket_relay(request: web.Request) -> web.StreamResponse:
    """Relays the chat page's WebSocket to Rasa's socket.io server, frame by frame.

    A client over its limit gets 429, and everyone gets 503 when the relay is full,
    before anything connects to Rasa. Rasa is connected first, so that a browser gets
    a 502 (and its socket.io client retries) instead of an open socket to nowhere
    while Rasa is down.
    """
    browser = web.WebSocketResponse(max_msg_size=MAX_FRAME_BYTES, heartbeat=HEARTBEAT_SECONDS)
    if not browser.can_prepare(request).ok:
        return web.json_response({"error": "WebSocket connections only"}, status=400)
    limits = request.app[SOCKET_LIMITS]
    client = client_address(request)
    refusal = limits.acquire(client)
    if refusal is not None:
        logger.warning("Chat WebSocket refused with %d (%d open in all)", refusal, limits.total)
        return web.json_response({"error": REFUSALS[refusal]}, status=refusal)
    try:
        return await _relay(request, browser)
    finally:
        limits.release(client)


async def _connect_to_rasa(request: web.Request) -> aiohttp.ClientWebSocketResponse | None:
    """A socket to the first Rasa server of this page's order that accepts one."""
    session = request.query.get(SESSION_PARAMETER, "")
    servers: list[URL] = request.app[RASA_SOCKETS]
    for server in servers_for(session, servers):
        try:
            return await request.app[HTTP].ws_connect(
                server.with_query(request.query), heartbeat=HEARTBEAT_SECONDS
            )
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.warning("A Rasa socket.io server is unavailable: %s", type(error).__name__)
    return None


async def _relay(request: web.Request, browser: web.WebSocketResponse) -> web.StreamResponse:
    rasa = await _connect_to_rasa(request)
    if rasa is None:
        return web.json_response({"error": "the assistant is unavailable"}, status=502)
    try:
        await browser.prepare(request)
        request.app[OPEN_SOCKETS].add(browser)
        pipes = [
            asyncio.create_task(_pipe(browser, rasa, request.app[SOCKET_IDLE_SECONDS])),
            asyncio.create_task(_pipe(rasa, browser)),
        ]
        _, pending = await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        for pipe in pending:
            pipe.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    finally:
        await rasa.close()
        if browser.prepared:
            await browser.close()
    return browser


async def close_open_sockets(app: web.Application) -> None:
    """Without this, an open chat would hold up the shutdown for aiohttp's grace period."""
    open_sockets = app[OPEN_SOCKETS]
    for socket in list(open_sockets):
        await socket.close(code=aiohttp.WSCloseCode.GOING_AWAY)

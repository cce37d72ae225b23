"""The web app, served for real by aiohttp's test server (no pytest plugin needed)."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import sqlite3
import time
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

import aiohttp
import pytest
from aiohttp import WSCloseCode, WSMsgType, WSServerHandshakeError, web
from aiohttp.test_utils import TestClient, TestServer

from bot import web as web_module
from bot.core.i18n import t
from bot.core.registry import Applicant, Confirmation, Registry
from bot.core.settings import load_settings
from bot.web import RouteAccessLogger, create_app

Scenario = Callable[[TestClient], Awaitable[None]]


@pytest.fixture
def settings(tmp_path):
    return load_settings({"DATA_DIR": str(tmp_path), "BOT_SECRET_KEY": "test-secret"})


@pytest.fixture
def registry(tmp_path):
    registry = Registry(f"sqlite:///{tmp_path}/t.db", b"test-secret")
    yield registry
    registry.dispose()


def issue(registry: Registry, language: str, passport: str = "A1234567") -> Confirmation:
    registration, _ = registry.register(Applicant(passport, "1985-03-05", "BOL"))
    return registry.issue_confirmation(registration.id, "PTS-01", language)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def start_app(settings, registry: Registry | None) -> TestServer:
    """The app on a started test server, with the access log main() uses (without
    `registry`, the app builds its own from the settings)."""
    server = TestServer(create_app(settings, registry))
    await server.start_server(access_log_class=RouteAccessLogger)
    return server


@pytest.fixture
def serve(settings, registry, monkeypatch):
    """Runs `scenario` against the app, with nothing listening where Rasa should be."""

    def run(scenario: Scenario) -> None:
        monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{free_port()}")

        async def main() -> None:
            async with TestClient(await start_app(settings, registry)) as client:
                await scenario(client)

        asyncio.run(main())

    return run


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


@pytest.fixture
def serve_with_rasa(monkeypatch, settings, registry):
    """Like `serve`, with a FakeSocketServer listening on a free port as Rasa."""

    def run(scenario: Callable[[TestClient, FakeSocketServer], Awaitable[None]]) -> FakeSocketServer:
        rasa = FakeSocketServer()

        async def main() -> None:
            async with TestServer(rasa.app()) as rasa_server:
                monkeypatch.setenv("RASA_URL", str(rasa_server.make_url("")))
                async with TestClient(await start_app(settings, registry)) as client:
                    await scenario(client, rasa)

        asyncio.run(main())
        return rasa

    return run


def assert_security_headers(response) -> None:
    assert "default-src" in response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


# Confirmation pages


@pytest.mark.parametrize(
    ("issued_in", "query", "expected"),
    [("en", "", "en"), ("es", "", "es"), ("en", "?lang=es", "es"), ("es", "?lang=en", "en")],
)
def test_confirmation_page_in_its_language(serve, registry, issued_in, query, expected):
    confirmation = issue(registry, issued_in)

    async def scenario(client: TestClient) -> None:
        response = await client.get(f"/confirmation/{confirmation.token}{query}")
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        html = await response.text()
        assert f'<html lang="{expected}">' in html
        for value in (
            confirmation.number,
            "*****567",
            "Bolivia",
            "Potosí",
            t("page.confirmation.issued_on", expected),
        ):
            assert value in html
        assert "A1234567" not in html

    serve(scenario)


def test_confirmation_page_headers(serve, registry):
    confirmation = issue(registry, "en")

    async def scenario(client: TestClient) -> None:
        response = await client.get(f"/confirmation/{confirmation.token}")
        assert_security_headers(response)
        assert response.headers["Cache-Control"] == "no-store"
        policy = response.headers["Content-Security-Policy"]
        nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
        html = await response.text()
        assert f'<style nonce="{nonce}">' in html
        assert f'<script nonce="{nonce}">' in html

    serve(scenario)


def test_confirmation_pdf(serve, registry):
    confirmation = issue(registry, "es")

    async def scenario(client: TestClient) -> None:
        response = await client.get(f"/confirmation/{confirmation.token}.pdf")
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/pdf"
        assert (
            response.headers["Content-Disposition"]
            == f'inline; filename="confirmation-{confirmation.number}.pdf"'
        )
        assert response.headers["Cache-Control"] == "no-store"
        assert_security_headers(response)
        assert (await response.read()).startswith(b"%PDF-")

    serve(scenario)


@pytest.mark.parametrize(
    "path",
    [
        "/confirmation/" + "A" * 43,
        "/confirmation/" + "A" * 43 + ".pdf",
        "/confirmation/" + "A" * 5000,
        "/confirmation/" + "A" * 5000 + ".pdf",
        "/confirmation/..%2F..%2Fsecret.key",
        "/confirmation/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/confirmation/%3Cb%3E.pdf",
        "/confirmation/a/b/c",
        "/confirmation/",
    ],
)
def test_unknown_or_malformed_token_is_not_found(serve, registry, path):
    issue(registry, "en")

    async def scenario(client: TestClient) -> None:
        response = await client.get(path)
        assert response.status == 404
        assert response.headers["Cache-Control"] == "no-store"
        assert_security_headers(response)
        html = await response.text()
        assert "Confirmation not found" in html
        assert "<script>" not in html

    serve(scenario)


def test_not_found_page_follows_the_browser_language(serve):
    async def scenario(client: TestClient) -> None:
        response = await client.get(
            "/confirmation/" + "A" * 43, headers={"Accept-Language": "es-BO,es;q=0.9"}
        )
        assert response.status == 404
        assert "Confirmación no encontrada" in await response.text()

    serve(scenario)


# Chat page


@pytest.mark.parametrize(("path", "language", "other"), [("/", "en", "/es/"), ("/es/", "es", "/")])
def test_chat_page(serve, path, language, other):
    async def scenario(client: TestClient) -> None:
        response = await client.get(path)
        assert response.status == 200
        assert_security_headers(response)
        html = await response.text()
        assert f'<html lang="{language}">' in html
        assert 'role="log"' in html
        assert 'aria-live="polite"' in html
        assert f'<label for="message">{t("page.chat.input_label", language)}</label>' in html
        assert f'<button type="submit">{t("page.chat.send", language)}</button>' in html
        assert f'<a href="{other}"' in html
        assert "https://bo.usembassy.gov/" in html
        assert escape(t("page.chat.privacy", language)) in html
        for code in ("en", "es"):
            assert f'data-switched-{code}="{escape(t("language.switched", code))}"' in html
        scripts = re.findall(r"<script[^>]*>", html)
        assert scripts == [
            '<script src="/static/socket.io.min.js" defer>',
            '<script src="/static/chat.js" defer>',
        ]
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
        assert "$" not in html  # every template placeholder was filled

    serve(scenario)


@pytest.mark.parametrize(
    ("name", "content_type", "marker"),
    [
        ("chat.js", "text/javascript", "textContent"),
        ("chat.css", "text/css", ".log"),
        ("socket.io.min.js", "text/javascript", "Socket.IO v4."),
        ("favicon.svg", "image/svg+xml", "<svg"),
    ],
)
def test_static_assets(serve, name, content_type, marker):
    async def scenario(client: TestClient) -> None:
        response = await client.get(f"/static/{name}")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith(content_type)
        assert marker in await response.text()

    serve(scenario)


def test_the_browsers_favicon_request_gets_the_icon(serve):
    async def scenario(client: TestClient) -> None:
        response = await client.get("/favicon.ico")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("image/svg+xml")
        assert (await response.text()).startswith("<svg")

    serve(scenario)


@pytest.mark.parametrize("path", ["/static/chat.html", "/static/..%2Fweb.py", "/static/socket.io.js"])
def test_other_static_paths_are_not_found(serve, path):
    async def scenario(client: TestClient) -> None:
        assert (await client.get(path)).status == 404

    serve(scenario)


def test_chat_script_never_parses_text_as_html(serve):
    async def scenario(client: TestClient) -> None:
        body = await (await client.get("/static/chat.js")).text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in body

    serve(scenario)


def test_missing_socket_io_client_is_named(monkeypatch, settings, registry, tmp_path):
    missing = tmp_path / "node_modules" / "socket.io.min.js"
    monkeypatch.setitem(web_module.STATIC_ASSETS, "socket.io.min.js", (missing, "text/javascript"))
    with pytest.raises(RuntimeError, match=r"socket\.io\.min\.js is missing: run `npm ci`"):
        create_app(settings, registry)


def test_health(serve):
    async def scenario(client: TestClient) -> None:
        response = await client.get("/health")
        assert response.status == 200
        assert await response.text() == "ok"
        assert_security_headers(response)

    serve(scenario)


# The WebSocket relay to Rasa's socket.io server

SOCKET_URL = "/socket.io/?EIO=4&transport=websocket"


def test_relay_passes_frames_both_ways(serve_with_rasa):
    async def scenario(client: TestClient, rasa: FakeSocketServer) -> None:
        async with client.ws_connect(SOCKET_URL) as socket:
            assert await socket.receive_str() == '0{"sid":"abc"}'
            await socket.send_str('42["user_uttered",{"message":"¡hola! 👋 <b>"}]')
            assert await socket.receive_str() == '42["USER_UTTERED",{"MESSAGE":"¡HOLA! 👋 <B>"}]'
            await socket.send_bytes(b"\x01\x02")
            assert await socket.receive_bytes() == b"\x02\x01"

    rasa = serve_with_rasa(scenario)
    assert rasa.queries == [{"EIO": "4", "transport": "websocket"}]
    assert rasa.received == ['42["user_uttered",{"message":"¡hola! 👋 <b>"}]', b"\x01\x02"]


def test_rasa_closing_closes_the_browser_socket(serve_with_rasa):
    async def scenario(client: TestClient, rasa: FakeSocketServer) -> None:
        async with client.ws_connect(SOCKET_URL) as socket:
            await socket.receive_str()
            await socket.send_str("bye")
            message = await asyncio.wait_for(socket.receive(), 5)
            assert message.type == WSMsgType.CLOSE

    serve_with_rasa(scenario)


def test_browser_closing_closes_the_rasa_socket(serve_with_rasa):
    async def scenario(client: TestClient, rasa: FakeSocketServer) -> None:
        async with client.ws_connect(SOCKET_URL) as socket:
            await socket.receive_str()
        await asyncio.wait_for(rasa.closed.wait(), 5)

    serve_with_rasa(scenario)


def test_relay_refuses_an_oversized_frame(serve_with_rasa):
    async def scenario(client: TestClient, rasa: FakeSocketServer) -> None:
        async with client.ws_connect(SOCKET_URL) as socket:
            await socket.receive_str()
            await socket.send_str("x" * (web_module.MAX_FRAME_BYTES + 1))
            message = await asyncio.wait_for(socket.receive(), 5)
            assert message.type == WSMsgType.CLOSE
            assert message.data == WSCloseCode.MESSAGE_TOO_BIG
        await asyncio.wait_for(rasa.closed.wait(), 5)

    assert serve_with_rasa(scenario).received == []


def test_relay_without_websocket_upgrade_is_a_bad_request(serve_with_rasa):
    async def scenario(client: TestClient, rasa: FakeSocketServer) -> None:
        response = await client.get(SOCKET_URL)
        assert response.status == 400
        assert await response.json() == {"error": "WebSocket connections only"}
        assert_security_headers(response)

    assert serve_with_rasa(scenario).queries == []


def test_relay_with_rasa_down_is_a_bad_gateway(serve):
    async def scenario(client: TestClient) -> None:
        with pytest.raises(WSServerHandshakeError) as error:
            await client.ws_connect(SOCKET_URL)
        assert error.value.status == 502

    serve(scenario)


def test_shutdown_closes_open_sockets_at_once(serve_with_rasa):
    async def scenario(client: TestClient, rasa: FakeSocketServer) -> None:
        socket = await client.ws_connect(SOCKET_URL)
        await socket.receive_str()
        started = time.monotonic()
        await client.server.close()
        assert time.monotonic() - started < 5
        message = await asyncio.wait_for(socket.receive(), 5)
        assert message.type == WSMsgType.CLOSE
        assert message.data == WSCloseCode.GOING_AWAY

    serve_with_rasa(scenario)


# Limits of the relay

# Linux routes all of 127.0.0.0/8 to the loopback interface: a client bound to this
# address is, to the app, a second visitor (request.remote), with nothing faked.
OTHER_ADDRESS = "127.0.0.2"


@pytest.fixture
def other_address() -> str:
    try:
        with socket.socket() as sock:
            sock.bind((OTHER_ADDRESS, 0))
    except OSError:
        pytest.skip(f"{OTHER_ADDRESS} is not a loopback address on this system")
    return OTHER_ADDRESS


UPGRADE_HEADERS = {
    "Connection": "Upgrade",
    "Upgrade": "websocket",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
}


def limits(client: TestClient) -> web_module.SocketLimits:
    return client.server.app[web_module.SOCKET_LIMITS]


async def eventually(condition: Callable[[], bool], timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition still false"
        await asyncio.sleep(0.02)


async def refused_status(connect: Awaitable[Any]) -> int:
    with pytest.raises(WSServerHandshakeError) as error:
        await connect
    return error.value.status


def test_socket_limits_count_per_client_and_overall():
    socket_limits = web_module.SocketLimits(per_client=2, overall=3)
    assert [socket_limits.acquire("a") for _ in range(3)] == [None, None, 429]
    assert socket_limits.acquire("b") is None
    assert socket_limits.acquire("c") == 503
    assert (socket_limits.total, socket_limits.open_for("a"), socket_limits.open_for("c")) == (3, 2, 0)
    socket_limits.release("a")
    assert socket_limits.acquire("c") is None
    for client in ("a", "b", "c"):
        socket_limits.release(client)
    assert (socket_limits.total, socket_limits.open_for("a")) == (0, 0)


def test_one_address_over_its_limit_gets_429_and_others_still_get_in(
    serve_with_rasa, monkeypatch, other_address
):
    monkeypatch.setenv("WEB_MAX_SOCKETS_PER_CLIENT", "2")

    async def scenario(client: TestClient, rasa: FakeSocketServer) -> None:
        sockets = [await client.ws_connect(SOCKET_URL) for _ in range(2)]
        for open_socket in sockets:
            assert await open_socket.receive_str() == '0{"sid":"abc"}'
        assert await refused_status(client.ws_connect(SOCKET_URL)) == 429
        response = await client.get(SOCKET_URL, headers=UPGRADE_HEADERS)
        assert response.status == 429
        assert await response.json() == {"error": "too many open connections from your address"}
        assert len(rasa.queries) == 2  # the refused ones never reached Rasa
        connector = aiohttp.TCPConnector(local_addr=(other_address, 0))
        async with (
            aiohttp.ClientSession(connector=connector) as session,
            session.ws_connect(client.make_url(SOCKET_URL)) as other,
        ):
            assert await other.receive_str() == '0{"sid":"abc"}'
            assert (limits(client).total, limits(client).open_for(other_address)) == (3, 1)
        for open_socket in sockets:
            await open_socket.close()
        await eventually(lambda: limits(client).total == 0 and rasa.open == 0)
        assert limits(client).open_for("127.0.0.1") == 0
        async with client.ws_connect(SOCKET_URL) as again:  # the address's slots are free again
            assert await again.receive_str() == '0{"sid":"abc"}'

    serve_with_rasa(scenario)


def test_full_relay_gets_503(serve_with_rasa, monkeypatch, other_address):
    monkeypatch.setenv("WEB_MAX_SOCKETS", "2")

    async def scenario(client: TestClient, rasa: FakeSocketServer) -> None:
        async with client.ws_connect(SOCKET_URL), client.ws_connect(SOCKET_URL):
            connector = aiohttp.TCPConnector(local_addr=(other_address, 0))
            async with aiohttp.ClientSession(connector=connector) as session:
                assert await refused_status(session.ws_connect(client.make_url(SOCKET_URL))) == 503
            assert len(rasa.queries) == 2
        await eventually(lambda: limits(client).total == 0)

    serve_with_rasa(scenario)


def test_pool_to_rasa_is_as_large_as_the_relay(serve, monkeypatch):
    monkeypatch.setenv("WEB_MAX_SOCKETS", "321")

    async def scenario(client: TestClient) -> None:
        assert client.server.app[web_module.HTTP].connector.limit == 321

    serve(scenario)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WEB_MAX_SOCKETS_PER_CLIENT", "0"),
        ("WEB_MAX_SOCKETS_PER_CLIENT", "many"),
        ("WEB_MAX_SOCKETS", "-1"),
        ("WEB_MAX_SOCKETS", "2.5"),
        ("WEB_SOCKET_IDLE_SECONDS", "nan"),
        ("WEB_SOCKET_IDLE_SECONDS", "inf"),
    ],
)
def test_bad_limit_is_refused_at_start(monkeypatch, settings, registry, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=f"{name} must be a positive number"):
        create_app(settings, registry)


def test_idle_socket_is_closed_and_released(serve_with_rasa, monkeypatch):
    monkeypatch.setenv("WEB_SOCKET_IDLE_SECONDS", "0.5")

    async def scenario(client: TestClient, rasa: FakeSocketServer) -> None:
        async with client.ws_connect(SOCKET_URL) as browser:
            await browser.receive_str()
            # Frames from the browser keep it open well past the idle time...
            for index in range(6):
                await asyncio.sleep(0.2)
                await browser.send_str(f"3{index}")
                assert await browser.receive_str() == f"3{index}"
            # ...and silence closes it.
            started = time.monotonic()
            message = await asyncio.wait_for(browser.receive(), 5)
            assert message.type == WSMsgType.CLOSE
            assert 0.3 < time.monotonic() - started < 3
        await asyncio.wait_for(rasa.closed.wait(), 5)
        await eventually(lambda: limits(client).total == 0)

    serve_with_rasa(scenario)


def test_relay_pings_rasa(serve_with_rasa, monkeypatch):
    monkeypatch.setattr(web_module, "HEARTBEAT_SECONDS", 0.2)

    async def scenario(client: TestClient, rasa: FakeSocketServer) -> None:
        async with client.ws_connect(SOCKET_URL) as browser:
            await browser.receive_str()
            # A pending receive() answers the relay's own pings meanwhile.
            reply = asyncio.create_task(browser.receive())
            await eventually(lambda: rasa.pings >= 2)
            await browser.send_str("still open")
            assert (await asyncio.wait_for(reply, 5)).data == "STILL OPEN"

    serve_with_rasa(scenario)


def test_browser_that_stops_answering_pings_is_dropped(serve_with_rasa, monkeypatch):
    monkeypatch.setattr(web_module, "HEARTBEAT_SECONDS", 0.2)

    async def scenario(client: TestClient, rasa: FakeSocketServer) -> None:
        # autoping=False: this client receives the pings and, like a dead peer, never answers.
        browser = await client.ws_connect(SOCKET_URL, autoping=False)
        await browser.receive_str()
        assert (await asyncio.wait_for(browser.receive(), 5)).type == WSMsgType.PING
        await asyncio.wait_for(rasa.closed.wait(), 5)
        await eventually(lambda: limits(client).total == 0)
        await browser.close()

    serve_with_rasa(scenario)


# Request bodies: no route reads one


async def raw_status_line(client: TestClient, request: str) -> str:
    """Sends `request` as written and returns the status line of the answer."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    try:
        writer.write(request.encode())
        await writer.drain()
        return (await asyncio.wait_for(reader.readline(), 5)).decode().strip()
    finally:
        writer.close()


@pytest.mark.parametrize("path", ["/health", "/", "/confirmation/" + "A" * 43, SOCKET_URL])
def test_announced_large_body_is_refused_without_reading_it(serve, path):
    async def scenario(client: TestClient) -> None:
        # Only the headers are sent: an app that waited for the body would never answer.
        request = f"GET {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n"
        assert await raw_status_line(client, request) == "HTTP/1.1 413 Request Entity Too Large"

    serve(scenario)


def test_chunked_body_is_refused(serve):
    async def scenario(client: TestClient) -> None:
        request = "GET /health HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
        assert await raw_status_line(client, request) == "HTTP/1.1 413 Request Entity Too Large"

    serve(scenario)


def test_body_limit_through_the_client(serve):
    async def scenario(client: TestClient) -> None:
        too_large = await client.get("/health", data=b"x" * (web_module.MAX_BODY_BYTES + 1))
        assert too_large.status == 413
        assert await too_large.json() == {"error": "request body too large"}
        assert_security_headers(too_large)
        small = await client.get("/health", data=b"x" * 10)
        assert (small.status, await small.text()) == (200, "ok")

    serve(scenario)


# The database unavailable

CLOSED_POSTGRES_URL = "postgresql://nobody@127.0.0.1:1/test"


def assert_unavailable_page(response, html: str, language: str) -> None:
    assert response.status == 503
    assert response.headers["Retry-After"] == "60"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert_security_headers(response)
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in html
    assert f'<html lang="{language}">' in html
    assert escape(t("page.unavailable.body", language)) in html


def run_with_own_registry(monkeypatch, settings, scenario: Scenario) -> None:
    """Runs `scenario` against an app that builds its registry from `settings`."""
    monkeypatch.setenv("RASA_URL", f"http://127.0.0.1:{free_port()}")

    async def main() -> None:
        async with TestClient(await start_app(settings, None)) as client:
            await scenario(client)

    asyncio.run(main())


def test_app_starts_and_answers_while_the_database_is_down(monkeypatch, tmp_path, caplog):
    settings = load_settings(
        {"DATA_DIR": str(tmp_path), "BOT_SECRET_KEY": "test-secret", "DATABASE_URL": CLOSED_POSTGRES_URL}
    )
    token = "A" * 43

    async def scenario(client: TestClient) -> None:
        await eventually(lambda: any("tries again" in r.getMessage() for r in caplog.records))
        response = await client.get("/health")
        assert (response.status, await response.text()) == (200, "ok")
        for path, headers, language in [
            (f"/confirmation/{token}", {}, "en"),
            (f"/confirmation/{token}", {"Accept-Language": "es-BO,es;q=0.9"}, "es"),
            (f"/confirmation/{token}?lang=es", {}, "es"),
            (f"/confirmation/{token}.pdf", {}, "en"),
        ]:
            response = await client.get(path, headers=headers)
            assert_unavailable_page(response, await response.text(), language)

    with caplog.at_level(logging.INFO):
        run_with_own_registry(monkeypatch, settings, scenario)

    messages = [record.getMessage() for record in caplog.records]
    startup = [message for message in messages if "tries again" in message]
    assert startup == [
        (
            "the database is unavailable (psycopg2.OperationalError); "
            "the web app runs and tries again on each confirmation request"
        )
    ]
    assert not [message for message in messages if token[:10] in message]


def test_confirmation_opens_again_once_the_database_is_back(monkeypatch, tmp_path):
    path = tmp_path / "bot.sqlite3"
    writer = Registry(f"sqlite:///{path}", b"test-secret")
    confirmation = issue(writer, "es")
    writer.dispose()
    settings = load_settings(
        {
            "DATA_DIR": str(tmp_path),
            "BOT_SECRET_KEY": "test-secret",
            "DATABASE_URL": f"sqlite:///{path}?timeout=0.05",
        }
    )
    lock = sqlite3.connect(path, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")

    async def scenario(client: TestClient) -> None:
        url = f"/confirmation/{confirmation.token}"
        response = await client.get(url)
        assert_unavailable_page(response, await response.text(), "en")
        lock.execute("ROLLBACK")
        response = await client.get(url)
        assert response.status == 200
        assert confirmation.number in await response.text()
        assert (await client.get(url + ".pdf")).status == 200

    try:
        run_with_own_registry(monkeypatch, settings, scenario)
    finally:
        lock.close()


# Logging


def test_log_has_route_names_but_no_token(serve, registry, caplog):
    confirmation = issue(registry, "en")

    async def scenario(client: TestClient) -> None:
        await client.get(f"/confirmation/{confirmation.token}")
        await client.get(f"/confirmation/{confirmation.token}.pdf")

    with caplog.at_level(logging.INFO):
        serve(scenario)

    messages = [record.getMessage() for record in caplog.records]
    assert [message for message in messages if message.startswith("GET confirmation 200 ")]
    assert [message for message in messages if message.startswith("GET confirmation_pdf 200 ")]
    assert not [message for message in messages if confirmation.token[:10] in message]


def test_main_uses_the_route_access_log(monkeypatch, tmp_path):
    calls: list[dict[str, Any]] = []
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/t.db")
    monkeypatch.setenv("WEB_PORT", "8123")
    monkeypatch.delenv("WEB_HOST", raising=False)
    monkeypatch.setattr(web_module.web, "run_app", lambda app, **options: calls.append(options))

    web_module.main()

    assert calls == [{"host": "127.0.0.1", "port": 8123, "access_log_class": RouteAccessLogger}]

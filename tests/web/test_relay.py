"""The WebSocket relay to Rasa's socket.io server (bot/web/relay.py) and its limits."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable
from typing import Any

import aiohttp
import pytest
from aiohttp import WSCloseCode, WSMsgType, WSServerHandshakeError
from aiohttp.test_utils import TestClient, TestServer

from bot.launcher import free_port
from bot.web import relay as relay_module
from tests.web.support import (
    SOCKET_URL,
    FakeSocketServer,
    assert_security_headers,
    eventually,
    start_app,
)

# The WebSocket relay to Rasa's socket.io server


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
            await socket.send_str("x" * (relay_module.MAX_FRAME_BYTES + 1))
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


def limits(client: TestClient) -> relay_module.SocketLimits:
    return client.server.app[relay_module.SOCKET_LIMITS]


async def refused_status(connect: Awaitable[Any]) -> int:
    with pytest.raises(WSServerHandshakeError) as error:
        await connect
    return error.value.status


def test_socket_limits_count_per_client_and_overall():
    socket_limits = relay_module.SocketLimits(per_client=2, overall=3)
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
    monkeypatch.setattr(relay_module, "HEARTBEAT_SECONDS", 0.2)

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
    monkeypatch.setattr(relay_module, "HEARTBEAT_SECONDS", 0.2)

    async def scenario(client: TestClient, rasa: FakeSocketServer) -> None:
        # autoping=False: this client receives the pings and, like a dead peer, never answers.
        browser = await client.ws_connect(SOCKET_URL, autoping=False)
        await browser.receive_str()
        assert (await asyncio.wait_for(browser.receive(), 5)).type == WSMsgType.PING
        await asyncio.wait_for(rasa.closed.wait(), 5)
        await eventually(lambda: limits(client).total == 0)
        await browser.close()

    serve_with_rasa(scenario)


# Several Rasa servers: each page stays on one, and moves only when it is down

SERVERS = [relay_module.socket_url(f"http://rasa-{number}:5005") for number in range(3)]


def test_a_session_always_gets_the_same_order_of_servers():
    order = relay_module.servers_for("0123abcd", SERVERS)
    assert sorted(order) == sorted(SERVERS)
    assert all(relay_module.servers_for("0123abcd", SERVERS) == order for _ in range(5))
    assert relay_module.servers_for("0123abcd", list(reversed(SERVERS))) == order


def test_sessions_spread_over_the_servers():
    firsts = [relay_module.servers_for(f"session-{number}", SERVERS)[0] for number in range(3000)]
    assert all(800 < firsts.count(server) < 1200 for server in SERVERS)


def test_a_server_leaving_moves_only_its_own_sessions():
    sessions = [f"session-{number}" for number in range(600)]
    before = {session: relay_module.servers_for(session, SERVERS)[0] for session in sessions}
    remaining = SERVERS[:2]
    after = {session: relay_module.servers_for(session, remaining)[0] for session in sessions}
    moved = [session for session in sessions if before[session] != after[session]]
    assert moved == [session for session in sessions if before[session] == SERVERS[2]]


def test_the_relay_keeps_a_page_on_its_server_and_moves_it_when_that_one_is_down(
    monkeypatch, settings, registry
):
    first, second = FakeSocketServer(), FakeSocketServer()

    async def main() -> None:
        async with TestServer(first.app()) as one, TestServer(second.app()) as two:
            urls = [str(one.make_url("")), str(two.make_url(""))]
            sockets = [relay_module.socket_url(url) for url in urls]
            preferred = sockets.index(relay_module.servers_for("page-1", sockets)[0])
            monkeypatch.setenv("RASA_URLS", ",".join(urls))
            async with TestClient(await start_app(settings, registry)) as client:
                for _ in range(3):
                    async with client.ws_connect(f"{SOCKET_URL}&session=page-1") as socket:
                        await socket.receive_str()
            fakes = (first, second)
            assert len(fakes[preferred].queries) == 3
            assert fakes[1 - preferred].queries == []
            # The preferred server goes down: the same page reaches the other one.
            down = free_port()
            urls[preferred] = f"http://127.0.0.1:{down}/"
            monkeypatch.setenv("RASA_URLS", ",".join(urls))
            app = await start_app(settings, registry)
            async with TestClient(app) as client, client.ws_connect(f"{SOCKET_URL}&session=page-1") as socket:
                await socket.receive_str()
            assert fakes[1 - preferred].queries == [
                {"EIO": "4", "transport": "websocket", "session": "page-1"}
            ]

    asyncio.run(main())

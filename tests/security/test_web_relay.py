"""Hole 2: 100 open WebSockets from one address locked everyone out of the web chat
(the relay's connection pool was aiohttp's default 100). Now one address holds a
bounded number of sockets and a new visitor from elsewhere still gets in."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from bot.launcher import Stack

HOLDER, VISITOR = "127.0.0.1", "127.0.0.2"


async def _open(session: aiohttp.ClientSession, url: str) -> aiohttp.ClientWebSocketResponse | int:
    """An open socket.io WebSocket (its engine.io "open" packet read), or the HTTP status."""
    try:
        socket = await session.ws_connect(url, timeout=10)
    except aiohttp.WSServerHandshakeError as error:
        return error.status
    message = await socket.receive(timeout=10)
    assert message.type == aiohttp.WSMsgType.TEXT and message.data.startswith("0{"), message
    return socket


async def _lock_out_attempt(web_port: int, held: int) -> tuple[list[int], int | str]:
    url = f"http://127.0.0.1:{web_port}/socket.io/?EIO=4&transport=websocket"
    holder = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, local_addr=(HOLDER, 0)))
    visitor = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(VISITOR, 0)))
    try:
        opened = await asyncio.gather(*(_open(holder, url) for _ in range(held)))
        refused = [result for result in opened if isinstance(result, int)]
        newcomer = await _open(visitor, url)
        outcome: int | str = newcomer if isinstance(newcomer, int) else "open"
        for result in opened:
            if not isinstance(result, int):
                await result.close()
        if not isinstance(newcomer, int):
            await newcomer.close()
        return refused, outcome
    finally:
        await holder.close()
        await visitor.close()


def test_one_address_cannot_lock_out_a_new_visitor(stack: Stack) -> None:
    refused, newcomer = asyncio.run(_lock_out_attempt(stack.settings.web_port, held=120))
    assert newcomer == "open"
    assert refused and set(refused) == {429}, refused


def test_sockets_are_given_back_when_closed(stack: Stack) -> None:
    """After the holder let go, the same address gets in again."""
    asyncio.run(_lock_out_attempt(stack.settings.web_port, held=30))
    for _ in range(20):  # the relay notices the closes within moments
        refused, newcomer = asyncio.run(_lock_out_attempt(stack.settings.web_port, held=5))
        if not refused:
            break
        time.sleep(0.5)
    assert refused == [] and newcomer == "open"

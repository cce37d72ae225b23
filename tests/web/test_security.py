"""What every response gets or is refused (bot/web/security.py): request bodies, and an
access log without tokens."""

from __future__ import annotations

import asyncio
import logging

import pytest
from aiohttp.test_utils import TestClient

from bot.web import security as security_module
from tests.web.support import SOCKET_URL, assert_security_headers, issue

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
        too_large = await client.get("/health", data=b"x" * (security_module.MAX_BODY_BYTES + 1))
        assert too_large.status == 413
        assert await too_large.json() == {"error": "request body too large"}
        assert_security_headers(too_large)
        small = await client.get("/health", data=b"x" * 10)
        assert (small.status, await small.text()) == (200, "ok")

    serve(scenario)


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

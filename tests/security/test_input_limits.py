"""Limits before work, against the running stack: an announced oversized body is
refused from its header, REST and socket.io metadata is reduced to the keys the
assistant uses, deeply nested metadata and lone surrogates neither crash a turn nor
break the saved tracker."""

from __future__ import annotations

import asyncio
import json
import random
import socket
import string
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.channels.telegram import SECRET_HEADER
from bot.channels.whatsapp import twilio_signature
from bot.core.i18n import t
from bot.launcher import Stack
from tests.e2e.support import AUTH_TOKEN, http
from tests.fakes import telegram as fake
from tests.fakes.whatsapp import TWILIO_AUTH_TOKEN, WEBHOOK_PATH, incoming_form, new_number, webhook_url

ANNOUNCED = 80_000_000
DEPTH = 500


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"a": "x"}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


def rest_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.settings.rasa_port}/webhooks/rest/webhook"


def tracker(stack: Stack, sender: str) -> tuple[dict, bytes]:
    url = f"http://127.0.0.1:{stack.settings.rasa_port}/conversations/{urllib.parse.quote(sender)}/tracker"
    status, raw, _ = http("GET", f"{url}?token={AUTH_TOKEN}")
    assert status == 200, raw[:500]
    return json.loads(raw), raw


def user_events(stack: Stack, sender: str) -> list[dict]:
    return [event for event in tracker(stack, sender)[0]["events"] if event["event"] == "user"]


def post_rest(stack: Stack, body: Any) -> tuple[int, list[dict] | bytes]:
    status, raw, _ = http("POST", rest_url(stack), body, {"Content-Type": "application/json"})
    return status, (json.loads(raw) if status == 200 else raw)


def reply_text(replies: list[dict]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def assert_normal_reply(status: int, replies: Any, language: str) -> None:
    assert status == 200, f"{status}: {replies!r}"[:500]
    assert replies and reply_text(replies).strip(), replies
    assert t("system.unavailable", language) not in reply_text(replies), reply_text(replies)


# An announced oversized body is refused from the header


def status_for_announced_body(
    port: int, path: str, headers: dict[str, str], start: bytes
) -> tuple[int, float]:
    """Sends the request line, the headers with Content-Length: 80,000,000 and only
    `start` of the body; returns the status code and how long the answer took."""
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Content-Length: {ANNOUNCED}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + start)
        received = b""
        try:
            while b"\r\n" not in received:
                sock.settimeout(max(0.01, 2 - (time.monotonic() - started)))
                chunk = sock.recv(4096)
                if not chunk:
                    break
                received += chunk
        except TimeoutError:
            pytest.fail(f"no answer within 2 s to a body announced as {ANNOUNCED} bytes on {path}")
    elapsed = time.monotonic() - started
    status_line = received.split(b"\r\n", 1)[0].decode("latin-1")
    assert status_line.startswith("HTTP/1."), f"no status line on {path}: {received[:200]!r}"
    return int(status_line.split()[1]), elapsed


def whatsapp_headers(stack: Stack) -> tuple[dict[str, str], bytes]:
    fields = incoming_form(new_number("+5917"), "hola")
    signature = twilio_signature(TWILIO_AUTH_TOKEN, webhook_url(stack.settings.rasa_port), fields.items())
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return headers, urllib.parse.urlencode(fields).encode()[:40]


ANNOUNCED_CASES = {
    "rest": ("/webhooks/rest/webhook", 413),
    "whatsapp": (WEBHOOK_PATH, 413),
    "telegram-right-secret": ("/webhooks/telegram/webhook", 413),
    "telegram-wrong-secret": ("/webhooks/telegram/webhook", 403),
}


@pytest.mark.parametrize("channel", ANNOUNCED_CASES)
def test_an_announced_80_mb_body_is_refused_from_the_header(stack: Stack, channel: str) -> None:
    """Hole: the webhook waits to read (and buffers) whatever body size the client
    announces, so one connection announcing 80 MB ties up the server instead of getting
    413 (403 when the Telegram secret is wrong) at once."""
    path, expected = ANNOUNCED_CASES[channel]
    if channel == "rest":
        headers, start = {"Content-Type": "application/json"}, b'{"sender": "x", "mess'
    elif channel == "whatsapp":
        headers, start = whatsapp_headers(stack)
    else:
        secret = fake.SECRET if channel == "telegram-right-secret" else fake.SECRET + "-wrong"
        headers, start = {"Content-Type": "application/json", SECRET_HEADER: secret}, b'{"update_id": 1, '
    status, elapsed = status_for_announced_body(stack.settings.rasa_port, path, headers, start)
    assert status == expected, f"{channel}: got {status} after {elapsed:.2f} s, expected {expected}"
    assert elapsed < 2


# REST metadata is reduced to the keys the assistant uses


def test_rest_metadata_is_reduced_to_the_keys_the_assistant_uses(stack: Stack) -> None:
    """Hole: every metadata key a client sends is stored in the tracker with each user
    event, so 30 messages of 100 KB of junk metadata grow the tracker to megabytes.
    (12 here: from 13 messages on, bot.tracker_store keeps only the last turns.)"""
    rng = random.Random(221)
    sender = "limits-meta-" + uuid.uuid4().hex
    sent_keys: set[str] = set()
    for index in range(12):
        metadata: dict[str, Any] = {"language": "es"}
        for _ in range(20):
            key = "junk_" + uuid.uuid4().hex[:12]
            sent_keys.add(key)
            metadata[key] = "".join(rng.choices(string.ascii_letters, k=5_000))
        status, replies = post_rest(stack, {"sender": sender, "message": "hola", "metadata": metadata})
        assert status == 200, f"message {index}: {status} {replies!r}"[:300]
        assert replies, f"message {index}: no reply"
    body, raw = tracker(stack, sender)
    users = [event for event in body["events"] if event["event"] == "user"]
    assert len(users) == 12, f"{len(users)} user events in the tracker"
    assert len(raw) < 200_000, f"the tracker is {len(raw)} bytes after 12 messages"
    kept = [sorted(set(event.get("metadata") or {}) & sent_keys) for event in users]
    assert not any(kept), f"junk metadata keys kept: {[keys[:3] for keys in kept if keys][:3]}"
    assert not [key for key in sent_keys if key in raw.decode()], "junk keys appear in the tracker"


# Deeply nested metadata


def test_metadata_nested_500_levels_deep_neither_fails_the_turn_nor_the_saved_tracker(stack: Stack) -> None:
    """Hole: metadata nested 500 levels deep makes serialising the tracker hit the
    recursion limit: the turn fails, or the tracker is not saved and the next message
    starts from a broken conversation."""
    sender = "limits-deep-" + uuid.uuid4().hex
    status, replies = post_rest(
        stack, {"sender": sender, "message": "hola", "metadata": {"language": "es", "a": nested(DEPTH)}}
    )
    assert_normal_reply(status, replies, "es")
    assert t("registered.ask", "es") in reply_text(replies), reply_text(replies)
    status, replies = post_rest(stack, {"sender": sender, "message": "no", "metadata": {"language": "es"}})
    assert_normal_reply(status, replies, "es")
    assert t("passport.ask", "es") in reply_text(replies), reply_text(replies)
    assert [event["text"] for event in user_events(stack, sender)] == ["hola", "no"]


# A lone surrogate in the text


def traceback_count(log: Path) -> int:
    if not log.exists():
        return 0
    return sum(1 for line in log.read_text(errors="replace").splitlines() if "Traceback" in line)


def test_a_lone_surrogate_in_the_text_gets_a_normal_reply_and_no_traceback(stack: Stack) -> None:
    """Hole: a lone surrogate (\\ud800, valid JSON escape, not encodable as UTF-8) in a
    message raises UnicodeEncodeError while the turn is logged, stored or sent to the
    action server: the person gets the apology and the log a traceback."""
    log = stack.settings.data_dir / "logs" / "rasa.log"
    before = traceback_count(log)
    sender = "limits-surrogate-" + uuid.uuid4().hex
    raw = (
        b'{"sender": "' + sender.encode() + b'", "message": "hola \\ud800 quiero enviar documentos", '
        b'"metadata": {"language": "es"}}'
    )
    assert b"\\ud800" in raw
    status, replies = post_rest(stack, raw)
    assert_normal_reply(status, replies, "es")
    status, replies = post_rest(stack, {"sender": sender, "message": "no", "metadata": {"language": "es"}})
    assert_normal_reply(status, replies, "es")
    time.sleep(1)  # anything logged after the answer
    assert len(user_events(stack, sender)) == 2
    after = traceback_count(log)
    assert after == before, f"rasa.log has {after - before} new Traceback line(s)"


# The web chat's socket.io relay


async def socketio_exchange(
    origin: str, port: int, session_id: str, message: str, custom_data: dict
) -> list[Any]:
    """Opens the chat page's socket.io connection through the web app's relay, sends
    one user_uttered event written as raw JSON and returns the first bot_uttered
    payloads (waits at most 30 s for a reply)."""
    url = f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket"
    timeout = aiohttp.ClientTimeout(total=40)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.ws_connect(url, headers={"Origin": origin}) as ws,
    ):

        async def next_text(deadline: float) -> str:
            while True:
                remaining = deadline - time.monotonic()
                assert remaining > 0, "no answer within 30 s"
                message = await asyncio.wait_for(ws.receive(), remaining)
                assert message.type == aiohttp.WSMsgType.TEXT, f"socket closed or odd frame: {message}"
                if message.data == "2":  # engine.io ping
                    await ws.send_str("3")
                    continue
                return message.data

        deadline = time.monotonic() + 30
        opening = await next_text(deadline)
        assert opening.startswith("0{"), opening
        await ws.send_str("40")
        while not (frame := await next_text(deadline)).startswith("40"):
            pass
        await ws.send_str("42" + json.dumps(["session_request", {"session_id": session_id}]))
        while not (frame := await next_text(deadline)).startswith('42["session_confirm"'):
            pass
        event = {"message": message, "session_id": session_id, "customData": custom_data}
        frame = "42" + json.dumps(["user_uttered", event])  # ensure_ascii: "\ud800" stays an escape
        await ws.send_str(frame)
        deadline = time.monotonic() + 30
        replies = []
        while not replies:
            frame = await next_text(deadline)
            if frame.startswith('42["bot_uttered"'):
                replies.append(json.loads(frame[2:])[1])
        return replies


def test_socketio_metadata_is_reduced_and_a_lone_surrogate_still_gets_a_reply(stack: Stack) -> None:
    """Hole: the web chat's socket.io messages bypass the REST limits: customData nested
    500 levels deep with a lone surrogate in the text fails the turn (no reply ever
    comes) or is stored whole in the tracker."""
    session_id = uuid.uuid4().hex
    custom_data = {"language": "es", "a": nested(DEPTH)}
    replies = asyncio.run(
        socketio_exchange(
            stack.settings.public_url, stack.settings.web_port, session_id, "hola \ud800", custom_data
        )
    )
    assert replies and any(reply.get("text") for reply in replies), replies
    assert t("system.unavailable", "es") not in json.dumps(replies, ensure_ascii=False), replies
    deadline = time.monotonic() + 10  # the tracker is saved after the turn's replies are emitted
    while True:
        body, raw = tracker(stack, session_id)
        users = [event for event in body["events"] if event["event"] == "user"]
        if users or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert users, "the socket.io message is not in the tracker 10 s after the reply"
    for event in users:
        assert "a" not in (event.get("metadata") or {}), (
            f"nested metadata kept: {str(event['metadata'])[:200]}"
        )
    assert b'{"a": {"a"' not in raw and b'{"a":{"a"' not in raw, "nested metadata kept in the tracker"

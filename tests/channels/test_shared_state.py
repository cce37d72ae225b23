"""Re-deliveries and the order of one person's turns across several Rasa servers
(bot/channels/shared_state.py), on the machine's real Redis: each "server" is an
instance with a Redis client of its own, and a server that dies is a process that is
killed. Then the Telegram and WhatsApp webhooks on two servers sharing Redis."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage

from bot.channels import shared_state
from bot.channels.base import conversation_id
from bot.channels.shared_state import (
    RecentIds,
    RedisRecentIds,
    RedisTurnOrder,
    TurnOrder,
    channel_state,
)
from bot.channels.telegram import TelegramConfig, TelegramInput
from bot.channels.whatsapp import TwilioConfig, WhatsAppInput, form_fields, twilio_signature
from bot.core.shared_store import async_redis_client, hashed_name
from tests.channels.test_telegram import Agent as TelegramAgent
from tests.channels.test_telegram import Rasa
from tests.channels.test_whatsapp import twilio_form
from tests.core.redis_support import REDIS_URL, assert_reveals_nothing, redis_prefix, stored
from tests.fakes import telegram as fake
from tests.fakes.rasa import Agent, exchange, serve
from tests.fakes.recorder import RecordingServer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = b"unit-test-key"
STATE_KEY = b"shared-state-test-key"
PHONE = "whatsapp:+59171234567"
PERSON = conversation_id("whatsapp", PHONE, SECRET_KEY)
OTHER = conversation_id("whatsapp", "whatsapp:+59177654321", SECRET_KEY)


@pytest.fixture
def prefix() -> Iterator[str]:
    with redis_prefix() as prefix:
        yield prefix


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """The shared state of one Rasa server: its own Redis client. Made inside the event
    loop that uses it, and closed in it."""

    def __init__(self, prefix: str, lease_s: float = shared_state.LEASE_S, url: str = REDIS_URL) -> None:
        self.client = async_redis_client(url)
        self.seen = RedisRecentIds(self.client, "whatsapp", STATE_KEY, RecentIds(16), prefix=prefix)
        self.turns = RedisTurnOrder(self.client, STATE_KEY, lease_s=lease_s, prefix=prefix)

    async def close(self) -> None:
        await self.client.close()


class Clock:
    """When each turn started and ended (event-loop time)."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}
        self.ended: dict[str, float] = {}

    async def turn(self, name: str, seconds: float = 0.0) -> None:
        loop = asyncio.get_running_loop()
        self.started[name] = loop.time()
        await asyncio.sleep(seconds)
        self.ended[name] = loop.time()


# --- the choice of the backend -----------------------------------------------------------------------------


def test_without_a_shared_store_the_state_is_in_memory() -> None:
    seen, turns = channel_state("telegram", 8, SECRET_KEY, None)
    assert type(seen) is RecentIds and type(turns) is TurnOrder


def test_with_a_shared_store_the_state_is_in_redis() -> None:
    seen, turns = channel_state("telegram", 8, SECRET_KEY, REDIS_URL)  # connects on first use only
    assert type(seen) is RedisRecentIds and type(turns) is RedisTurnOrder


@pytest.mark.parametrize("channel", [TelegramInput, WhatsAppInput])
def test_a_channel_started_by_rasa_uses_lock_store_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, channel: Any
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    config = (
        TelegramConfig("t", "s")
        if channel is TelegramInput
        else TwilioConfig("AC1", "t", "w:+1", "https://x")
    )
    monkeypatch.setenv("LOCK_STORE_URL", REDIS_URL)
    shared = channel.from_config(config)
    monkeypatch.setenv("LOCK_STORE_URL", "")
    alone = channel.from_config(config)
    assert type(shared.seen) is RedisRecentIds and type(shared.turns) is RedisTurnOrder
    assert type(alone.seen) is RecentIds and type(alone.turns) is TurnOrder


# --- re-deliveries ------------------------------------------------------------------------------------------


def test_a_message_id_seen_by_two_servers_is_new_only_once(prefix: str) -> None:
    async def scenario() -> list[bool]:
        one, two = Server(prefix), Server(prefix)
        try:
            return [
                await one.seen.is_new("SM0123456789abcdef"),
                await two.seen.is_new("SM0123456789abcdef"),
                await one.seen.is_new("SM0123456789abcdef"),
                await two.seen.is_new("SM_another"),
                await one.seen.is_new(812_345_678),  # a Telegram update_id
                await two.seen.is_new(812_345_678),
            ]
        finally:
            await one.close()
            await two.close()

    assert asyncio.run(scenario()) == [True, False, False, True, True, False]
    assert len(stored(prefix)) == 3
    assert_reveals_nothing(prefix, "SM0123456789abcdef", "SM_another", "812345678")
    assert all(0 < ttl <= shared_state.REDELIVERY_TTL_S * 1000 for _, ttl in stored(prefix).values())


def test_a_remembered_id_expires(prefix: str) -> None:
    async def scenario() -> list[bool]:
        client = async_redis_client(REDIS_URL)
        seen = RedisRecentIds(client, "telegram", STATE_KEY, RecentIds(4), ttl_s=0.2, prefix=prefix)
        try:
            first, again = await seen.is_new(1), await seen.is_new(1)
            await asyncio.sleep(0.3)
            return [first, again, await seen.is_new(1)]
        finally:
            await client.close()

    assert asyncio.run(scenario()) == [True, False, True]


# --- one person's turns across two servers ---------------------------------------------------------------


def test_a_persons_next_turn_on_another_server_waits_for_the_first(prefix: str) -> None:
    clock = Clock()

    async def scenario() -> dict[str, Any]:
        one, two = Server(prefix), Server(prefix)
        try:
            first = await one.turns.run(PERSON, clock.turn("first", 0.3), "test turn")
            # The place in line is taken before run() returns: before the webhook answers.
            line = stored(prefix)
            second = await two.turns.run(PERSON, clock.turn("second"), "test turn")
            other = await two.turns.run(OTHER, clock.turn("other"), "test turn")
            await asyncio.gather(first, second, other)
            return line
        finally:
            await one.close()
            await two.close()

    line = asyncio.run(scenario())
    assert [values[:2] for values, _ in line.values()] == [[b"next", b"1"]]
    assert clock.started["second"] >= clock.ended["first"]
    assert clock.ended["other"] < clock.ended["first"]  # another person never waits
    assert_reveals_nothing(prefix, PERSON, PERSON.split("-")[1], OTHER, "59171234567")


def test_three_turns_of_one_person_spread_over_two_servers_run_in_arrival_order(prefix: str) -> None:
    clock = Clock()

    async def scenario() -> None:
        one, two = Server(prefix), Server(prefix)
        try:
            tasks = [
                await one.turns.run(PERSON, clock.turn("1", 0.15), "test turn"),
                await two.turns.run(PERSON, clock.turn("2", 0.1), "test turn"),
                await one.turns.run(PERSON, clock.turn("3"), "test turn"),
            ]
            await asyncio.gather(*tasks)
        finally:
            await one.close()
            await two.close()

    asyncio.run(scenario())
    assert clock.ended["1"] <= clock.started["2"] and clock.ended["2"] <= clock.started["3"]


def test_a_failed_turn_gives_its_place_up_at_once(prefix: str, caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()

    async def failing() -> None:
        raise RuntimeError("passport X1234567")

    async def scenario() -> float:
        one, two = Server(prefix), Server(prefix)
        try:
            loop = asyncio.get_running_loop()
            start = loop.time()
            first = await one.turns.run(PERSON, failing(), "test message")
            second = await two.turns.run(PERSON, clock.turn("second"), "test message")
            await asyncio.gather(first, second)
            return clock.started["second"] - start
        finally:
            await one.close()
            await two.close()

    with caplog.at_level(logging.ERROR, logger="bot.channels.shared_state"):
        waited = asyncio.run(scenario())
    assert waited < 1.0  # not the lease of LEASE_S
    assert [record.getMessage() for record in caplog.records] == ["Handling a test message failed."]


# A server that takes a person's place in line and runs a turn that never ends.
HOLDER = """
import asyncio, sys
from bot.channels.shared_state import RedisTurnOrder
from bot.core.shared_store import async_redis_client, hashed_name

url, prefix, person, key, lease = sys.argv[1:]

async def forever() -> None:
    print("running", flush=True)
    await asyncio.Event().wait()

async def main() -> None:
    turns = RedisTurnOrder(async_redis_client(url), key.encode(), lease_s=float(lease), prefix=prefix)
    await turns.run(person, forever(), "test turn")
    await asyncio.Event().wait()

asyncio.run(main())
"""


def test_a_server_that_dies_mid_turn_blocks_the_person_only_until_its_lease_runs_out(prefix: str) -> None:
    lease = 0.4
    clock = Clock()

    async def scenario() -> tuple[float, float]:
        holder = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            HOLDER,
            REDIS_URL,
            prefix,
            PERSON,
            STATE_KEY.decode(),
            str(lease),
            cwd=PROJECT_ROOT,
            stdout=asyncio.subprocess.PIPE,
        )
        two = Server(prefix, lease_s=lease)
        try:
            assert holder.stdout is not None
            assert await asyncio.wait_for(holder.stdout.readline(), 30) == b"running\n"
            second = await two.turns.run(PERSON, clock.turn("second"), "test turn")
            # The holder is alive and renews its lease: its turn keeps its place.
            await asyncio.sleep(4 * lease)
            assert "second" not in clock.started
            os.kill(holder.pid, signal.SIGKILL)
            killed = asyncio.get_running_loop().time()
            await asyncio.wait_for(second, 10)
            return killed, clock.started["second"]
        finally:
            if holder.returncode is None:
                holder.kill()
            await holder.wait()
            await two.close()

    killed, started = asyncio.run(scenario())
    assert killed < started < killed + lease + 1.0


def test_a_ticket_taken_and_never_released_is_skipped_after_its_lease(prefix: str) -> None:
    lease = 0.3
    clock = Clock()

    async def scenario() -> float:
        one, two = Server(prefix, lease_s=lease), Server(prefix, lease_s=lease)
        try:
            # A server that took a ticket and vanished before renewing or releasing it.
            line = f"{prefix}turns:{hashed_name(STATE_KEY, PERSON)}"
            assert await one.turns._take(keys=[line], args=[int(lease * 1000), 60_000]) == 1
            start = asyncio.get_running_loop().time()
            await asyncio.wait_for(await two.turns.run(PERSON, clock.turn("second"), "test turn"), 10)
            return clock.started["second"] - start
        finally:
            await one.close()
            await two.close()

    waited = asyncio.run(scenario())
    assert lease * 0.5 < waited < lease + 1.0


# --- Redis down: the message still gets its turn ------------------------------------------------------------


def test_without_redis_re_deliveries_and_order_fall_back_to_this_server(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    url = f"redis://127.0.0.1:{closed_port()}/0"

    async def scenario() -> list[bool]:
        server = Server("unused:", url=url)
        try:
            seen = [await server.seen.is_new("SM1"), await server.seen.is_new("SM1")]
            first = await server.turns.run(PERSON, clock.turn("first", 0.1), "test turn")
            second = await server.turns.run(PERSON, clock.turn("second"), "test turn")
            await asyncio.gather(first, second)
            return seen
        finally:
            await server.close()

    with caplog.at_level(logging.WARNING, logger="bot.channels.shared_state"):
        assert asyncio.run(scenario()) == [True, False]
    assert clock.ended["first"] <= clock.started["second"]
    messages = " ".join(record.getMessage() for record in caplog.records)
    assert "Redis failed (ConnectionError)" in messages
    assert "127.0.0.1" not in messages and PERSON not in messages


# --- the webhooks on two servers that share Redis -----------------------------------------------------------

CHAT = 7_100_200_300
TELEGRAM_SENDER = conversation_id("telegram", str(CHAT), SECRET_KEY)


def share(channel: Any, server: Server) -> Any:
    channel.seen, channel.turns = server.seen, server.turns
    return channel


def test_telegram_on_two_servers_handles_a_re_delivery_once_and_a_chat_in_order(
    prefix: str, api: RecordingServer
) -> None:
    class SlowFirst(Rasa):
        async def __call__(self, message: UserMessage) -> None:
            self.received.append(message)
            if message.text == "first":
                await asyncio.sleep(0.3)
            await message.output_channel.send_text_message(message.sender_id, f"re: {message.text}")

    rasa, agent = SlowFirst(), TelegramAgent()
    config = TelegramConfig(fake.TOKEN, fake.SECRET, api.url)

    async def scenario() -> list[tuple[int, dict]]:
        one, two = Server(prefix), Server(prefix)
        try:
            a = share(TelegramInput(config, SECRET_KEY), one)
            b = share(TelegramInput(config, SECRET_KEY), two)
            update = [json.dumps(fake.text_update(CHAT, text)).encode() for text in ("first", "second")]
            first = asyncio.create_task(a.respond(fake.SECRET, update[0], agent, rasa))
            while not rasa.received:
                await asyncio.sleep(0.01)
            again = await b.respond(fake.SECRET, update[0], agent, rasa)  # Telegram re-sends it
            second = await b.respond(fake.SECRET, update[1], agent, rasa)
            return [await first, again, second]
        finally:
            await one.close()
            await two.close()

    assert asyncio.run(scenario()) == [(200, {"ok": True})] * 3
    assert [message.text for message in rasa.received] == ["first", "second"]
    assert [body["text"] for _, body in fake.calls(api)] == ["re: first", "re: second"]
    assert_reveals_nothing(prefix, str(CHAT), TELEGRAM_SENDER, TELEGRAM_SENDER.split("-")[1])


def test_whatsapp_on_two_servers_handles_a_re_delivery_once_and_a_number_in_order(prefix: str) -> None:
    twilio = RecordingServer(answer=lambda _: {"sid": "SM" + "1" * 32, "status": "queued"})
    twilio.start()
    url = "https://bot.example.org/webhooks/whatsapp/webhook"
    config = TwilioConfig("AC123", "token", "whatsapp:+14155238886", url, api_base=twilio.url)
    agent = Agent(replies=("ok",))
    received: list[str] = []

    async def handle_message(message: UserMessage) -> None:
        received.append(message.text)
        if message.text == "first":
            await asyncio.sleep(0.3)
        await message.output_channel.send_text_message(message.sender_id, f"re: {message.text}")

    agent.handle_message = handle_message  # type: ignore[method-assign]

    def signed(text: str, sid: str) -> tuple[dict[str, str], bytes]:
        body = urllib.parse.urlencode(twilio_form(Body=text, MessageSid=sid)).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Connection": "close",
            "X-Twilio-Signature": twilio_signature("token", url, form_fields(body).items()),
        }
        return headers, body

    async def scenario() -> list[int]:
        one, two = Server(prefix), Server(prefix)
        path = "/webhooks/whatsapp/webhook"
        try:
            async with (
                serve(share(WhatsAppInput(config, SECRET_KEY), one), agent) as port_one,
                serve(share(WhatsAppInput(config, SECRET_KEY), two), agent) as port_two,
            ):
                first = asyncio.create_task(exchange(port_one, path, *signed("first", "SM" + "a" * 32)))
                while not received:
                    await asyncio.sleep(0.01)
                again = await exchange(port_two, path, *signed("first", "SM" + "a" * 32))
                second = await exchange(port_two, path, *signed("second", "SM" + "b" * 32))
                return [(await first)[0], again[0], second[0]]
        finally:
            await one.close()
            await two.close()

    try:
        assert asyncio.run(scenario()) == [200, 200, 200]
        assert received == ["first", "second"]
        assert [request.body["Body"] for request in twilio.requests] == ["re: first", "re: second"]
    finally:
        twilio.stop()
    sender = conversation_id("whatsapp", PHONE, SECRET_KEY)
    assert_reveals_nothing(prefix, "59171234567", sender, sender.split("-")[1], "SM" + "a" * 32)

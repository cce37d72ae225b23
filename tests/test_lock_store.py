"""The lock store endpoints.yml names (bot/lock_store.py): in memory without
LOCK_STORE_URL, Rasa's Redis store shared by every server with it, on this
machine's Redis (127.0.0.1:6379; fails, not skips, when it is down)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from rasa.core.lock_store import InMemoryLockStore

from bot.lock_store import BotLockStore, SharedRedisLockStore, lock_store_from_env

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def conversation() -> Iterator[str]:
    """A conversation id of this test; its keys are deleted afterwards."""
    conversation_id = "lock-test-" + uuid.uuid4().hex
    yield conversation_id
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"*{conversation_id}*"):
        client.delete(key)


def test_without_a_url_it_is_rasas_in_memory_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    assert type(BotLockStore(endpoint_config=None)) is InMemoryLockStore
    assert type(lock_store_from_env({"LOCK_STORE_URL": "  "})) is InMemoryLockStore


def test_with_a_redis_url_it_is_the_shared_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCK_STORE_URL", REDIS_URL)
    store = BotLockStore(endpoint_config=None)
    assert isinstance(store, SharedRedisLockStore)
    assert store.red.ping()


def test_another_scheme_is_refused_without_echoing_the_url() -> None:
    with pytest.raises(ValueError, match="LOCK_STORE_URL") as error:
        lock_store_from_env({"LOCK_STORE_URL": "postgresql://user:s3cret@db/x"})
    assert "s3cret" not in str(error.value)


def test_two_servers_never_hold_one_conversation_at_once(conversation: str) -> None:
    first, second = SharedRedisLockStore(REDIS_URL), SharedRedisLockStore(REDIS_URL)
    order: list[str] = []

    async def turn(store: SharedRedisLockStore, name: str, delay: float) -> None:
        await asyncio.sleep(delay)
        async with store.lock(conversation, lock_lifetime=10, wait_time_in_seconds=0.05):
            order.append(f"{name} in")
            await asyncio.sleep(0.3)
            order.append(f"{name} out")

    async def both() -> None:
        await asyncio.gather(turn(first, "first", 0), turn(second, "second", 0.1))

    asyncio.run(both())
    assert order == ["first in", "first out", "second in", "second out"]


def test_a_turn_waiting_behind_a_dead_server_gets_in_when_both_tickets_expired(conversation: str) -> None:
    """A server died holding the turn (its ticket never cleaned up); the next turn's
    ticket expires about when the dead one does. Rasa's own loop then waits forever."""
    store = SharedRedisLockStore(REDIS_URL)
    store.issue_ticket(conversation, lock_lifetime=0.5)  # the dead server's
    started = time.monotonic()

    async def next_turn() -> None:
        async with store.lock(conversation, lock_lifetime=0.5, wait_time_in_seconds=1):
            pass

    asyncio.run(asyncio.wait_for(next_turn(), timeout=10))
    assert time.monotonic() - started < 5
    assert store.get_lock(conversation) is None  # cleaned up after the turn

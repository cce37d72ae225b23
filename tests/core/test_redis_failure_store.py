"""The lookup limits in the Redis that several servers share (RedisFailureStore), on
the machine's real Redis, and the URL that names it (bot.core.shared_store)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from bot.core.lookup_limits import LookupLimiter, LookupLimits, MemoryFailureStore, RedisFailureStore
from bot.core.shared_store import SharedStoreError, redis_client, shared_store_url
from tests.core.redis_support import REDIS_URL, assert_reveals_nothing, redis_prefix, stored

SECRET = b"lookup-limits-test-secret"
PASSPORT = "A1234567"
CONVERSATION = "whatsapp-5c1f0e9d2b7a4e6f8a3b1c2d4e5f6a7b"
HOUR = 3600.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def prefix() -> Iterator[str]:
    with redis_prefix() as prefix:
        yield prefix


def redis_store(prefix: str, window: float = HOUR, clock: FakeClock | None = None) -> RedisFailureStore:
    """The store of one server: a client of its own."""
    if clock is None:
        return RedisFailureStore(redis_client(REDIS_URL), window, max_per_key=5, prefix=prefix)
    return RedisFailureStore(redis_client(REDIS_URL), window, max_per_key=5, prefix=prefix, clock=clock)


def limiter(prefix: str, window: float = HOUR) -> LookupLimiter:
    """The lookup limiter of one server."""
    limits = LookupLimits(per_passport=5, per_conversation=5, window_seconds=window)
    return LookupLimiter(SECRET, limits, redis_store(prefix, window))


# --- LOCK_STORE_URL ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("env", [{}, {"LOCK_STORE_URL": ""}, {"LOCK_STORE_URL": "  "}])
def test_without_lock_store_url_there_is_no_shared_store(env: dict[str, str]) -> None:
    assert shared_store_url(env) is None


def test_lock_store_url_names_the_shared_redis() -> None:
    assert shared_store_url({"LOCK_STORE_URL": " redis://127.0.0.1:6379/0 "}) == "redis://127.0.0.1:6379/0"
    assert shared_store_url({"LOCK_STORE_URL": "rediss://:pw@cache:6380/2"}) == "rediss://:pw@cache:6380/2"


def test_another_kind_of_url_stops_the_start_without_showing_it() -> None:
    with pytest.raises(ValueError, match="LOCK_STORE_URL") as error:
        shared_store_url({"LOCK_STORE_URL": "postgresql://user:hunter2@db/bot"})
    assert "hunter2" not in str(error.value)


# --- the store behaves as the one in memory ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_failures_count_within_the_window_and_expire_exactly_at_its_end(prefix: str, kind: str) -> None:
    clock = FakeClock()
    store = (
        MemoryFailureStore(HOUR, max_per_key=5, clock=clock)
        if kind == "memory"
        else redis_store(prefix, clock=clock)
    )
    store.record_failure("k")
    clock.now += 10
    store.record_failure("k")
    store.record_failure("k")  # the same instant twice counts twice
    assert (store.failures("k"), store.failures("other")) == (3, 0)
    clock.now += HOUR - 10 - 0.001
    assert store.failures("k") == 3
    clock.now += 0.001  # the first failure is exactly one window old: expired
    assert store.failures("k") == 2
    clock.now += 10
    assert store.failures("k") == 0
    for _ in range(8):
        store.record_failure("k")
    assert store.failures("k") == 5  # at most max_per_key are kept


# --- two servers share the limits ---------------------------------------------------------------------------


def test_the_passport_limit_holds_across_two_servers(prefix: str) -> None:
    one, two = limiter(prefix), limiter(prefix)
    for server, conversation in ((one, "c1"), (two, "c2"), (one, "c3"), (two, "c4"), (one, "c5")):
        assert server.allows(PASSPORT, conversation)
        server.record_failure(PASSPORT, conversation)

    assert not one.allows(PASSPORT, "a-fresh-conversation")
    assert not two.allows(PASSPORT, "a-fresh-conversation")
    assert two.allows("B7654321", "a-fresh-conversation")


def test_the_conversation_limit_and_registrations_hold_across_two_servers(prefix: str) -> None:
    one, two = limiter(prefix), limiter(prefix)
    for index in range(3):
        one.record_failure(f"A000000{index}", CONVERSATION)
    two.record_registration("B0000001", CONVERSATION)
    assert two.allows("C0000001", CONVERSATION)  # lookups do not count registrations
    one.record_failure("A0000009", CONVERSATION)

    assert two.allows("C0000001", CONVERSATION)
    assert not one.allows_registration("C0000001", CONVERSATION)  # 4 failures + 1 registration
    two.record_failure("A0000010", CONVERSATION)
    assert not one.allows("C0000001", CONVERSATION)


def test_failures_expire_in_redis_after_the_window(prefix: str) -> None:
    window = 0.5
    one, two = limiter(prefix, window), limiter(prefix, window)
    for _ in range(5):
        one.record_failure(PASSPORT, CONVERSATION)
    assert not two.allows(PASSPORT, CONVERSATION)
    assert all(0 < ttl_ms <= window * 1000 for _, ttl_ms in stored(prefix).values())

    time.sleep(window + 0.1)

    assert two.allows(PASSPORT, CONVERSATION)
    assert stored(prefix) == {}  # Redis dropped the keys itself


def test_redis_holds_neither_the_passport_number_nor_the_conversation_id(prefix: str) -> None:
    server = limiter(prefix)
    server.record_failure(PASSPORT, CONVERSATION)
    server.record_registration(PASSPORT, CONVERSATION)

    assert len(stored(prefix)) == 4  # lookups and registrations, per passport and per conversation
    assert_reveals_nothing(prefix, PASSPORT, CONVERSATION, CONVERSATION.split("-")[1])


def test_an_unreachable_redis_fails_the_check_instead_of_allowing_it() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = RedisFailureStore(redis_client(f"redis://127.0.0.1:{port}/0"), HOUR)
    server = LookupLimiter(SECRET, LookupLimits(), store)

    with pytest.raises(SharedStoreError):
        server.allows(PASSPORT, CONVERSATION)
    with pytest.raises(SharedStoreError):
        server.record_failure(PASSPORT, CONVERSATION)

"""The machine's real Redis for the tests of state that several servers share
(TEST_REDIS_URL, default redis://127.0.0.1:6379/0): each test writes under a key prefix
of its own, removed afterwards. A test fails, never skips, when Redis is down."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import redis

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@contextlib.contextmanager
def redis_prefix() -> Iterator[str]:
    """A fresh key prefix; every key under it is deleted at the end."""
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # raises when Redis is down: the test fails
    prefix = f"test-{uuid.uuid4().hex}:"
    try:
        yield prefix
    finally:
        for name in client.scan_iter(match=f"{prefix}*"):
            client.delete(name)
        client.close()


def stored(prefix: str) -> dict[str, tuple[list[bytes], int]]:
    """Every key under `prefix`: everything it holds (as bytes) and its time to live (ms)."""
    client = redis.Redis.from_url(REDIS_URL)
    found: dict[str, tuple[list[bytes], int]] = {}
    try:
        for raw in client.scan_iter(match=f"{prefix}*"):
            name = raw.decode()
            kind = client.type(name).decode()
            if kind == "string":
                values = [client.get(name)]
            elif kind == "hash":
                values = [piece for pair in client.hgetall(name).items() for piece in pair]
            elif kind == "zset":
                values = [member for member, _ in client.zrange(name, 0, -1, withscores=True)]
            else:
                raise AssertionError(f"unexpected {kind} under the prefix")
            found[name] = (values, client.pttl(name))
    finally:
        client.close()
    return found


def assert_reveals_nothing(prefix: str, *secrets: str) -> None:
    """No key under `prefix`, nor anything it holds, contains one of `secrets`; and
    every key expires."""
    everything = stored(prefix)
    assert everything, "nothing was stored"
    for name, (values, ttl_ms) in everything.items():
        assert ttl_ms > 0, f"{name} never expires"
        for secret in secrets:
            assert secret not in name
            assert all(secret.encode() not in value for value in values)

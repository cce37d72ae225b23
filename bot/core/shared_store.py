"""The Redis that several servers of the assistant share, when there is one.

LOCK_STORE_URL names it (redis://[:password@]host:port/db, rediss:// or unix://): the
same Redis as Rasa's lock store. When it is unset or blank there is none, and every
server keeps its state in its own memory, which is right for a single server.

What the assistant keeps there (the lookup limits, the channels' re-delivery filters
and turn order) lives under KEY_PREFIX, and every name in it is a keyed hash: never a
phone number, a chat id, a passport number or a conversation id.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

import redis
import redis.asyncio

if TYPE_CHECKING:
    # redis-py ships no type information: these are Any to mypy.
    from redis import Redis
    from redis.asyncio import Redis as AsyncRedis

SHARED_STORE_ENV = "LOCK_STORE_URL"
KEY_PREFIX = "bot:"
# A Redis that does not answer fails the call instead of holding up a turn.
CONNECT_TIMEOUT_S = 2.0
COMMAND_TIMEOUT_S = 5.0
_SCHEMES = ("redis://", "rediss://", "unix://")

# What a failed call to the shared store raises (redis-py wraps socket errors, but
# not every one of them).
SharedStoreError = (redis.RedisError, OSError)


def shared_store_url(env: Mapping[str, str] | None = None) -> str | None:
    """The shared Redis's URL, or None when LOCK_STORE_URL is unset or blank. Another
    kind of URL stops the start; the message never repeats it (it may hold a password)."""
    env = os.environ if env is None else env
    url = (env.get(SHARED_STORE_ENV) or "").strip()
    if not url:
        return None
    if not url.lower().startswith(_SCHEMES):
        raise ValueError(f"{SHARED_STORE_ENV} must be a redis://, rediss:// or unix:// URL")
    return url


def redis_client(url: str) -> Redis:
    """A thread-safe, blocking client (for code that runs in worker threads)."""
    return redis.Redis.from_url(
        url, socket_connect_timeout=CONNECT_TIMEOUT_S, socket_timeout=COMMAND_TIMEOUT_S
    )


def async_redis_client(url: str) -> AsyncRedis:
    """A client for the event loop. It connects on its first command, from the loop
    that runs it: nothing is opened when it is made."""
    return redis.asyncio.Redis.from_url(
        url, socket_connect_timeout=CONNECT_TIMEOUT_S, socket_timeout=COMMAND_TIMEOUT_S
    )


def hashed_name(key: bytes, value: str) -> str:
    """The part of a key name that stands for `value`: a keyed hash that reveals nothing
    of it (128 bits, ample against collisions between people or messages)."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]

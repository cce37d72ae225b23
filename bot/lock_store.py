"""Rasa's lock store, chosen by the environment: one conversation is processed by
one Rasa server at a time.

endpoints.yml names `bot.lock_store.BotLockStore`. With LOCK_STORE_URL unset it is
Rasa's InMemoryLockStore (one server, `make run`); with `redis://…` it is Rasa's
RedisLockStore on that URL, shared by every server. Rasa's Redis store reads a lock,
changes it and writes it back in three calls, so two servers issuing a ticket for
the same conversation at once could both get the same one; here each of those
read-change-write steps holds a short Redis mutex (redis-py's `Lock`) of its
conversation.

Rasa's `lock()` also waits forever when the ticket it waits with expires first
(TICKET_LOCK_LIFETIME): it happens when a server dies holding the turn before it,
whose ticket expires at about the same time as the waiting one, and the waiting
loop (once a second) misses the moment in between. Here a waiter whose ticket
expired takes a new one. Measured: tests/cluster's killed-server test hung without it.

Conversation ids are already keyed hashes for the phone channels
(bot.channels.base.conversation_id), so no phone number becomes a key.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import (
    DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX,
    DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
    LOCK_LIFETIME,
    InMemoryLockStore,
    LockStore,
    RedisLockStore,
)

from bot.core.shared_store import shared_store_url

# A read-change-write of one lock takes a few milliseconds; a server that dies
# holding the mutex frees it after this.
MUTEX_TIMEOUT_S = 5.0


class SharedRedisLockStore(RedisLockStore):
    """Rasa's RedisLockStore on a URL, with atomic ticket steps across servers."""

    def __init__(self, url: str) -> None:
        # RedisLockStore takes host, port, … one by one; redis-py reads them all
        # (password, database, TLS) from the URL.
        self.red = redis.Redis.from_url(url, socket_timeout=DEFAULT_SOCKET_TIMEOUT_IN_SECONDS)
        self.key_prefix = DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX
        LockStore.__init__(self)

    def _mutex(self, conversation_id: str) -> Any:
        return self.red.lock(
            f"{self.key_prefix}mutex:{conversation_id}",
            timeout=MUTEX_TIMEOUT_S,
            blocking_timeout=MUTEX_TIMEOUT_S,
        )

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncIterator[TicketLock]:
        """Rasa's `lock()`, with a new ticket when the one waited with expired."""
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            while True:
                lock = self.get_lock(conversation_id)
                if lock is not None and not lock.is_locked(ticket):
                    break
                if lock is None or not any(waiting.number == ticket for waiting in lock.tickets):
                    ticket = self.issue_ticket(conversation_id, lock_lifetime)
                    continue
                await asyncio.sleep(wait_time_in_seconds)
                self.update_lock(conversation_id)
            yield lock
        finally:
            self.cleanup(conversation_id, ticket)


def lock_store_from_env(env: Mapping[str, str]) -> LockStore:
    """The shared Redis store when LOCK_STORE_URL is set, else Rasa's in-memory one."""
    url = shared_store_url(env)
    return InMemoryLockStore() if url is None else SharedRedisLockStore(url)


class BotLockStore(LockStore):
    """What endpoints.yml names. Rasa builds a custom lock store by calling its class
    with `endpoint_config=`; this class returns the store the environment asks for
    (an instance of another class, so its own `__init__` never runs)."""

    def __new__(cls, endpoint_config: Any = None) -> LockStore:
        return lock_store_from_env(os.environ)

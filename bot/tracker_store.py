"""Rasa's tracker store, with every conversation kept to its last turns, and shared
and encrypted when `TRACKER_STORE_URL` names a Redis or PostgreSQL database.

Keeping the last turns. Rasa rebuilds a whole conversation on every turn: the
store turns it back from JSON into events, the policies replay every event into
dialogue states, and each call to the action server carries all of it. A
conversation's 200th turn took about eight times as long as its first ones
(`make bench`). The dialogue needs only the latest turns: each rule spans one
message from the person, and a story (which MemoizationPolicy matches from the
conversation's start) at most 9, fewer than the 10 turns kept
(tests/test_tracker_store.py checks both against data/). So when a conversation
holds more than `max_turns` (12) messages from the person, the store keeps its
last `keep_turns` (10) turns (every other turn or so, so that a long
conversation's turns cost what its first ones do), preceded by the state they
start from: a session start, every slot's value and the active form, as Rasa's
own session start carries slots over. Older messages are then gone too, which
suits a store of personal data.

Sharing. `CompactInMemoryTrackerStore` keeps conversations in the memory of one
Rasa server. `BotTrackerStore`, the one endpoints.yml names
(`tracker_store: {type: bot.tracker_store.BotTrackerStore}`), reads at start:

- `TRACKER_STORE_URL`: unset or empty, it is the in-memory store above (what
  `make run` uses); `redis://` or `rediss://`, Redis; `postgresql://`,
  `postgresql+psycopg2://` or `postgres://`, PostgreSQL. Every Rasa server given
  the same URL and secret then sees the same conversations.
- `TRACKER_STORE_IDLE_MINUTES` (default 60): a conversation nobody wrote to for
  that long is deleted (Redis expiry; PostgreSQL `expires_at`, refreshed on every
  save, with expired rows swept now and then).
- `BOT_SECRET_KEY` (bot.core.settings; a development secret otherwise).

A shared conversation is stored as ONE blob: the compacted tracker's JSON
encrypted with Fernet (AES-128-CBC and HMAC-SHA256, from `cryptography`) under a
key derived from the secret. Its key is an HMAC of the sender id, so that ids
derived from phone numbers are not stored in the clear either; `keys()` returns
these hashes, since by design the store cannot list sender ids. A blob that does
not decrypt (the secret changed) reads as no conversation.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import os
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any, Protocol
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.conversation import Dialogue
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, get_trackers_for_conversation_sessions

from bot.core.settings import derive_key, load_settings, positive_setting

logger = logging.getLogger(__name__)

MAX_TURNS = 12
KEEP_TURNS = 10

URL_VARIABLE = "TRACKER_STORE_URL"
IDLE_VARIABLE = "TRACKER_STORE_IDLE_MINUTES"
DEFAULT_IDLE_MINUTES = 60.0
# The Redis key prefix (`bot_tracker:`) and the PostgreSQL table.
DEFAULT_NAMESPACE = "bot_tracker"

_REDIS_SCHEMES = ("redis", "rediss")
_POSTGRES_SCHEMES = ("postgresql", "postgresql+psycopg2", "postgres")
_NAMESPACE = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_SWEEP_SECONDS = 60.0
_TIMEOUT_SECONDS = 5


class CompactInMemoryTrackerStore(InMemoryTrackerStore):
    """Keeps each conversation to its last turns once it grows past `max_turns`."""

    def __init__(
        self,
        domain: Domain,
        event_broker: Any = None,
        max_turns: int = MAX_TURNS,
        keep_turns: int = KEEP_TURNS,
        **kwargs: Any,
    ) -> None:
        if not 0 < keep_turns <= max_turns:
            raise ValueError(f"need 0 < keep_turns ({keep_turns}) <= max_turns ({max_turns})")
        self.max_turns = max_turns
        self.keep_turns = keep_turns
        super().__init__(domain, event_broker, **kwargs)

    def compact(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """`tracker`, or its last `keep_turns` turns once it holds more than `max_turns`."""
        turns = [index for index, event in enumerate(tracker.events) if isinstance(event, UserUttered)]
        if len(turns) > self.max_turns:
            return compacted(tracker, turns[-self.keep_turns], self.domain)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(self.compact(tracker))


class BotTrackerStore(CompactInMemoryTrackerStore):
    """The in-memory store above, or, when `TRACKER_STORE_URL` is set, one shared by
    every Rasa server, encrypted and expiring (see the module's docstring)."""

    def __init__(
        self,
        domain: Domain,
        event_broker: Any = None,
        env: Mapping[str, str] | None = None,
        namespace: str = DEFAULT_NAMESPACE,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, event_broker, **kwargs)
        env = os.environ if env is None else env
        self._blobs: _Blobs | None = None
        url = env.get(URL_VARIABLE, "").strip()
        if not url:
            return
        if not _NAMESPACE.fullmatch(namespace):
            raise ValueError(f"the tracker store's namespace must match {_NAMESPACE.pattern}")
        idle_seconds = 60 * positive_setting(env, IDLE_VARIABLE, DEFAULT_IDLE_MINUTES, float)
        secret = load_settings(env).secret_key
        self._key_secret = derive_key(secret, b"tracker store conversation key v1")
        self._fernet = Fernet(base64.urlsafe_b64encode(derive_key(secret, b"tracker store encryption v1")))
        try:
            self._blobs = _open_blobs(url, namespace, idle_seconds)
        except (AttributeError, ImportError) as error:
            # Rasa would catch these and quietly start an in-memory store instead, which
            # every server would then hold on its own.
            raise RuntimeError(f"the tracker store named by {URL_VARIABLE} could not start") from error

    @property
    def shared(self) -> bool:
        """Whether conversations live in Redis or PostgreSQL rather than in memory."""
        return self._blobs is not None

    def storage_key(self, sender_id: str) -> str:
        """The key a conversation is stored under: an HMAC of the sender id."""
        return hmac.new(self._key_secret, sender_id.encode(), hashlib.sha256).hexdigest()

    async def save(self, tracker: DialogueStateTracker) -> None:
        if self._blobs is None:
            await super().save(tracker)
            return
        tracker = self.compact(tracker)
        await self.stream_events(tracker)
        blob = self._fernet.encrypt(self.serialise_tracker(tracker).encode())
        await self._blobs.put(self.storage_key(tracker.sender_id), blob)

    async def _retrieve(self, sender_id: str, fetch_all_sessions: bool) -> DialogueStateTracker | None:
        # Both `retrieve` and `retrieve_full_tracker` come here, as in Rasa's in-memory
        # store: the first returns the latest session only.
        if self._blobs is None:
            return await super()._retrieve(sender_id, fetch_all_sessions)
        tracker = await self._read(sender_id)
        if tracker is None or fetch_all_sessions:
            return tracker
        sessions = get_trackers_for_conversation_sessions(tracker)
        return sessions[-1] if len(sessions) > 1 else tracker

    async def _read(self, sender_id: str) -> DialogueStateTracker | None:
        assert self._blobs is not None
        blob = await self._blobs.get(self.storage_key(sender_id))
        if blob is None:
            return None
        try:
            dialogue = json.loads(self._fernet.decrypt(blob))
        except InvalidToken:
            logger.warning("A stored conversation could not be decrypted (was BOT_SECRET_KEY changed?).")
            return None
        # The name is inside the encryption: a blob copied under another key is refused.
        if dialogue.get("name") != sender_id:
            logger.warning("A stored conversation is under another conversation's key.")
            return None
        tracker = self.init_tracker(sender_id)
        tracker.recreate_from_dialogue(Dialogue.from_parameters(dialogue))
        return tracker

    async def keys(self) -> Iterable[str]:
        """The sender ids in memory; in Redis or PostgreSQL, their keyed hashes
        (`storage_key`), as the store cannot list sender ids."""
        if self._blobs is None:
            return await super().keys()
        return await self._blobs.keys()


def compacted(tracker: DialogueStateTracker, cut: int, domain: Domain) -> DialogueStateTracker:
    """A tracker with the events from `cut` on (a message from the person),
    preceded by the state the conversation was in just before it."""
    events = list(tracker.events)
    before = DialogueStateTracker.from_events(tracker.sender_id, events[:cut], domain.slots)
    timestamp = events[cut].timestamp
    state: list[Event] = [
        ActionExecuted(ACTION_SESSION_START_NAME, timestamp=timestamp),
        SessionStarted(timestamp=timestamp),
    ]
    initial = {slot.name: slot.initial_value for slot in domain.slots}
    state += [
        SlotSet(name, value, timestamp=timestamp)
        for name, value in before.current_slot_values().items()
        if value != initial.get(name)
    ]
    if before.active_loop_name:
        state.append(ActiveLoop(before.active_loop_name, timestamp=timestamp))
    state.append(ActionExecuted(ACTION_LISTEN_NAME, timestamp=timestamp))
    return DialogueStateTracker.from_events(
        tracker.sender_id,
        state + events[cut:],
        domain.slots,
        tracker._max_event_history,
        tracker.sender_source,
    )


# --- where the encrypted blobs live ---------------------------------------------------------------------


class _Blobs(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def put(self, key: str, blob: bytes) -> None: ...

    async def keys(self) -> list[str]: ...


def _open_blobs(url: str, namespace: str, idle_seconds: float) -> _Blobs:
    scheme = urlsplit(url).scheme.lower()
    if scheme in _REDIS_SCHEMES:
        return _RedisBlobs(url, namespace, idle_seconds)
    if scheme in _POSTGRES_SCHEMES:
        return _PostgresBlobs(url, namespace, idle_seconds)
    # The URL itself is left out: it may hold a password.
    raise ValueError(
        f"{URL_VARIABLE} must be a redis://, rediss://, postgresql:// or postgres:// URL, or empty "
        "for the in-memory store"
    )


class _RedisBlobs:
    """One key per conversation, `SET … PX idle` on every save."""

    def __init__(self, url: str, namespace: str, idle_seconds: float) -> None:
        import redis.asyncio

        try:
            redis.asyncio.ConnectionPool.from_url(url)  # checks the URL; connects to nothing
        except ValueError:
            raise ValueError(f"{URL_VARIABLE} is not a valid Redis URL") from None
        self._url = url
        self._prefix = f"{namespace}:"
        self._idle_ms = max(1, round(idle_seconds * 1000))
        self._client: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _redis(self) -> Any:
        import redis.asyncio

        # A client's connections belong to the event loop that opened them.
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = redis.asyncio.Redis.from_url(
                self._url, socket_connect_timeout=_TIMEOUT_SECONDS, socket_timeout=_TIMEOUT_SECONDS
            )
            self._loop = loop
        return self._client

    async def get(self, key: str) -> bytes | None:
        blob: bytes | None = await self._redis().get(self._prefix + key)
        return blob

    async def put(self, key: str, blob: bytes) -> None:
        await self._redis().set(self._prefix + key, blob, px=self._idle_ms)

    async def keys(self) -> list[str]:
        return [
            key.decode()[len(self._prefix) :]
            async for key in self._redis().scan_iter(match=f"{self._prefix}*", count=500)
        ]


class _PostgresBlobs:
    """One row per conversation in the table `namespace`, created on first use (so that
    the server starts while the database is briefly down). SQLAlchemy is synchronous:
    its calls run in a thread, off the event loop."""

    def __init__(self, url: str, table: str, idle_seconds: float) -> None:
        import sqlalchemy
        import sqlalchemy.exc

        if url.lower().startswith("postgres://"):  # SQLAlchemy 1.4 knows only postgresql://
            url = "postgresql://" + url[len("postgres://") :]
        try:
            self._engine = sqlalchemy.create_engine(
                url,
                future=True,
                pool_pre_ping=True,
                connect_args={"connect_timeout": _TIMEOUT_SECONDS},
            )
        except (ValueError, sqlalchemy.exc.ArgumentError):
            raise ValueError(f"{URL_VARIABLE} is not a valid PostgreSQL URL") from None
        self._text = sqlalchemy.text
        self._table = table
        self._idle_seconds = idle_seconds
        self._ready = False
        self._next_sweep = 0.0

    def _begin(self) -> Any:
        """A connection in a transaction, the table made sure of first."""
        if not self._ready:
            with self._engine.begin() as connection:
                # Two servers starting together would otherwise race to create it.
                connection.execute(
                    self._text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": self._table}
                )
                connection.execute(
                    self._text(
                        f"CREATE TABLE IF NOT EXISTS {self._table} ("
                        "key TEXT PRIMARY KEY, data TEXT NOT NULL, expires_at TIMESTAMPTZ NOT NULL)"
                    )
                )
                connection.execute(
                    self._text(
                        f"CREATE INDEX IF NOT EXISTS {self._table}_expires_at ON {self._table} (expires_at)"
                    )
                )
            self._ready = True
        return self._engine.begin()

    def _get(self, key: str) -> bytes | None:
        with self._begin() as connection:
            data = connection.execute(
                self._text(f"SELECT data FROM {self._table} WHERE key = :key AND expires_at > now()"),
                {"key": key},
            ).scalar()
        return None if data is None else str(data).encode("ascii")

    def _put(self, key: str, blob: bytes) -> None:
        with self._begin() as connection:
            connection.execute(
                self._text(
                    f"INSERT INTO {self._table} (key, data, expires_at) "
                    "VALUES (:key, :data, now() + make_interval(secs => :idle)) "
                    "ON CONFLICT (key) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at"
                ),
                {"key": key, "data": blob.decode("ascii"), "idle": self._idle_seconds},
            )
            if time.monotonic() >= self._next_sweep:
                connection.execute(self._text(f"DELETE FROM {self._table} WHERE expires_at <= now()"))
                self._next_sweep = time.monotonic() + _SWEEP_SECONDS

    def _keys(self) -> list[str]:
        with self._begin() as connection:
            rows = connection.execute(self._text(f"SELECT key FROM {self._table} WHERE expires_at > now()"))
            return [str(row[0]) for row in rows]

    async def get(self, key: str) -> bytes | None:
        return await asyncio.to_thread(self._get, key)

    async def put(self, key: str, blob: bytes) -> None:
        await asyncio.to_thread(self._put, key, blob)

    async def keys(self) -> list[str]:
        return await asyncio.to_thread(self._keys)

"""What stands between a conversation and someone else's registration.

`LookupLimiter` caps failed lookups (and new registrations) per passport number and
per conversation, so that a date of birth cannot be found by guessing;
`RegistrationProof` binds a registration id to the conversation that found or saved
it. Counts are kept under keyed hashes, never under a passport number or a
conversation id. `MemoryFailureStore` keeps them in this process (one action server);
`RedisFailureStore` keeps them in the Redis that several action servers share, so that
the limits hold whichever server a conversation's calls reach.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.core.settings import derive_key, positive_setting
from bot.core.shared_store import KEY_PREFIX

if TYPE_CHECKING:
    from redis import Redis

Clock = Callable[[], float]

# Labels that derive this module's keys from the secret, so that no hash here equals
# another use of it (the registry's lookup hash, the channels' conversation ids).
_LIMITER_LABEL = b"lookup limiter keys v1"
_PROOF_LABEL = b"registration slot proof v1"


class FailureStore(Protocol):
    """Failed lookups per key within a sliding time window."""

    def failures(self, key: str) -> int:
        """How many failures were recorded under `key` within the window."""
        ...

    def record_failure(self, key: str) -> None:
        """Records one failure under `key` now."""
        ...


class MemoryFailureStore:
    """A FailureStore in this process's memory, bounded in size.

    Expired entries are dropped as new failures come in. When `max_keys` keys hold
    live failures, the key whose latest failure is the oldest is dropped first.
    """

    def __init__(
        self,
        window_seconds: float,
        max_keys: int = 100_000,
        max_per_key: int = 100,
        clock: Clock = time.monotonic,
    ) -> None:
        self._window = window_seconds
        self._max_keys = max_keys
        self._max_per_key = max_per_key
        self._clock = clock
        # key -> failure times, oldest first; keys ordered by their latest failure.
        self._entries: OrderedDict[str, list[float]] = OrderedDict()

    def failures(self, key: str) -> int:
        return len(self._live(key, self._clock()))

    def record_failure(self, key: str) -> None:
        now = self._clock()
        times = self._live(key, now)
        times.append(now)
        self._entries[key] = times[-self._max_per_key :]
        self._entries.move_to_end(key)
        self._drop_expired(now)
        while len(self._entries) > self._max_keys:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> list[str]:
        return list(self._entries)

    def _live(self, key: str, now: float) -> list[float]:
        times = [moment for moment in self._entries.get(key, []) if now - moment < self._window]
        if not times:
            self._entries.pop(key, None)
        return times

    def _drop_expired(self, now: float) -> None:
        # The first key has the oldest latest failure: once it is live, all are.
        while self._entries:
            key, times = next(iter(self._entries.items()))
            if now - times[-1] < self._window:
                return
            del self._entries[key]


class RedisFailureStore:
    """A FailureStore in a Redis that several servers share, with the same sliding
    window as MemoryFailureStore.

    Each key is a sorted set of failure times (`prefix` + the limiter's key, itself a
    keyed hash) that expires one window after its latest failure, so an idle key
    vanishes on its own. The times come from `clock`, wall-clock time by default:
    the servers' clocks must agree (NTP keeps them well within the hour's window).
    A failing Redis raises (`bot.core.shared_store.SharedStoreError`): a limit that
    cannot be read does not let a lookup through.
    """

    def __init__(
        self,
        client: Redis,
        window_seconds: float,
        max_per_key: int = 100,
        prefix: str = f"{KEY_PREFIX}limits:",
        clock: Clock = time.time,
    ) -> None:
        self._client = client
        self._window = window_seconds
        self._max_per_key = max_per_key
        self._prefix = prefix
        self._clock = clock

    def failures(self, key: str) -> int:
        # "(" excludes the bound: a failure exactly one window old has expired, as in memory.
        since = self._clock() - self._window
        return int(self._client.zcount(self._prefix + key, f"({since!r}", "+inf"))

    def record_failure(self, key: str) -> None:
        now = self._clock()
        name = self._prefix + key
        # Two failures at the same instant must stay two members: the random tail
        # tells them apart (it says nothing about the person).
        member = f"{now!r}:{secrets.token_hex(6)}"
        with self._client.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(name, "-inf", now - self._window)
            pipe.zadd(name, {member: now})
            pipe.zremrangebyrank(name, 0, -self._max_per_key - 1)
            pipe.pexpire(name, math.ceil(self._window * 1000))
            pipe.execute()


@dataclass(frozen=True)
class LookupLimits:
    """At most this many failures per passport, and per conversation, per window.

    The window stays one hour: the reply to a stopped lookup says "in an hour".
    """

    per_passport: int = 5
    per_conversation: int = 5
    window_seconds: float = 3600.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LookupLimits:
        """LOOKUP_FAILURES_PER_PASSPORT and LOOKUP_FAILURES_PER_CONVERSATION, each optional."""
        env = os.environ if env is None else env
        defaults = cls()
        return cls(
            per_passport=positive_setting(env, "LOOKUP_FAILURES_PER_PASSPORT", defaults.per_passport, int),
            per_conversation=positive_setting(
                env, "LOOKUP_FAILURES_PER_CONVERSATION", defaults.per_conversation, int
            ),
        )


class LookupLimiter:
    """Decides whether a lookup, or a registration, may query the registry, and
    counts the failures.

    A lookup is allowed while its passport number and its conversation each have
    fewer failed lookups than their limits. A new registration tells, by being new,
    that a guessed date of birth was wrong, so registrations are counted too, apart:
    a registration is allowed while failed lookups plus registrations stay under the
    limits. (Lookups do not count registrations, so that the number of lookups
    before a refusal does not show whether the passport was just registered.)
    Successful lookups are not counted and reset nothing: failures only expire.
    """

    def __init__(
        self,
        secret_key: bytes,
        limits: LookupLimits | None = None,
        store: FailureStore | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.limits = limits or LookupLimits()
        self._key = derive_key(secret_key, _LIMITER_LABEL)
        self.store: FailureStore = store or MemoryFailureStore(self.limits.window_seconds, clock=clock)

    def allows(self, passport_number: str, conversation_id: str) -> bool:
        """Whether a lookup may query the registry."""
        return self._under_limits(passport_number, conversation_id, ("lookup",))

    def record_failure(self, passport_number: str, conversation_id: str) -> None:
        """Counts a lookup that found nothing."""
        self._record(passport_number, conversation_id, "lookup")

    def allows_registration(self, passport_number: str, conversation_id: str) -> bool:
        """Whether saving a registration from these fields may query the registry."""
        return self._under_limits(passport_number, conversation_id, ("lookup", "registration"))

    def record_registration(self, passport_number: str, conversation_id: str) -> None:
        """Counts a registration that did not exist before."""
        self._record(passport_number, conversation_id, "registration")

    def _under_limits(self, passport_number: str, conversation_id: str, kinds: tuple[str, ...]) -> bool:
        passport = sum(
            self.store.failures(self._key_for(kind, "passport", passport_number)) for kind in kinds
        )
        conversation = sum(
            self.store.failures(self._key_for(kind, "conversation", conversation_id)) for kind in kinds
        )
        return passport < self.limits.per_passport and conversation < self.limits.per_conversation

    def _record(self, passport_number: str, conversation_id: str, kind: str) -> None:
        self.store.record_failure(self._key_for(kind, "passport", passport_number))
        self.store.record_failure(self._key_for(kind, "conversation", conversation_id))

    def _key_for(self, kind: str, subject: str, value: str) -> str:
        digest = hmac.new(self._key, f"{subject}\x1f{value}".encode(), hashlib.sha256).hexdigest()
        return f"{kind}:{subject}:{digest}"


class RegistrationProof:
    """A registration id bound to one conversation: "<id>.<HMAC of id and conversation>".

    Only a conversation whose lookup matched, or that saved the registration from
    validated fields, is given the value; another conversation cannot forge it.
    """

    def __init__(self, secret_key: bytes) -> None:
        self._key = derive_key(secret_key, _PROOF_LABEL)

    def sign(self, registration_id: int, conversation_id: str) -> str:
        return f"{registration_id}.{self._signature(registration_id, conversation_id)}"

    def verify(self, value: object, conversation_id: str) -> int | None:
        """The registration id when `value` was signed for this conversation, else None."""
        if not isinstance(value, str) or not isinstance(conversation_id, str):
            return None
        number, _, signature = value.partition(".")
        if not (number.isascii() and number.isdigit() and signature.isascii()) or len(number) > 18:
            return None
        registration_id = int(number)
        if str(registration_id) != number:
            return None
        expected = self._signature(registration_id, conversation_id)
        return registration_id if hmac.compare_digest(signature, expected) else None

    def _signature(self, registration_id: int, conversation_id: str) -> str:
        # The id has only digits, so the separator cannot make two pairs read alike.
        message = f"{registration_id}\x1f{conversation_id}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

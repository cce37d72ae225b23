"""The services the actions use, built once per process: settings, embassy profile,
registry, lookup limits and registration proof; and the way to call the lookup limits
off the event loop.

The lookup limits are counted in the Redis named by LOCK_STORE_URL when it is set, so
that they hold across several action servers; else in this process's memory.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from bot.core.lookup_limits import (
    FailureStore,
    LookupLimiter,
    LookupLimits,
    RedisFailureStore,
    RegistrationProof,
)
from bot.core.profile import EmbassyProfile, load_profile
from bot.core.registry import Registry
from bot.core.settings import Settings, load_settings
from bot.core.shared_store import redis_client, shared_store_url

_T = TypeVar("_T")
# The limiter's in-memory store is not safe for threads: its calls take turns (with
# Redis they need not, but a turn costs one round trip, and one rule is simpler).
_LIMITER_TURN = threading.Lock()


@dataclass(frozen=True)
class Services:
    settings: Settings
    profile: EmbassyProfile
    registry: Registry
    limiter: LookupLimiter
    proof: RegistrationProof


@lru_cache(maxsize=1)
def services() -> Services:
    """The process-wide settings, embassy profile, registry and lookup guards.

    The first call reads files (settings, secret, profile) and may create the
    database's directory: async code awaits `ready_services()` first.
    """
    settings = load_settings()
    limits = LookupLimits.from_env()
    return Services(
        settings=settings,
        profile=load_profile(settings.profile_path),
        registry=Registry(settings.database_url, settings.secret_key),
        limiter=LookupLimiter(settings.secret_key, limits, failure_store(limits)),
        proof=RegistrationProof(settings.secret_key),
    )


def failure_store(limits: LookupLimits) -> FailureStore | None:
    """The shared store of the lookup limits when LOCK_STORE_URL names a Redis; None
    (the limiter's own in-memory store) otherwise."""
    url = shared_store_url()
    return RedisFailureStore(redis_client(url), limits.window_seconds) if url else None


async def ready_services() -> Services:
    """`services()`, built in a worker thread the first time."""
    if services.cache_info().currsize:
        return services()
    return await asyncio.to_thread(services)


async def ask_limiter(check: Callable[[str, str], _T], passport_number: str, conversation_id: str) -> _T:
    """Calls a LookupLimiter method in a worker thread (a shared store is a database),
    one call at a time."""

    def call() -> _T:
        with _LIMITER_TURN:
            return check(passport_number, conversation_id)

    return await asyncio.to_thread(call)

"""Re-delivered messages dropped, and each person's turns run one at a time in the
order they arrived: in this process's memory, or, when LOCK_STORE_URL names a Redis,
in Redis, so that both hold when a load balancer spreads one person's webhooks over
several Rasa servers. `channel_state` is the one place that chooses.

In Redis, under bot.core.shared_store.KEY_PREFIX ("bot:"):

- `bot:seen:<channel>:<hash of the message id>` = "1", set only if absent and expiring
  after REDELIVERY_TTL_S: the server that sets it handles the message.
- `bot:turns:<hash of the conversation id>`, a hash: one person's ticket line. `next`
  is the latest ticket given, `done` the ticket up to which every turn finished (or
  was given up), `a:<ticket>` until when (Redis's clock, in ms) that ticket's server
  is known to be alive. A webhook takes a ticket before it answers; its turn runs once
  `done` reaches the ticket before. A server renews its tickets' leases while they wait
  and run, so a slow turn keeps its place; the ticket of a server that died is skipped
  once its lease ran out (LEASE_S). The hash expires IDLE_TTL_S after the person's
  last activity.

The hashes are keyed (the secret key, under a label of their own): Redis holds no
phone number, chat id or conversation id. When Redis fails, the failure is logged and
the message goes on with this server's memory only: a reply out of order, or twice,
is better than none.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import OrderedDict
from collections.abc import Awaitable, Hashable
from typing import TYPE_CHECKING, Any, Protocol

from bot.core.settings import derive_key
from bot.core.shared_store import KEY_PREFIX, SharedStoreError, async_redis_client, hashed_name

if TYPE_CHECKING:
    from redis.asyncio import Redis

logger = logging.getLogger(__name__)

# Telegram re-sends an update it got no answer to for up to a day.
REDELIVERY_TTL_S = 24 * 3600.0
# How long a ticket keeps its place after its server stopped renewing it: the wait
# of the person's next turn when a server dies mid-turn.
LEASE_S = 20.0
IDLE_TTL_S = 3600.0
POLL_FIRST_S = 0.02
POLL_MAX_S = 0.25
_STATE_LABEL = b"channel shared state v1"


class RedeliveryFilter(Protocol):
    """Which messages were already received (Twilio's MessageSid, Telegram's update_id)."""

    async def is_new(self, key: Hashable) -> bool:
        """True the first time `key` is seen (and remembers it), False after."""
        ...


class TurnQueue(Protocol):
    """Runs each person's turns one after another, in the order they arrived."""

    async def run(self, person: str, turn: Awaitable[None], what: str) -> asyncio.Task[None]:
        """Puts `turn` in `person`'s line and returns the task that runs it once the
        turns before it finished. The task never raises: a failed turn is logged as
        "Handling a <what> failed." without its content."""
        ...


def channel_state(
    channel: str, remembered_ids: int, secret_key: bytes, shared_store: str | None
) -> tuple[RedeliveryFilter, TurnQueue]:
    """The re-delivery filter and turn order of `channel`: in Redis when `shared_store`
    is its URL, in memory when it is None."""
    recent = RecentIds(remembered_ids)
    if shared_store is None:
        return recent, TurnOrder()
    client = async_redis_client(shared_store)
    key = derive_key(secret_key, _STATE_LABEL)
    return RedisRecentIds(client, channel, key, fallback=recent), RedisTurnOrder(client, key)


# --- in this process's memory ---------------------------------------------------------------------------


class RecentIds:
    """The latest `size` ids seen."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._seen: OrderedDict[Hashable, None] = OrderedDict()

    async def is_new(self, key: Hashable) -> bool:
        if key in self._seen:
            return False
        self._seen[key] = None
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)
        return True


class TurnOrder:
    """Each person's turns chained in this process, so that their messages reach Rasa
    and their replies are sent in order."""

    def __init__(self) -> None:
        # The latest turn of each person: the next one waits for it.
        self._tails: dict[str, asyncio.Task[None]] = {}

    async def run(self, person: str, turn: Awaitable[None], what: str) -> asyncio.Task[None]:
        return self._schedule(person, turn, what)

    def running(self) -> int:
        """How many people have a turn running or waiting on this server."""
        return len(self._tails)

    def _schedule(self, person: str, turn: Awaitable[None], what: str) -> asyncio.Task[None]:
        task = asyncio.create_task(self._after(self._tails.get(person), turn, what))
        self._tails[person] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._tails.get(person) is done:
                del self._tails[person]

        task.add_done_callback(forget)
        return task

    @staticmethod
    async def _after(previous: asyncio.Task[None] | None, turn: Awaitable[None], what: str) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        try:
            await turn
        except Exception:
            logger.exception("Handling a %s failed.", what)


# --- in the Redis that the servers share ----------------------------------------------------------------


class RedisRecentIds:
    """A re-delivery filter that several servers share: SET NX with an expiry."""

    def __init__(
        self,
        client: Redis,
        channel: str,
        key: bytes,
        fallback: RedeliveryFilter,
        ttl_s: float = REDELIVERY_TTL_S,
        prefix: str = KEY_PREFIX,
    ) -> None:
        self._client = client
        self._key = key
        self._fallback = fallback
        self._ttl_ms = math.ceil(ttl_s * 1000)
        self._prefix = f"{prefix}seen:{channel}:"

    async def is_new(self, key: Hashable) -> bool:
        name = self._prefix + hashed_name(self._key, str(key))
        try:
            return bool(await self._client.set(name, b"1", nx=True, px=self._ttl_ms))
        except SharedStoreError as error:
            logger.warning("Redis failed (%s): re-deliveries are dropped by this server only.", _kind(error))
            return await self._fallback.is_new(key)


# Lua scripts run atomically in Redis; TIME makes every lease use one clock, Redis's.
_NOW = """
local function now_ms()
  local time = redis.call('TIME')
  return tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
"""
# KEYS[1] the line; ARGV: lease (ms), idle expiry (ms). Returns the new ticket.
_TAKE = (
    _NOW
    + """
local ticket = redis.call('HINCRBY', KEYS[1], 'next', 1)
local lease = string.format('%d', now_ms() + tonumber(ARGV[1]))
redis.call('HSET', KEYS[1], 'a:' .. string.format('%d', ticket), lease)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return ticket
"""
)
# ARGV: ticket, lease (ms), idle expiry (ms). Returns 0 when the ticket is no longer
# in the line (it was skipped, or the line expired).
_RENEW = (
    _NOW
    + """
local field = 'a:' .. ARGV[1]
if redis.call('HEXISTS', KEYS[1], field) == 0 then return 0 end
redis.call('HSET', KEYS[1], field, string.format('%d', now_ms() + tonumber(ARGV[2])))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""
)
# ARGV: ticket, idle expiry (ms). Skips the tickets before it whose lease ran out;
# returns 1 when every ticket before it is done.
_MAY_RUN = (
    _NOW
    + """
local ticket = tonumber(ARGV[1])
local done = tonumber(redis.call('HGET', KEYS[1], 'done') or '0')
local before = done
local now = now_ms()
while done < ticket - 1 do
  local field = 'a:' .. string.format('%d', done + 1)
  if tonumber(redis.call('HGET', KEYS[1], field) or '0') > now then break end
  redis.call('HDEL', KEYS[1], field)
  done = done + 1
end
if done ~= before then
  redis.call('HSET', KEYS[1], 'done', string.format('%d', done))
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if done >= ticket - 1 then return 1 end
return 0
"""
)
# ARGV: ticket, idle expiry (ms). A ticket that never ran only leaves the line (the
# next one skips it); one that ran moves `done` on, unless it was skipped meanwhile.
_RELEASE = """
local ticket = tonumber(ARGV[1])
redis.call('HDEL', KEYS[1], 'a:' .. ARGV[1])
if tonumber(redis.call('HGET', KEYS[1], 'done') or '0') == ticket - 1 then
  redis.call('HSET', KEYS[1], 'done', ARGV[1])
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""


class RedisTurnOrder(TurnOrder):
    """One ticket line per person in Redis, shared by every server, on top of the
    chain in this process (which keeps the order when Redis fails)."""

    def __init__(
        self,
        client: Redis,
        key: bytes,
        lease_s: float = LEASE_S,
        idle_ttl_s: float = IDLE_TTL_S,
        prefix: str = KEY_PREFIX,
    ) -> None:
        super().__init__()
        self._key = key
        self._prefix = f"{prefix}turns:"
        self._lease_s = lease_s
        self._lease_ms = math.ceil(lease_s * 1000)
        self._idle_ms = max(math.ceil(idle_ttl_s * 1000), 4 * self._lease_ms)
        self._take = client.register_script(_TAKE)
        self._renew = client.register_script(_RENEW)
        self._may_run = client.register_script(_MAY_RUN)
        self._release = client.register_script(_RELEASE)
        # Each person's latest ticket request on this server: the next one waits for
        # it, so that tickets and the chain in this process are in the same order
        # (a turn waiting in both for the other would wait forever).
        self._taking: dict[str, asyncio.Future[None]] = {}

    async def run(self, person: str, turn: Awaitable[None], what: str) -> asyncio.Task[None]:
        # Shielded: once the message was accepted, its turn is queued even when the
        # webhook is cancelled meanwhile.
        return await asyncio.shield(self._queue(person, turn, what))

    async def _queue(self, person: str, turn: Awaitable[None], what: str) -> asyncio.Task[None]:
        line = self._prefix + hashed_name(self._key, person)
        previous = self._taking.get(person)
        taken = asyncio.get_running_loop().create_future()
        self._taking[person] = taken
        try:
            if previous is not None:
                await asyncio.wait([previous])
            ticket = await self._take_ticket(line)
        finally:
            taken.set_result(None)
            if self._taking.get(person) is taken:
                del self._taking[person]
        # No await from here on: the next request of this person resumes only after
        # this turn is chained.
        if ticket is None:
            return self._schedule(person, turn, what)
        lease = asyncio.create_task(self._keep_alive(line, ticket))
        task = self._schedule(person, self._in_line(line, ticket, turn), what)
        # Also when the turn is cancelled before it started: the lease then runs out.
        task.add_done_callback(lambda _: lease.cancel())
        return task

    async def _take_ticket(self, line: str) -> int | None:
        try:
            return int(await self._take(keys=[line], args=[self._lease_ms, self._idle_ms]))
        except SharedStoreError as error:
            logger.warning("Redis failed (%s): this turn is ordered on this server only.", _kind(error))
            return None

    async def _in_line(self, line: str, ticket: int, turn: Awaitable[None]) -> None:
        try:
            await self._wait_for(line, ticket)
            await turn
        finally:
            await self._call(self._release, line, ticket, self._idle_ms)

    async def _wait_for(self, line: str, ticket: int) -> None:
        delay = POLL_FIRST_S
        while True:
            ready = await self._call(self._may_run, line, ticket, self._idle_ms)
            if ready is None or ready:  # a failing Redis cannot hold the turn up
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, POLL_MAX_S)

    async def _keep_alive(self, line: str, ticket: int) -> None:
        while True:
            await asyncio.sleep(self._lease_s / 3)
            if await self._call(self._renew, line, ticket, self._lease_ms, self._idle_ms) == 0:
                return

    async def _call(self, script: Any, line: str, *args: int) -> int | None:
        """The script's answer; None (logged) when Redis failed."""
        try:
            return int(await script(keys=[line], args=list(args)))
        except SharedStoreError as error:
            logger.warning("Redis failed (%s) while ordering a turn.", _kind(error))
            return None


def _kind(error: BaseException) -> str:
    # The class only: a Redis error's text may quote a key or the server's address.
    return type(error).__name__

"""Rate limits per organisation and operation family, shared by every process and node.

Fixed windows, as Datadog's: a family allows `limit` requests per `period` seconds, counted
from the epoch (windows start at multiples of the period). Each request adds one to its
organisation's counter with a single atomic increment that also answers the new count, so
exactly `limit` requests of a window are admitted whatever the concurrency; a refused request
counts too (its count is above the limit) and changes nothing else. The clock is the
counters' store (PostgreSQL or Redis), so the processes' own clocks do not matter.

Counters live in Redis when OPENCASE_REDIS_URL is set, else in PostgreSQL (an UNLOGGED
table: no WAL, so an increment costs no disk flush; counts are lost on a database crash,
which only forgives a window). On SQLite one process serves, so they live in its memory.
When the counters cannot be reached (Redis down), requests are served unlimited and without
the headers, and the log says so at most every 10 s: an outage of the limiter is not one of
the API.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any, Protocol

import msgspec

from opencase.core.db import Database

log = logging.getLogger("opencase")

# Family -> (requests, seconds) per organisation. Searches (list, count, aggregate) cost the
# database most of the reads; bulk edits touch up to 100 cases each.
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "cases_read": (6000, 60),
    "cases_search": (1200, 60),
    "cases_write": (3000, 60),
    "cases_bulk": (60, 60),
}
FAMILIES = tuple(DEFAULT_LIMITS)
_SHORT = {name.removeprefix("cases_"): name for name in FAMILIES}


class Decision(msgspec.Struct, frozen=True):
    name: str
    limit: int
    period: int
    remaining: int
    reset: int  # seconds until the window ends
    admitted: bool

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Period": str(self.period),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
            "X-RateLimit-Name": self.name,
        }


def parse_limits(spec: str, engine: str) -> dict[str, tuple[int, int]]:
    """The limits an OPENCASE_RATE_LIMITS value asks for ({} = none).

    "" means the defaults on PostgreSQL and none on SQLite (one process, usually one team);
    "on" the defaults anywhere; "off" none; else `family=requests/seconds` pairs separated by
    commas (family with or without its `cases_` prefix) that replace those defaults.
    """
    text = spec.strip().lower()
    if text == "off" or (text == "" and engine == "sqlite"):
        return {}
    limits = dict(DEFAULT_LIMITS)
    if text in {"", "on"}:
        return limits
    for part in text.split(","):
        name, sep, rate = part.strip().partition("=")
        family = _SHORT.get(name.strip(), name.strip())
        if not sep or family not in DEFAULT_LIMITS:
            raise ValueError(
                f"{part.strip()!r}: expected FAMILY=REQUESTS/SECONDS, FAMILY one of "
                + ", ".join(FAMILIES)
            )
        count, slash, period = rate.partition("/")
        try:
            limits[family] = (int(count), int(period) if slash else 60)
        except ValueError:
            raise ValueError(f"{part.strip()!r}: REQUESTS and SECONDS are whole numbers") from None
        if limits[family][0] < 0 or limits[family][1] < 1:
            raise ValueError(f"{part.strip()!r}: REQUESTS >= 0 and SECONDS >= 1")
    return limits


class Counters(Protocol):
    async def hit(self, org_id: str, name: str, period: int, n: int) -> tuple[int, float]:
        """Add `n` to the organisation's counter of `name` in the current window; the new
        count and the seconds left in the window."""

    async def prune(self) -> None:
        """Forget windows that ended."""

    async def close(self) -> None: ...


class MemoryCounters:
    """One process's counters (SQLite: the only process)."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, int], int] = {}

    async def hit(self, org_id: str, name: str, period: int, n: int) -> tuple[int, float]:
        now = time.time()
        start = int(now // period) * period
        key = (org_id, name, start)
        count = self._counts.get(key, 0) + n
        self._counts[key] = count
        return count, start + period - now

    async def prune(self) -> None:
        now = time.time()
        # A key's window is at most a day long; keep anything that could still be current.
        self._counts = {k: v for k, v in self._counts.items() if k[2] + 86_400 > now}

    async def close(self) -> None:
        pass


_PG_HIT = """
INSERT INTO rate_limit_counters (org_id, name, window_start, hits)
VALUES ($1, $2, floor(extract(epoch FROM clock_timestamp()) / $3)::bigint * $3, $4)
ON CONFLICT (org_id, name, window_start) DO UPDATE SET hits = rate_limit_counters.hits + $4
RETURNING hits, window_start + $3 - extract(epoch FROM clock_timestamp())::float8
"""
# Windows last at most a day; older rows are dead.
_PG_PRUNE = """
DELETE FROM rate_limit_counters
WHERE window_start < extract(epoch FROM clock_timestamp())::bigint - 86400
"""


class PostgresCounters:
    """Counters in PostgreSQL: one statement per request, on its own (autocommit)."""

    def __init__(self, db: Any) -> None:
        self._db = db

    async def hit(self, org_id: str, name: str, period: int, n: int) -> tuple[int, float]:
        async with self._db.autocommit() as conn:
            row = await conn.fetchrow(_PG_HIT, org_id, name, period, n)
        return int(row[0]), float(row[1])

    async def prune(self) -> None:
        async with self._db.autocommit() as conn:
            await conn.execute(_PG_PRUNE)

    async def close(self) -> None:
        pass


# Redis's own clock picks the window; the key expires with it (one round trip, atomic).
_REDIS_HIT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local period = tonumber(ARGV[1])
local start = math.floor(now / period) * period
local key = KEYS[1] .. ':' .. start
local n = tonumber(ARGV[2])
local hits = redis.call('INCRBY', key, n)
if hits == n then redis.call('EXPIRE', key, period + 1) end
return {hits, tostring(start + period - now)}
"""


class RedisCounters:
    """Counters in Redis (OPENCASE_REDIS_URL)."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        # Short timeouts: a slow Redis must not hold requests (see RateLimiter.check).
        self._redis = redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._script = self._redis.register_script(_REDIS_HIT)

    async def hit(self, org_id: str, name: str, period: int, n: int) -> tuple[int, float]:
        # The hash tag keeps an organisation's counters on one Redis Cluster slot.
        key = f"opencase:rl:{{{org_id}}}:{name}"
        hits, left = await self._script(keys=[key], args=[period, n])
        return int(hits), float(left)

    async def prune(self) -> None:
        pass  # keys expire with their window

    async def close(self) -> None:
        await self._redis.aclose()


class RateLimiter:
    """Admits or refuses each request of an organisation by its operation family.

    Requests of one organisation and family that arrive while its counter is being
    incremented wait and go in the next increment together: one statement adds k and
    answers the new count c, and the k requests take the counts c-k+1 … c in arrival order.
    Each count is still handed out once (the headers stay exact), with one round trip per
    batch instead of per request (natural batching: a lone request goes at once).
    """

    def __init__(self, limits: dict[str, tuple[int, int]], counters: Counters) -> None:
        self.limits = limits
        self.counters = counters
        self._waiting: dict[tuple[str, str], list[asyncio.Future[tuple[int, float]]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._warned_at = -math.inf

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at >= 10:  # once per 10 s, not once per request
            self._warned_at = now
            log.warning("rate limits not enforced: the counters are unreachable (%s)", exc)

    async def _count(self, org_id: str, family: str, period: int) -> tuple[int, float]:
        """This request's count in the current window and the seconds the window has left."""
        key = (org_id, family)
        mine: asyncio.Future[tuple[int, float]] = asyncio.get_running_loop().create_future()
        queue = self._waiting.get(key)
        if queue is not None:
            queue.append(mine)
        else:
            self._waiting[key] = [mine]
            task = asyncio.create_task(self._increment(key, period))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await mine

    async def _increment(self, key: tuple[str, str], period: int) -> None:
        """Increment the key's counter for each batch that gathered, until none is waiting."""
        while batch := self._waiting[key]:
            self._waiting[key] = []
            try:
                hits, left = await self.counters.hit(*key, period, len(batch))
            except Exception as exc:
                for future in batch:
                    if not future.done():  # a cancelled request (client gone) waits no more
                        future.set_exception(exc)
                continue
            first = hits - len(batch) + 1
            for i, future in enumerate(batch):
                if not future.done():
                    future.set_result((first + i, left))
        del self._waiting[key]

    async def check(self, org_id: str, family: str) -> Decision | None:
        """The decision for one more request, or None when the family is not limited."""
        rule = self.limits.get(family)
        if rule is None:
            return None
        limit, period = rule
        try:
            hits, left = await self._count(org_id, family, period)
        except Exception as exc:
            # The counters' store is down: serve unlimited rather than fail every request.
            # (PostgreSQL counters fail only when the database does, and the request with it.)
            self._warn(exc)
            return None
        return Decision(
            name=family,
            limit=limit,
            period=period,
            remaining=max(0, limit - hits),
            reset=max(1, math.ceil(left)),
            admitted=hits <= limit,
        )


def limiter_for(*, spec: str, engine: str, redis_url: str, db: Database) -> RateLimiter | None:
    """The limiter the settings ask for, or None when nothing is limited."""
    limits = parse_limits(spec, engine)
    if not limits:
        return None
    counters: Counters
    if redis_url:
        counters = RedisCounters(redis_url)
    elif engine == "postgresql":
        counters = PostgresCounters(db)
    else:
        counters = MemoryCounters()
    return RateLimiter(limits, counters)

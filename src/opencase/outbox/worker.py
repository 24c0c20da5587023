"""The delivery worker: takes due deliveries under a lease, posts them signed, records how it
went. Runs inside `opencase serve` (unless OPENCASE_OUTBOX_WORKER=0) and as `opencase worker`;
any number of them may run against one PostgreSQL database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable

import httpx
import msgspec

from opencase.adapters.base import Adapter, Attempt, Need, Outcome, Target
from opencase.adapters.webhook import Webhook
from opencase.core.clock import now_us
from opencase.core.db import Connection, Database, Row
from opencase.event.service import SystemEvent, record_system_many
from opencase.integration.settings import find_integration
from opencase.outbox import sql
from opencase.outbox.service import outcome_event

log = logging.getLogger("opencase.outbox")

BACKOFF_MAX_SECONDS = 3600.0
CONNECTIONS = 8  # HTTP connections per worker
_GONE = "target gone"  # the delivery's target no longer exists: dead at once
_NO_TARGET = Target(url="", secret="")


def backoff_us(failures: int, base_seconds: float) -> int:
    """How long to wait after the n-th failed try: doubling from `base_seconds`, at most an
    hour, with jitter (half to all of it) so that retries of many deliveries spread out."""
    seconds = min(BACKOFF_MAX_SECONDS, base_seconds * 2 ** (failures - 1))
    return int(seconds * random.uniform(0.5, 1.0) * 1_000_000)


FanOut = Callable[[Database, list[Row], int], Awaitable[None]]


class Worker:
    """Delivers the outbox of every organisation of one database: fans changes out (with
    `fan_out`, see opencase.fanout) and hands deliveries to the adapter of their kind."""

    def __init__(
        self,
        db: Database,
        *,
        adapters: dict[str, Adapter] | None = None,
        fan_out: FanOut | None = None,
        backoff_seconds: float = 1.0,
        max_attempts: int = 8,
        lease_seconds: float = 30.0,
        batch: int = 50,
        timeout_seconds: float = 10.0,
    ) -> None:
        self.db = db
        self.adapters: dict[str, Adapter] = adapters or {"webhook": Webhook("webhook")}
        self.fan_out = fan_out
        self.backoff_seconds = backoff_seconds
        self.max_attempts = max_attempts
        self.lease_us = int(lease_seconds * 1_000_000)
        self.batch = batch
        # The lease must outlast a try, or another worker could take the row meanwhile.
        self.client = httpx.AsyncClient(
            timeout=min(timeout_seconds, lease_seconds / 2),
            # httpx's pool scans every connection for each request (measured: 148 deliveries/s
            # with 100 in flight); a few connections per worker keep it cheap.
            limits=httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS),
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def _claim(self) -> tuple[list[Row], int]:
        now = now_us()
        lease = now + self.lease_us
        async with self.db.snapshot() as conn:
            if await conn.fetchval(sql.ANY_DUE, now) is None:
                return [], lease
        claim = sql.CLAIM_PG if self.db.engine == "postgresql" else sql.CLAIM_SQLITE
        async with self.db.transaction() as conn:
            rows: list[Row] = await conn.fetch(claim, now, lease, self.batch)
        return rows, lease

    async def deliver_due(self) -> int:
        """Fan out the changes and try the deliveries due now (up to one batch); how many rows
        were handled. The batch's targets are read in one snapshot and its outcomes written in
        one transaction."""
        rows, lease = await self._claim()
        changes = [r for r in rows if r["target_kind"] == sql.CHANGE]
        if changes and self.fan_out is not None:
            try:
                await self.fan_out(self.db, changes, lease)
            except Exception:  # the changes come back when their lease ends
                log.exception("fan-out of %d changes failed", len(changes))
        attempts = [_attempt(r) for r in rows if r["target_kind"] != sql.CHANGE]
        if attempts:
            await self._deliver(attempts)
        return len(rows)

    async def _deliver(self, attempts: list[Attempt]) -> None:
        needs = {a.id: self._needs(a) for a in attempts}
        wanted = {(a.org_id, need) for a in attempts if (need := needs[a.id]) is not None}
        async with self.db.snapshot() as conn:
            targets: dict[tuple[str, Need], Target | None] = {
                key: await _target(conn, key[0], key[1]) for key in wanted
            }
        outcomes = await asyncio.gather(
            *(self._try(a, needs[a.id], targets.get((a.org_id, needs[a.id]))) for a in attempts)
        )
        now = now_us()
        recorded: list[SystemEvent] = []
        async with self.db.transaction() as conn:
            delivered = [(a, o) for a, o in zip(attempts, outcomes, strict=True) if o.error is None]
            if delivered:
                await conn.executemany(
                    sql.DELIVERED_ROW, [(a.org_id, a.id, now) for a, _ in delivered]
                )
            for attempt, outcome in delivered:
                await self.adapters[attempt.kind].delivered(conn, attempt, outcome)
                recorded += _outcome(attempt, "delivered", None)
            for attempt, outcome in zip(attempts, outcomes, strict=True):
                if outcome.error is not None and await self._failed(
                    conn, attempt, outcome.error, now
                ):
                    recorded += _outcome(attempt, "dead", outcome.error)
            await record_system_many(conn, recorded)

    def _needs(self, attempt: Attempt) -> Need:
        adapter = self.adapters.get(attempt.kind)
        return None if adapter is None else adapter.needs(attempt)

    async def _try(self, attempt: Attempt, need: Need, target: Target | None) -> Outcome:
        """One try of one delivery (never raises)."""
        adapter = self.adapters.get(attempt.kind)
        if adapter is None:
            return Outcome(error=f"{_GONE}: no adapter for {attempt.kind!r}")
        if need is not None and target is None:
            return Outcome(error=f"{_GONE}: no {need[1]} {need[2]!r} is registered")
        try:
            return await adapter.send(self.client, attempt, target or _NO_TARGET)
        except Exception as exc:  # an adapter's bug must not stop the other deliveries
            log.exception("adapter %s failed on delivery %s", attempt.kind, attempt.id)
            return Outcome(error=f"{type(exc).__name__}: {exc}"[:500])

    async def _failed(self, conn: Connection, attempt: Attempt, error: str, now: int) -> bool:
        """Record a failed try; whether the delivery is now dead."""
        if error.startswith(_GONE):
            await conn.execute(sql.DEAD_ROW, attempt.org_id, attempt.id, error)
            state = sql.DEAD
        else:
            retry_at = now + backoff_us(attempt.attempts + 1, self.backoff_seconds)
            state = await conn.fetchval(
                sql.FAILED_ROW, attempt.org_id, attempt.id, error, retry_at, self.max_attempts
            )
        if state == sql.DEAD:
            log.warning("delivery %s is dead after %d tries: %s", attempt.id,
                        attempt.attempts + 1, error)  # fmt: skip
            adapter = self.adapters.get(attempt.kind)
            if adapter is not None:
                await adapter.dead(conn, attempt, error)
            return True
        return False

    async def run(self, *, poll_seconds: float = 0.5, stop: asyncio.Event | None = None) -> None:
        """Deliver until `stop` is set (or forever), resting `poll_seconds` when idle."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            tried = 0
            try:
                tried = await self.deliver_due()
            except Exception:
                log.exception("outbox delivery round failed")
            if not tried:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), poll_seconds)


def _outcome(a: Attempt, state: str, error: str | None) -> list[SystemEvent]:
    """The timeline event of a delivery's end, if it has a case."""
    if a.case_id is None:
        return []
    return [
        outcome_event(
            org_id=a.org_id, case_id=a.case_id, delivery_id=a.id, event=a.event,
            target_kind=a.kind, recipient=a.recipient, state=state, attempts=a.attempts + 1,
            error=error,
        )
    ]  # fmt: skip


def _attempt(row: Row) -> Attempt:
    return Attempt(
        org_id=str(row["org_id"]),
        id=str(row["id"]),
        case_id=None if row["case_id"] is None else str(row["case_id"]),
        event=row["event"],
        kind=row["target_kind"],
        target_id=str(row["target_id"]),
        body=row["body"].encode(),
        recipient=None if row["recipient"] is None else msgspec.json.decode(row["recipient"]),
        attempts=row["attempts"],
    )


async def _target(conn: Connection, org_id: str, need: tuple[str, str, str]) -> Target | None:
    """The stored target a try needs (see adapters.base.Need), or None when there is none."""
    source, kind, key = need
    if source == "integration":
        row = await find_integration(conn, org_id=org_id, kind=kind, instance=key)
        return None if row is None else Target(row["url"], row["token"], row["username"])
    statement = sql.ENDPOINT_BY_ID if source == "endpoint_id" else sql.ENDPOINT_BY_NAME
    row = await conn.fetchrow(statement, org_id, kind, key)
    return None if row is None else Target(row["url"], row["secret"])

"""The delivery worker: takes due deliveries under a lease, posts them signed, records how it
went. Runs inside `opencase serve` (unless OPENCASE_OUTBOX_WORKER=0) and as `opencase worker`;
any number of them may run against one PostgreSQL database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time

import httpx

from opencase.core.clock import now_us
from opencase.core.config import Settings
from opencase.core.db import Connection, Database, Row
from opencase.outbox import signing, sql

log = logging.getLogger("opencase.outbox")

BACKOFF_MAX_SECONDS = 3600.0
CONNECTIONS = 8  # HTTP connections per worker
_GONE = "webhook deleted"  # the delivery's target no longer exists: dead at once


def backoff_us(failures: int, base_seconds: float) -> int:
    """How long to wait after the n-th failed try: doubling from `base_seconds`, at most an
    hour, with jitter (half to all of it) so that retries of many deliveries spread out."""
    seconds = min(BACKOFF_MAX_SECONDS, base_seconds * 2 ** (failures - 1))
    return int(seconds * random.uniform(0.5, 1.0) * 1_000_000)


class Worker:
    """Delivers the outbox of every organisation of one database."""

    def __init__(
        self,
        db: Database,
        *,
        backoff_seconds: float = 1.0,
        max_attempts: int = 8,
        lease_seconds: float = 30.0,
        batch: int = 50,
        timeout_seconds: float = 10.0,
    ) -> None:
        self.db = db
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

    async def _claim(self) -> list[Row]:
        now = now_us()
        async with self.db.snapshot() as conn:
            if await conn.fetchval(sql.ANY_DUE, now) is None:
                return []
        claim = sql.CLAIM_PG if self.db.engine == "postgresql" else sql.CLAIM_SQLITE
        async with self.db.transaction() as conn:
            rows: list[Row] = await conn.fetch(claim, now, now + self.lease_us, self.batch)
        return rows

    async def deliver_due(self) -> int:
        """Try every delivery due now (up to one batch); how many were tried. The batch's
        targets are read in one snapshot and its outcomes written in one transaction."""
        rows = await self._claim()
        if not rows:
            return 0
        async with self.db.snapshot() as conn:
            targets = {
                key: await conn.fetchrow(sql.WEBHOOK, *key)
                for key in {(str(r["org_id"]), str(r["target_id"])) for r in rows}
            }
        errors = await asyncio.gather(
            *(self._try(targets[str(r["org_id"]), str(r["target_id"])], r) for r in rows)
        )
        now = now_us()
        async with self.db.transaction() as conn:
            delivered = [
                (str(r["org_id"]), str(r["id"]), now)
                for r, e in zip(rows, errors, strict=True)
                if e is None
            ]
            if delivered:
                await conn.executemany(sql.DELIVERED_ROW, delivered)
            for row, error in zip(rows, errors, strict=True):
                if error is not None:
                    await self._failed(conn, row, error, now)
        return len(rows)

    async def _try(self, target: Row | None, row: Row) -> str | None:
        """One try of one delivery: None when delivered, else why not."""
        if target is None:
            return _GONE
        return await self._post(target["url"], target["secret"], row)

    async def _failed(self, conn: Connection, row: Row, error: str, now: int) -> None:
        org_id, delivery_id = str(row["org_id"]), str(row["id"])
        if error == _GONE:
            await conn.execute(sql.DEAD_ROW, org_id, delivery_id, error)
            return
        retry_at = now + backoff_us(row["attempts"] + 1, self.backoff_seconds)
        state = await conn.fetchval(
            sql.FAILED_ROW, org_id, delivery_id, error, retry_at, self.max_attempts
        )
        if state == sql.DEAD:
            log.warning("delivery %s is dead after %d tries: %s", delivery_id,
                        row["attempts"] + 1, error)  # fmt: skip

    async def _post(self, url: str, secret: str, row: Row) -> str | None:
        """POST the delivery; None when the receiver took it (2xx), else why not."""
        body = row["body"].encode()
        headers = {
            "Content-Type": "application/json",
            signing.HEADER: signing.sign(secret, body, int(time.time())),
            signing.DELIVERY_HEADER: str(row["id"]),
            signing.EVENT_HEADER: row["event"],
            "User-Agent": "opencase-outbox",
        }
        try:
            response = await self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:500]
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"

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


def worker_from(db: Database, settings: Settings) -> Worker:
    """A worker with the settings' back-off and tries."""
    return Worker(
        db,
        backoff_seconds=settings.outbox_backoff_seconds,
        max_attempts=settings.outbox_max_attempts,
    )

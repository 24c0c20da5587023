"""The measurement behind opencase's access-layer choice: raw drivers vs SQLAlchemy.

    python bench/access_layer.py [--engine sqlite|postgresql|both] [--ops 2000] [--cases 200]

One operation is opencase's insights write path (src/opencase/insight/service.py), in one
transaction:
  1. lock the case row (SQLite: BEGIN IMMEDIATE + SELECT; PostgreSQL: SELECT ... FOR UPDATE),
  2. look up which of the 10 (type, resource_id) pairs the case already holds,
  3. update the case (insight_count, insight_seq, modified_*) RETURNING insight_seq,
  4. insert the 10 new insights (executemany),
  5. insert the event (JSON details),
  6. read back all the case's insights in position order,
then commit. Operations rotate over --cases cases, so the read-back grows the same way for
every variant (each variant gets a fresh database made by opencase.core.migrate.upgrade).

Variants:
  raw            opencase's own data layer (opencase.core.db): sqlite3 inline on the event loop,
                 or an asyncpg pool with opencase's codecs, with opencase's SQL strings.
  SA Core        SQLAlchemy Core constructs on opencase.core.tables (select/insert/update built
                 per operation, as application code does; compiled-statement cache on).
                 SQLite: sync engine (pysqlite) with the same pragmas and BEGIN IMMEDIATE;
                 PostgreSQL: create_async_engine("postgresql+asyncpg://...").
  SA text()      the same SQL strings as raw, through SQLAlchemy's Connection.execute(text()).
  opencase svc   opencase.insight.service.add_insights itself (the raw layer plus the domain
                 code: Case structs, event details, users of the case); for reference.
  raw+unnest     PostgreSQL only: raw, with the 10 insights inserted by one
                 INSERT ... SELECT FROM unnest($3::text[], ...) instead of executemany.
  raw+cte        PostgreSQL only: raw, with update case + insert insights + insert event as
                 one statement (data-modifying CTEs): 6 exchanges with the server instead of 8.

Each variant runs --warmup operations, then --ops timed ones, --repeat times on a fresh
database each time; the run with the median ops/s is shown (fsync times are noisy).
Printed: ops/s, CPU us/op of this Python process (time.process_time, so PostgreSQL's own
CPU is not in it; that is the PG us/op column) and the ratios to raw. SQLite runs at
synchronous=FULL (opencase's default) and NORMAL; PostgreSQL with
synchronous_commit on (the default) and off, sequentially and with 16 concurrent tasks.
The process pins itself to core 1 (--no-pin to disable); PostgreSQL is not pinned.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
import sqlalchemy as sa
import uvloop

from opencase.case import sql as case_sql
from opencase.core import db as odb
from opencase.core import migrate
from opencase.core import tables as t
from opencase.core.config import Settings
from opencase.event import sql as event_sql
from opencase.insight import sql as insight_sql

PG_ADMIN_URL = os.environ.get("OPENCASE_BENCH_PG", "postgresql://root@127.0.0.1:5432/test")
N_INSIGHTS = 10
_encode = msgspec.json.Encoder().encode


def now_us() -> int:
    return time.time_ns() // 1000


def us_to_dt(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, UTC)


class Seed(msgspec.Struct):
    org_id: str
    user_id: str
    project_id: str
    case_ids: list[str]


def new_seed(n_cases: int) -> Seed:
    return Seed(
        org_id=str(uuid.uuid4()),
        user_id=str(uuid.uuid4()),
        project_id=str(uuid.uuid4()),
        case_ids=[str(uuid.uuid4()) for _ in range(n_cases)],
    )


async def seed_database(db: Any, s: Seed) -> None:
    """Organisation, user, project and cases, through opencase's raw layer."""
    now = now_us()
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO orgs (id, name, created_at) VALUES ($1, $2, $3)", s.org_id, "bench", now
        )
        await conn.execute(
            "INSERT INTO users (org_id, id, email, name, handle, active, created_at)"
            " VALUES ($1, $2, $3, $4, $5, TRUE, $6)",
            s.org_id,
            s.user_id,
            "b@bench.test",
            "b",
            "b@bench.test",
            now,
        )
        await conn.execute(
            "INSERT INTO projects (org_id, id, key, name, created_at, created_by,"
            " enabled_custom_case_types, case_seq) VALUES ($1, $2, 'BENCH', 'Bench', $3, $4,"
            " '[]', $5)",
            s.org_id,
            s.project_id,
            now,
            s.user_id,
            len(s.case_ids),
        )
        await conn.executemany(
            case_sql.INSERT,
            [
                (
                    cid,
                    s.project_id,
                    n + 1,
                    f"BENCH-{n + 1}",
                    n + 1,
                    "00000000-0000-0000-0000-000000000001",
                    f"case {n}",
                    "",
                    2,
                    0,
                    "Open",
                    "{}",
                    "{}",
                    "MANUAL",
                    None,
                    s.user_id,
                    None,
                    now,
                    None,
                    None,
                    None,
                    None,
                    None,
                    0,
                    0,
                    s.org_id,
                )
                for n, cid in enumerate(s.case_ids)
            ],
        )


def pairs(op: int) -> list[tuple[str, str, str]]:
    """(type, resource_id, ref) of the 10 new insights of operation `op`."""
    return [("MONITOR", f"r-{op}-{j}", f"/monitors/{op}?j={j}") for j in range(N_INSIGHTS)]


# --------------------------------------------------------------------------- raw (opencase)


async def op_raw(db: Any, s: Seed, op: int, for_update: bool) -> int:
    case_id = s.case_ids[op % len(s.case_ids)]
    items = pairs(op)
    async with db.transaction() as conn:
        row = await conn.fetchrow(
            case_sql.BY_ID_FOR_UPDATE if for_update else case_sql.BY_ID, s.org_id, case_id
        )
        flat = [p for t_, r, _ in items for p in (t_, r)]
        existing = await conn.fetch(insight_sql.existing(len(items)), s.org_id, case_id, *flat)
        assert not existing
        now = max(now_us(), (row["modified_at"] or row["created_at"]) + 1)
        seq = await conn.fetchval(
            insight_sql.TOUCH_CASE, s.org_id, case_id, len(items), len(items), now, s.user_id
        )
        first = seq - len(items) + 1
        await conn.executemany(
            insight_sql.INSERT,
            [
                (s.org_id, case_id, t_, r, ref, first + n, now, s.user_id)
                for n, (t_, r, ref) in enumerate(items)
            ],
        )
        details = {
            "added": [{"type": t_, "resource_id": r, "ref": ref} for t_, r, ref in items],
            "updated": [],
        }
        await conn.execute(
            event_sql.INSERT_EVENT,
            s.org_id,
            case_id,
            str(uuid.uuid4()),
            now,
            s.user_id,
            "insights.added",
            _encode(details).decode(),
        )
        rows = await conn.fetch(case_sql.INSIGHTS_OF_CASE, s.org_id, case_id)
        return len([(r["type"], r["ref"], r["resource_id"]) for r in rows])


INSERT_UNNEST = """
INSERT INTO case_insights
    (org_id, case_id, type, resource_id, ref, position, created_at, created_by)
SELECT $1, $2, t.type, t.resource_id, t.ref, $6 + t.n - 1, $7, $8
FROM unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS t(type, resource_id, ref, n)
"""


async def op_raw_unnest(db: Any, s: Seed, op: int) -> int:
    """raw, but the 10 insights go in as one INSERT ... SELECT FROM unnest (PostgreSQL only)."""
    case_id = s.case_ids[op % len(s.case_ids)]
    items = pairs(op)
    async with db.transaction() as conn:
        row = await conn.fetchrow(case_sql.BY_ID_FOR_UPDATE, s.org_id, case_id)
        flat = [p for t_, r, _ in items for p in (t_, r)]
        existing = await conn.fetch(insight_sql.existing(len(items)), s.org_id, case_id, *flat)
        assert not existing
        now = max(now_us(), (row["modified_at"] or row["created_at"]) + 1)
        seq = await conn.fetchval(
            insight_sql.TOUCH_CASE, s.org_id, case_id, len(items), len(items), now, s.user_id
        )
        await conn.execute(
            INSERT_UNNEST,
            s.org_id,
            case_id,
            [i[0] for i in items],
            [i[1] for i in items],
            [i[2] for i in items],
            seq - len(items) + 1,
            now,
            s.user_id,
        )
        details = {
            "added": [{"type": t_, "resource_id": r, "ref": ref} for t_, r, ref in items],
            "updated": [],
        }
        await conn.execute(
            event_sql.INSERT_EVENT,
            s.org_id,
            case_id,
            str(uuid.uuid4()),
            now,
            s.user_id,
            "insights.added",
            _encode(details).decode(),
        )
        rows = await conn.fetch(case_sql.INSIGHTS_OF_CASE, s.org_id, case_id)
        return len([(r["type"], r["ref"], r["resource_id"]) for r in rows])


WRITE_CTE = """
WITH c AS (
    UPDATE cases SET insight_count = insight_count + $6, insight_seq = insight_seq + $6,
        modified_at = $7, modified_by = $8
    WHERE org_id = $1 AND id = $2 RETURNING insight_seq
), i AS (
    INSERT INTO case_insights
        (org_id, case_id, type, resource_id, ref, position, created_at, created_by)
    SELECT $1, $2, t.type, t.resource_id, t.ref, c.insight_seq - $6 + t.n, $7, $8
    FROM c, unnest($3::text[], $4::text[], $5::text[])
        WITH ORDINALITY AS t(type, resource_id, ref, n)
)
INSERT INTO case_events (org_id, case_id, id, created_at, actor_id, action, details)
VALUES ($1, $2, $9, $7, $8, 'insights.added', $10)
"""


async def op_raw_cte(db: Any, s: Seed, op: int) -> int:
    """raw, but update case + insert insights + insert event are one statement (PostgreSQL):
    6 exchanges with the server (BEGIN, lock, check, write, read back, COMMIT) instead of 8."""
    case_id = s.case_ids[op % len(s.case_ids)]
    items = pairs(op)
    async with db.transaction() as conn:
        row = await conn.fetchrow(case_sql.BY_ID_FOR_UPDATE, s.org_id, case_id)
        flat = [p for t_, r, _ in items for p in (t_, r)]
        existing = await conn.fetch(insight_sql.existing(len(items)), s.org_id, case_id, *flat)
        assert not existing
        now = max(now_us(), (row["modified_at"] or row["created_at"]) + 1)
        details = {
            "added": [{"type": t_, "resource_id": r, "ref": ref} for t_, r, ref in items],
            "updated": [],
        }
        await conn.execute(
            WRITE_CTE, s.org_id, case_id, [i[0] for i in items], [i[1] for i in items],
            [i[2] for i in items], len(items), now, s.user_id, str(uuid.uuid4()),
            _encode(details).decode(),
        )  # fmt: skip
        rows = await conn.fetch(case_sql.INSIGHTS_OF_CASE, s.org_id, case_id)
        return len([(r["type"], r["ref"], r["resource_id"]) for r in rows])


async def op_service(db: Any, s: Seed, op: int, for_update: bool) -> int:
    from opencase.case.models import Insight
    from opencase.identity.models import Principal
    from opencase.insight import service

    who = Principal(org_id=s.org_id, user_id=s.user_id, scopes=frozenset({"cases_write"}))
    view = await service.add_insights(
        db=db,
        who=who,
        case_ref=s.case_ids[op % len(s.case_ids)],
        insights=[Insight(t_, ref, r) for t_, r, ref in pairs(op)],
    )
    return len(view.insights)


# --------------------------------------------------------------------------- SQLAlchemy

ci, cases, events = t.case_insights, t.cases, t.case_events


def _sa_core_statements(s: Seed, op: int, pg: bool) -> dict[str, Any]:
    """The statements of one operation, built the way application code builds them."""
    case_id = s.case_ids[op % len(s.case_ids)]
    items = pairs(op)
    lock = sa.select(cases).where(cases.c.org_id == s.org_id, cases.c.id == case_id)
    if pg:
        lock = lock.with_for_update()
    existing = sa.select(ci.c.type, ci.c.resource_id, ci.c.ref).where(
        ci.c.org_id == s.org_id,
        ci.c.case_id == case_id,
        sa.tuple_(ci.c.type, ci.c.resource_id).in_([(t_, r) for t_, r, _ in items]),
    )
    return {"case_id": case_id, "items": items, "lock": lock, "existing": existing}


def _touch(s: Seed, case_id: str, n: int, now: Any) -> Any:
    return (
        sa.update(cases)
        .where(cases.c.org_id == s.org_id, cases.c.id == case_id)
        .values(
            insight_count=cases.c.insight_count + n,
            insight_seq=cases.c.insight_seq + n,
            modified_at=now,
            modified_by=s.user_id,
        )
        .returning(cases.c.insight_seq)
    )


def _read_back(s: Seed, case_id: str) -> Any:
    return (
        sa.select(ci.c.type, ci.c.ref, ci.c.resource_id)
        .where(ci.c.org_id == s.org_id, ci.c.case_id == case_id)
        .order_by(ci.c.position)
    )


def op_sa_core_sync(engine: sa.Engine, s: Seed, op: int) -> int:
    st = _sa_core_statements(s, op, pg=False)
    case_id, items = st["case_id"], st["items"]
    with engine.begin() as conn:
        row = conn.execute(st["lock"]).one()
        assert not conn.execute(st["existing"]).all()
        now = max(now_us(), (row.modified_at or row.created_at) + 1)
        seq = conn.execute(_touch(s, case_id, len(items), now)).scalar_one()
        first = seq - len(items) + 1
        conn.execute(
            sa.insert(ci),
            [
                {
                    "org_id": s.org_id,
                    "case_id": case_id,
                    "type": t_,
                    "resource_id": r,
                    "ref": ref,
                    "position": first + n,
                    "created_at": now,
                    "created_by": s.user_id,
                }
                for n, (t_, r, ref) in enumerate(items)
            ],
        )
        details = {
            "added": [{"type": t_, "resource_id": r, "ref": ref} for t_, r, ref in items],
            "updated": [],
        }
        conn.execute(
            sa.insert(events).values(
                org_id=s.org_id,
                case_id=case_id,
                id=str(uuid.uuid4()),
                created_at=now,
                actor_id=s.user_id,
                action="insights.added",
                details=_encode(details).decode(),
            )
        )
        rows = conn.execute(_read_back(s, case_id)).all()
        return len([(r.type, r.ref, r.resource_id) for r in rows])


async def op_sa_core_async(engine: Any, s: Seed, op: int) -> int:
    st = _sa_core_statements(s, op, pg=True)
    case_id, items = st["case_id"], st["items"]
    async with engine.begin() as conn:
        row = (await conn.execute(st["lock"])).one()
        assert not (await conn.execute(st["existing"])).all()
        now = max(datetime.now(UTC), (row.modified_at or row.created_at))
        seq = (await conn.execute(_touch(s, case_id, len(items), now))).scalar_one()
        first = seq - len(items) + 1
        await conn.execute(
            sa.insert(ci),
            [
                {
                    "org_id": s.org_id,
                    "case_id": case_id,
                    "type": t_,
                    "resource_id": r,
                    "ref": ref,
                    "position": first + n,
                    "created_at": now,
                    "created_by": s.user_id,
                }
                for n, (t_, r, ref) in enumerate(items)
            ],
        )
        details = {
            "added": [{"type": t_, "resource_id": r, "ref": ref} for t_, r, ref in items],
            "updated": [],
        }
        await conn.execute(
            sa.insert(events).values(
                org_id=s.org_id,
                case_id=case_id,
                id=str(uuid.uuid4()),
                created_at=now,
                actor_id=s.user_id,
                action="insights.added",
                details=details,
            )
        )
        rows = (await conn.execute(_read_back(s, case_id))).all()
        return len([(r.type, r.ref, r.resource_id) for r in rows])


def _named(sql: str, n: int) -> str:
    """$1..$n -> :p1..:pn for text()."""
    for i in range(n, 0, -1):
        sql = sql.replace(f"${i}", f":p{i}")
    return sql


_TEXT: dict[tuple[str, bool], Any] = {}


def _text(sql: str, n: int, sqlite: bool) -> Any:
    key = (sql, sqlite)
    stmt = _TEXT.get(key)
    if stmt is None:
        stmt = sa.text(odb.to_sqlite(_named(sql, n)) if sqlite else _named(sql, n))
        _TEXT[key] = stmt
    return stmt


def _p(*args: Any) -> dict[str, Any]:
    return {f"p{i}": a for i, a in enumerate(args, start=1)}


def op_sa_text_sync(engine: sa.Engine, s: Seed, op: int) -> int:
    case_id = s.case_ids[op % len(s.case_ids)]
    items = pairs(op)
    with engine.begin() as conn:
        row = conn.execute(_text(case_sql.BY_ID, 2, True), _p(s.org_id, case_id)).one()
        flat = [p for t_, r, _ in items for p in (t_, r)]
        q = insight_sql.existing(len(items))
        assert not conn.execute(_text(q, 2 + len(flat), True), _p(s.org_id, case_id, *flat)).all()
        now = max(now_us(), (row.modified_at or row.created_at) + 1)
        seq = conn.execute(
            _text(insight_sql.TOUCH_CASE, 6, True),
            _p(s.org_id, case_id, len(items), len(items), now, s.user_id),
        ).scalar_one()
        first = seq - len(items) + 1
        conn.execute(
            _text(insight_sql.INSERT, 8, True),
            [
                _p(s.org_id, case_id, t_, r, ref, first + n, now, s.user_id)
                for n, (t_, r, ref) in enumerate(items)
            ],
        )
        details = {
            "added": [{"type": t_, "resource_id": r, "ref": ref} for t_, r, ref in items],
            "updated": [],
        }
        conn.execute(
            _text(event_sql.INSERT_EVENT, 7, True),
            _p(
                s.org_id,
                case_id,
                str(uuid.uuid4()),
                now,
                s.user_id,
                "insights.added",
                _encode(details).decode(),
            ),
        )
        rows = conn.execute(_text(case_sql.INSIGHTS_OF_CASE, 2, True), _p(s.org_id, case_id)).all()
        return len([(r.type, r.ref, r.resource_id) for r in rows])


async def op_sa_text_async(engine: Any, s: Seed, op: int) -> int:
    case_id = s.case_ids[op % len(s.case_ids)]
    items = pairs(op)
    async with engine.begin() as conn:
        row = (
            await conn.execute(_text(case_sql.BY_ID_FOR_UPDATE, 2, False), _p(s.org_id, case_id))
        ).one()
        flat = [p for t_, r, _ in items for p in (t_, r)]
        q = insight_sql.existing(len(items))
        assert not (
            await conn.execute(_text(q, 2 + len(flat), False), _p(s.org_id, case_id, *flat))
        ).all()
        now = max(datetime.now(UTC), (row.modified_at or row.created_at))
        seq = (
            await conn.execute(
                _text(insight_sql.TOUCH_CASE, 6, False),
                _p(s.org_id, case_id, len(items), len(items), now, s.user_id),
            )
        ).scalar_one()
        first = seq - len(items) + 1
        await conn.execute(
            _text(insight_sql.INSERT, 8, False),
            [
                _p(s.org_id, case_id, t_, r, ref, first + n, now, s.user_id)
                for n, (t_, r, ref) in enumerate(items)
            ],
        )
        details = {
            "added": [{"type": t_, "resource_id": r, "ref": ref} for t_, r, ref in items],
            "updated": [],
        }
        await conn.execute(
            _text(event_sql.INSERT_EVENT, 7, False),
            _p(
                s.org_id,
                case_id,
                str(uuid.uuid4()),
                now,
                s.user_id,
                "insights.added",
                _encode(details).decode(),
            ),
        )
        rows = (
            await conn.execute(_text(case_sql.INSIGHTS_OF_CASE, 2, False), _p(s.org_id, case_id))
        ).all()
        return len([(r.type, r.ref, r.resource_id) for r in rows])


# --------------------------------------------------------------------------- harness


class Result(msgspec.Struct):
    engine: str
    mode: str
    variant: str
    ops: int
    seconds: float
    cpu_seconds: float
    rows_read: int
    db_cpu_seconds: float | None = None  # PostgreSQL backends of the benchmark database

    @property
    def ops_per_s(self) -> float:
        return self.ops / self.seconds

    @property
    def cpu_us(self) -> float:
        return 1e6 * self.cpu_seconds / self.ops


async def _drive(
    fn: Callable[[int], Awaitable[int]], start: int, n: int, tasks: int
) -> tuple[float, float, int]:
    """Run operations start..start+n-1 over `tasks` concurrent tasks; (wall, cpu, rows)."""
    counter = iter(range(start, start + n))
    rows = 0

    async def worker() -> None:
        nonlocal rows
        for op in counter:
            got = await fn(op)
            rows += got

    c0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(tasks)))
    return time.perf_counter() - t0, time.process_time() - c0, rows


def _sqlite_sa_engine(path: str, synchronous: str) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{path}")

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _rec: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy's documented recipe for BEGIN control
        for pragma in (
            "journal_mode=WAL",
            f"synchronous={synchronous}",
            "foreign_keys=ON",
            "busy_timeout=5000",
            "cache_size=-65536",
            "temp_store=MEMORY",
        ):
            dbapi_conn.execute(f"PRAGMA {pragma}")

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


async def sqlite_variant(args: argparse.Namespace, synchronous: str, variant: str) -> Result:
    with tempfile.TemporaryDirectory(prefix="opencase-al-") as tmp:
        path = str(Path(tmp) / "al.db")
        await migrate.upgrade(Settings(database_url=f"sqlite:///{path}"))
        db = odb.SQLiteDatabase(path, synchronous)
        seed = new_seed(args.cases)
        await seed_database(db, seed)
        engine = None
        fn: Callable[[int], Awaitable[int]]
        if variant == "raw":

            async def fn(op: int) -> int:
                return await op_raw(db, seed, op, for_update=True)
        elif variant == "opencase svc":

            async def fn(op: int) -> int:
                return await op_service(db, seed, op, for_update=True)
        else:
            engine = _sqlite_sa_engine(path, synchronous)
            sync = op_sa_core_sync if variant == "SA Core" else op_sa_text_sync

            async def fn(op: int) -> int:
                return int(sync(engine, seed, op))

        await _drive(fn, 0, args.warmup, 1)
        wall, cpu, rows = await _drive(fn, args.warmup, args.ops, 1)
        if engine is not None:
            engine.dispose()
        await db.close()
        return Result("sqlite", f"synchronous={synchronous}", variant, args.ops, wall, cpu, rows)


async def bench_sqlite(args: argparse.Namespace) -> list[Result]:
    out: list[Result] = []
    for synchronous in ("FULL", "NORMAL"):
        for variant in VARIANTS:
            if args.variants and variant not in args.variants.split(","):
                continue
            runs = [await sqlite_variant(args, synchronous, variant) for _ in range(args.repeat)]
            out.append(_median(runs))
            _line(out[-1], out)
    return out


def pg_ticks(dbname: str) -> dict[int, int]:
    """utime + stime of the backends connected to one database (by their process title)."""
    out: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if dbname.encode() not in f.read():
                    continue
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(entry)] = int(fields[11]) + int(fields[12])
    return out


def _pg_admin(sql: str) -> None:
    import asyncpg

    async def go() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    # Runs in its own loop: called from inside the benchmark's loop via a thread.
    import threading

    err: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(go())
        except BaseException as exc:
            err.append(exc)

    th = threading.Thread(target=target)
    th.start()
    th.join()
    if err:
        raise err[0]


async def pg_variant(args: argparse.Namespace, commit: str, tasks: int, variant: str) -> Result:
    from sqlalchemy.ext.asyncio import create_async_engine

    mode = f"synchronous_commit={commit}, {tasks} task{'s' if tasks > 1 else ''}"
    name = f"opencase_al_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        if commit == "off":
            _pg_admin(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
        await migrate.upgrade(Settings(database_url=url))
        db = await odb.PostgresDatabase.connect(url, 16)
        seed = new_seed(args.cases)
        await seed_database(db, seed)
        engine = None
        fn: Callable[[int], Awaitable[int]]
        if variant == "raw":

            async def fn(op: int) -> int:
                return await op_raw(db, seed, op, for_update=True)
        elif variant == "opencase svc":

            async def fn(op: int) -> int:
                return await op_service(db, seed, op, for_update=True)
        elif variant == "raw+unnest":

            async def fn(op: int) -> int:
                return await op_raw_unnest(db, seed, op)
        elif variant == "raw+cte":

            async def fn(op: int) -> int:
                return await op_raw_cte(db, seed, op)
        else:
            assert variant in ("SA Core", "SA text()"), variant
            engine = create_async_engine(
                url.replace("postgresql://", "postgresql+asyncpg://", 1),
                pool_size=16,
                max_overflow=0,
                json_serializer=lambda o: _encode(o).decode(),
            )
            coro = op_sa_core_async if variant == "SA Core" else op_sa_text_async

            async def fn(op: int) -> int:
                return int(await coro(engine, seed, op))

        await _drive(fn, 0, args.warmup, tasks)
        pg0 = pg_ticks(name)
        wall, cpu, rows = await _drive(fn, args.warmup, args.ops, tasks)
        pg1 = pg_ticks(name)
        db_cpu = sum(v - pg0.get(pid, 0) for pid, v in pg1.items()) / os.sysconf("SC_CLK_TCK")
        if engine is not None:
            await engine.dispose()
        await db.close()
        return Result("postgresql", mode, variant, args.ops, wall, cpu, rows, db_cpu)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def bench_postgresql(args: argparse.Namespace) -> list[Result]:
    out: list[Result] = []
    for commit in args.pg_commit.split(","):
        for tasks in (int(x) for x in args.pg_tasks.split(",")):
            for variant in (*VARIANTS, "raw+unnest", "raw+cte"):
                if args.variants and variant not in args.variants.split(","):
                    continue
                runs = [await pg_variant(args, commit, tasks, variant) for _ in range(args.repeat)]
                out.append(_median(runs))
                _line(out[-1], out)
    return out


VARIANTS = ("raw", "SA Core", "SA text()", "opencase svc")


def _median(runs: list[Result]) -> Result:
    """The run with the median ops/s (its CPU figure comes along)."""
    return sorted(runs, key=lambda r: r.ops_per_s)[len(runs) // 2]


def _line(r: Result, done: list[Result]) -> None:
    raw = next(
        (x for x in done if x.engine == r.engine and x.mode == r.mode and x.variant == "raw"), r
    )
    db = f"{1e6 * r.db_cpu_seconds / r.ops:>9.0f}" if r.db_cpu_seconds is not None else f"{'-':>9}"
    print(
        f"| {r.engine:<10} | {r.mode:<34} | {r.variant:<12} | {r.ops_per_s:>8.0f} | "
        f"{r.cpu_us:>8.0f} | {r.ops_per_s / raw.ops_per_s:>9.2f}x | "
        f"{r.cpu_us / raw.cpu_us:>8.2f}x | {r.rows_read / r.ops:>6.0f} | {db} |",
        flush=True,
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--ops", type=int, default=1000, help="timed operations per variant run")
    p.add_argument("--warmup", type=int, default=100, help="untimed operations first")
    p.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs per variant, each on a fresh database; the median is shown",
    )
    p.add_argument("--cases", type=int, default=200, help="cases the operations rotate over")
    p.add_argument("--variants", help="comma-separated subset of the variants to run")
    p.add_argument("--pg-commit", default="on,off", help="synchronous_commit values to run")
    p.add_argument("--pg-tasks", default="1,16", help="concurrent tasks to run on PostgreSQL")
    p.add_argument("--no-pin", action="store_true", help="do not pin this process to core 1")
    args = p.parse_args()
    if not args.no_pin and hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    print(
        f"access-layer benchmark, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}: median of "
        f"{args.repeat} runs of {args.ops} ops "
        f"(+{args.warmup} warm-up) of lock + check + update + insert {N_INSIGHTS} insights + "
        f"event + read back, over {args.cases} cases; SQLAlchemy {sa.__version__}; "
        f"pinned to core {'-' if args.no_pin else 1}"
    )
    print(
        "ratio = variant / raw (ops/s: >1 is faster; CPU: >1 costs more); rows = insights "
        "read back per op; PG us/op = CPU of the PostgreSQL backends of the benchmark database "
        "per op (PostgreSQL's own work, not in 'CPU us/op')\n"
    )
    print(
        f"| {'engine':<10} | {'mode':<34} | {'variant':<12} | {'ops/s':>8} | {'CPU us/op':>8} | "
        f"{'ops/s ratio':>10} | {'CPU ratio':>9} | {'rows':>6} | {'PG us/op':>9} |"
    )
    print("|" + "|".join("-" * w for w in (12, 36, 14, 10, 11, 12, 11, 8, 11)) + "|")

    async def go() -> None:
        if args.engine in ("sqlite", "both"):
            await bench_sqlite(args)
        if args.engine in ("postgresql", "both"):
            await bench_postgresql(args)

    uvloop.run(go())


if __name__ == "__main__":
    main()

"""Bulk import and export speed (`opencase import` / `opencase export`), on both engines.

    python bench/import_export.py [--cases 2000] [--insights 50] [--engines sqlite,postgresql]
                                  [--pg postgresql://127.0.0.1:5432/test]

Writes a synthetic export (an organisation with 20 users, 5 projects and `--cases` cases of
`--insights` insights and 6 events each: creation, insights added, two comments, one of them
edited, a status change), then per engine, on a fresh database migrated by opencase:
1. imports it (opencase.transfer.load.import_file, in process: what `opencase import` runs
   after start-up), timed: insights/s and cases/s;
2. imports it again (every case already present: nothing is written);
3. exports the organisation (opencase.transfer.export.export_org), timed;
4. imports that export into a second fresh database and exports it again: the two exports
   must be the same bytes (and the synthetic file's, which is written in the export's form).

PostgreSQL databases are made and dropped on the server at `--pg` (as tests/conftest.py
does); SQLite files live in a temporary directory. SQLite runs with opencase's defaults
(WAL, synchronous=FULL), so every batch's commit is an fsync.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from opencase.core import migrate
from opencase.core.config import load_settings
from opencase.core.db import Database, connect
from opencase.insight.models import TYPES
from opencase.transfer import records as r
from opencase.transfer.export import export_org
from opencase.transfer.load import import_file
from opencase.transfer.progress import Reporter

START = datetime(2026, 1, 1, tzinfo=UTC)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def synthetic_export(cases: int, insights: int, seed: int = 7) -> bytes:
    """An export of one organisation, written with the export's own records and encoder."""
    rng = random.Random(seed)
    out = io.BytesIO()

    def put(record: Any) -> None:
        out.write(r.encoder.encode(record) + b"\n")

    put(r.Header(format=r.FORMAT, version=r.VERSION))
    put(r.Org(id=_uuid(rng), name="bench", created_at=START, case_seq=cases))
    users = [
        r.User(
            id=_uuid(rng),
            email=f"user{i:02}@bench.test",
            name=f"user{i:02}",
            handle=f"user{i:02}@bench.test",
            active=True,
            created_at=START,
        )
        for i in range(20)
    ]
    for user in users:
        put(user)
    keys = ["APP", "DB", "NET", "OPS", "SEC"]
    projects = [
        r.Project(
            id=_uuid(rng),
            key=key,
            name=f"Project {key}",
            created_at=START,
            created_by=users[0].id,
            case_seq=0,
        )
        for key in keys
    ]
    numbers = dict.fromkeys(keys, 0)
    for public_id in range(1, cases + 1):
        numbers[keys[(public_id - 1) % len(keys)]] += 1
    projects = [
        r.Project(
            id=p.id,
            key=p.key,
            name=p.name,
            created_at=p.created_at,
            created_by=p.created_by,
            case_seq=numbers[p.key],
        )
        for p in projects
    ]
    for project in projects:
        put(project)
    numbers = dict.fromkeys(keys, 0)
    for public_id in range(1, cases + 1):
        project = projects[(public_id - 1) % len(projects)]
        numbers[project.key] += 1
        number = numbers[project.key]
        key = f"{project.key}-{number}"
        at = START + timedelta(minutes=public_id, microseconds=rng.randrange(1_000_000))
        added = at + timedelta(seconds=5)
        author = users[rng.randrange(len(users))].id
        attached = [
            r.Insight(
                type=TYPES[n % len(TYPES)],  # type: ignore[arg-type]
                resource_id=str(1_000_000 + public_id * 100 + n),
                ref=f"/monitors/{1_000_000 + public_id * 100 + n}?q=total",
                position=n + 1,
                created_at=added,
                created_by=author,
            )
            for n in range(insights)
        ]
        comment = _uuid(rng)
        events = [
            r.Event(
                id=_uuid(rng),
                created_at=at,
                actor_id=author,
                action="case.created",
                details={"key": key, "title": f"Case {public_id}", "priority": 3},
            ),
            r.Event(
                id=_uuid(rng),
                created_at=added,
                actor_id=author,
                action="insights.added",
                details={"added": [{"type": i.type} for i in attached[:3]], "updated": []},
            ),
            r.Event(
                id=comment,
                created_at=added + timedelta(seconds=1),
                actor_id=author,
                action="comment",
                details={"message": f"Looking at {key} now"},
                modified_at=added + timedelta(seconds=3),
            ),
            r.Event(
                id=_uuid(rng),
                created_at=added + timedelta(seconds=2),
                actor_id=author,
                action="comment",
                details={"message": "Same root cause as last week?"},
            ),
            r.Event(
                id=_uuid(rng),
                created_at=added + timedelta(seconds=3),
                actor_id=author,
                action="comment.updated",
                details={"cell_id": comment, "previous_message": "Looking"},
            ),
            r.Event(
                id=_uuid(rng),
                created_at=added + timedelta(seconds=4),
                actor_id=author,
                action="case.status_updated",
                details={"status": {"from": 0, "to": 1}},
            ),
        ]
        events.sort(key=lambda e: (e.created_at, e.id))
        put(
            r.Case(
                id=_uuid(rng),
                key=key,
                keys=[key],
                public_id=public_id,
                project_id=project.id,
                number=number,
                type_id="00000000-0000-0000-0000-000000000001",
                title=f"Case {public_id}: error latency on checkout",
                description="Alerts fired for the checkout service." * (public_id % 3),
                priority="P3",
                status="IN_PROGRESS",
                status_name="In Progress",
                attributes={"service": ["checkout"], "team": [f"team-{public_id % 7}"]},
                created_by=author,
                created_at=at,
                modified_by=author,
                modified_at=added + timedelta(seconds=4),
                insight_seq=insights,
                insights=attached,
                events=events,
            )
        )
    return out.getvalue()


class _Quiet(Reporter):
    def __init__(self) -> None:
        super().__init__(open(os.devnull, "w"))  # noqa: SIM115 - for the process's life


async def _pg_admin(url: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


class Fresh:
    """A fresh, migrated database of one engine (dropped or deleted afterwards)."""

    def __init__(self, engine: str, tmp: Path, pg: str) -> None:
        self.engine, self.pg = engine, pg
        if engine == "postgresql":
            self.name = f"opencase_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
            self.url = urlunsplit(urlsplit(pg)._replace(path=f"/{self.name}"))
        else:
            self.url = f"sqlite:///{tmp / f'{uuid.uuid4().hex[:8]}.db'}"

    async def __aenter__(self) -> Database:
        if self.engine == "postgresql":
            await _pg_admin(self.pg, f'CREATE DATABASE "{self.name}"')
        settings = load_settings(database_url=self.url)
        await migrate.upgrade(settings)
        self.db = await connect(settings)
        return self.db

    async def __aexit__(self, *exc: object) -> None:
        await self.db.close()
        if self.engine == "postgresql":
            await _pg_admin(self.pg, f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


async def _import(db: Database, data: bytes) -> float:
    started = time.perf_counter()
    status = await import_file(
        db=db,
        org_name="bench",
        source=io.BytesIO(data),
        size=len(data),
        skip_invalid=False,
        progress=_Quiet(),
    )
    assert status == 0, status
    return time.perf_counter() - started


async def _export(db: Database) -> tuple[bytes, float]:
    out = io.BytesIO()
    started = time.perf_counter()
    await export_org(db=db, org_name="bench", query="", out=out, progress=_Quiet())
    return out.getvalue(), time.perf_counter() - started


async def bench(engine: str, data: bytes, cases: int, insights: int, pg: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        async with Fresh(engine, Path(tmp), pg) as db:
            first = await _import(db, data)
            again = await _import(db, data)
            exported, export_s = await _export(db)
        async with Fresh(engine, Path(tmp), pg) as db:
            await _import(db, exported)
            second, _ = await _export(db)
    total = cases * insights
    return {
        "engine": engine,
        "import_s": first,
        "insights_per_s": total / first,
        "cases_per_s": cases / first,
        "reimport_s": again,
        "export_s": export_s,
        "export_insights_per_s": total / export_s,
        "identical": exported == second == data,
        "bytes": len(exported),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--cases", type=int, default=2000)
    p.add_argument("--insights", type=int, default=50, help="insights per case")
    p.add_argument("--engines", default="sqlite,postgresql")
    p.add_argument("--pg", default="postgresql://127.0.0.1:5432/test", help="admin database URL")
    p.add_argument("--runs", type=int, default=3, help="runs per engine (the best is shown)")
    args = p.parse_args()
    data = synthetic_export(args.cases, args.insights)
    print(
        f"{args.cases:,} cases x {args.insights} insights (+6 events each), "
        f"{len(data) / 1e6:.1f} MB of JSON Lines; best of {args.runs} runs",
        file=sys.stderr,
    )
    print(
        "| engine | import | insights/s | cases/s | re-import (all present) | export | "
        "export insights/s | export → import → export identical |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for engine in args.engines.split(","):
        runs = [
            asyncio.run(bench(engine, data, args.cases, args.insights, args.pg))
            for _ in range(args.runs)
        ]
        best = min(runs, key=lambda x: x["import_s"])
        fastest_export = min(x["export_s"] for x in runs)
        print(
            f"| {engine} | {best['import_s']:.2f} s | {best['insights_per_s']:,.0f} | "
            f"{best['cases_per_s']:,.0f} | {best['reimport_s']:.2f} s | {fastest_export:.2f} s | "
            f"{args.cases * args.insights / fastest_export:,.0f} | "
            f"{'yes' if all(x['identical'] for x in runs) else 'NO'} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

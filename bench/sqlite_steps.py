"""CPU and wall time of each statement of the SQLite insights write path.

    python bench/sqlite_steps.py [--ops 3000] [--cases 1000] [--autocheckpoint 1000]

The same statements as opencase's 10-insight PUT (bench/access_layer.py's raw operation), on a
raw sqlite3 connection opened by opencase.core.db (WAL, opencase's pragmas), timed one by one,
at synchronous=FULL (opencase's default) and NORMAL. Pinned to core 1.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from access_layer import _encode, new_seed, pairs, seed_database

from opencase.case import sql as case_sql
from opencase.core import db as odb
from opencase.core import migrate
from opencase.core.config import Settings
from opencase.event import sql as event_sql
from opencase.insight import sql as insight_sql


async def run(synchronous: str, args: argparse.Namespace) -> None:
    path = str(Path(tempfile.mkdtemp(prefix="opencase-steps-")) / "s.db")
    await migrate.upgrade(Settings(database_url=f"sqlite:///{path}"))
    db = odb.SQLiteDatabase(path, synchronous)
    raw = db._raw
    raw.execute(f"PRAGMA wal_autocheckpoint={args.autocheckpoint}")
    s = new_seed(args.cases)
    await seed_database(db, s)
    cpu: dict[str, float] = defaultdict(float)
    wall: dict[str, float] = defaultdict(float)
    sql = {k: odb.to_sqlite(v) for k, v in {
        "case": case_sql.BY_ID_FOR_UPDATE, "existing": insight_sql.existing(10),
        "touch": insight_sql.TOUCH_CASE, "insert": insight_sql.INSERT,
        "event": event_sql.INSERT_EVENT, "read": case_sql.INSIGHTS_OF_CASE,
    }.items()}  # fmt: skip
    warmup = args.ops // 10
    for op in range(warmup + args.ops):
        case_id = s.case_ids[op % len(s.case_ids)]
        items = pairs(op)
        marks: list[tuple[str, float, float]] = [("", time.process_time(), time.perf_counter())]

        def mark(name: str, marks: list[tuple[str, float, float]] = marks) -> None:
            marks.append((name, time.process_time(), time.perf_counter()))

        raw.execute("BEGIN IMMEDIATE")
        mark("BEGIN IMMEDIATE")
        row = raw.execute(sql["case"], (s.org_id, case_id)).fetchone()
        mark("lock/read case")
        flat = [p for t, r, _ in items for p in (t, r)]
        raw.execute(sql["existing"], (s.org_id, case_id, *flat)).fetchall()
        mark("existing check")
        now = max(time.time_ns() // 1000, (row["modified_at"] or row["created_at"]) + 1)
        seq = raw.execute(sql["touch"], (s.org_id, case_id, 10, 10, now, s.user_id)).fetchone()[0]
        mark("update case")
        raw.executemany(
            sql["insert"],
            [(s.org_id, case_id, t, r, ref, seq - 9 + n, now, s.user_id)
             for n, (t, r, ref) in enumerate(items)],
        )  # fmt: skip
        mark("insert 10 insights")
        details = {"added": [{"type": t, "resource_id": r, "ref": ref} for t, r, ref in items]}
        raw.execute(sql["event"], (s.org_id, case_id, str(uuid.uuid4()), now, s.user_id,
                                   "insights.added", _encode(details).decode()))  # fmt: skip
        mark("insert event")
        raw.execute(sql["read"], (s.org_id, case_id)).fetchall()
        mark("read back insights")
        raw.execute("COMMIT")
        mark("COMMIT")
        if op >= warmup:
            for (_, c0, w0), (name, c1, w1) in itertools.pairwise(marks):
                cpu[name] += c1 - c0
                wall[name] += w1 - w0
    n = args.ops
    print(f"\nsynchronous={synchronous}: {1e6 * sum(cpu.values()) / n:.0f} us CPU, "
          f"{1e6 * sum(wall.values()) / n:.0f} us wall per operation")  # fmt: skip
    print(f"| {'step':<20} | {'CPU us':>7} | {'wall us':>7} |")
    print(f"|{'-' * 22}|{'-' * 9}|{'-' * 9}|")
    for name in cpu:
        print(f"| {name:<20} | {1e6 * cpu[name] / n:7.1f} | {1e6 * wall[name] / n:7.1f} |")
    await db.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--ops", type=int, default=3000)
    p.add_argument("--cases", type=int, default=1000)
    p.add_argument("--autocheckpoint", type=int, default=1000, help="PRAGMA wal_autocheckpoint")
    args = p.parse_args()
    if (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    print(f"SQLite write-path steps, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, {args.ops} ops "
          f"over {args.cases} cases, wal_autocheckpoint={args.autocheckpoint}")  # fmt: skip
    for synchronous in ("FULL", "NORMAL"):
        asyncio.run(run(synchronous, args))


if __name__ == "__main__":
    main()

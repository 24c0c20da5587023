"""SQLite group commit (core/db.py), at the layer that does it: concurrent write transactions
share COMMITs, a failing one rolls back only itself, and none returns before its COMMIT.

The HTTP-level proofs are in test_durability.py (kill -9 in a burst of concurrent writers) and
the concurrency tests; this pins the mechanism itself, without a server.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from opencase.core.db import SQLiteDatabase


class Refused(Exception):
    pass


def _committed(db: SQLiteDatabase, i: int) -> bool:
    """Whether row i is visible outside the writer: committed."""
    return db._reader.execute("SELECT 1 FROM t WHERE i = ?", (i,)).fetchone() is not None


async def _burst(db: SQLiteDatabase, n: int, failing: set[int]) -> list[str]:
    outcome = ["?"] * n

    async def one(i: int) -> None:
        try:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO t(i) VALUES ($1)", i)
                await asyncio.sleep(0)  # let the others queue for the writer meanwhile
                if i in failing:
                    raise Refused(i)
            outcome[i] = "ok" if _committed(db, i) else "returned before its COMMIT"
        except Refused:
            outcome[i] = "refused"

    await asyncio.gather(*(one(i) for i in range(n)))
    return outcome


def test_concurrent_transactions_share_commits_and_fail_alone(tmp_path: Path) -> None:
    async def main() -> tuple[list[str], list[int], list[str]]:
        db = SQLiteDatabase(str(tmp_path / "g.db"))
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE t (i INTEGER PRIMARY KEY)")
        statements: list[str] = []
        db._raw.set_trace_callback(statements.append)
        outcome = await _burst(db, 50, set(range(0, 50, 5)))
        db._raw.set_trace_callback(None)
        rows = [r[0] for r in db._reader.execute("SELECT i FROM t ORDER BY i")]
        await db.close()
        return outcome, rows, statements

    outcome, rows, statements = asyncio.run(main())
    assert outcome == ["refused" if i % 5 == 0 else "ok" for i in range(50)]
    assert rows == [i for i in range(50) if i % 5]
    commits = statements.count("COMMIT")
    assert 1 <= commits < 10, f"{commits} COMMITs for 40 transactions"
    assert statements.count("ROLLBACK TO request") == 10


def test_a_lone_transaction_commits_at_once(tmp_path: Path) -> None:
    async def main() -> list[str]:
        db = SQLiteDatabase(str(tmp_path / "l.db"))
        statements: list[str] = []
        db._raw.set_trace_callback(statements.append)
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE t (i INTEGER PRIMARY KEY)")
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO t(i) VALUES (1)")
        seen = db._reader.execute("SELECT count(*) FROM t").fetchone()[0]
        await db.close()
        assert seen == 1
        return statements

    statements = asyncio.run(main())
    # No SAVEPOINT and no batch: the plain transaction, committed before returning.
    assert not any(s.startswith("SAVEPOINT") for s in statements)
    assert statements.count("COMMIT") == 2


@pytest.mark.parametrize("n", [2, 8])
def test_reads_see_only_committed_writes(tmp_path: Path, n: int) -> None:
    async def main() -> None:
        db = SQLiteDatabase(str(tmp_path / "r.db"))
        async with db.transaction() as conn:
            await conn.execute("CREATE TABLE t (i INTEGER PRIMARY KEY)")
        seen_inside: list[int] = []

        async def writer(i: int) -> None:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO t(i) VALUES ($1)", i)
                await asyncio.sleep(0)
                async with db.snapshot() as reader:
                    seen_inside.append(await reader.fetchval("SELECT count(*) FROM t"))

        await asyncio.gather(*(writer(i) for i in range(n)))
        async with db.snapshot() as reader:
            assert await reader.fetchval("SELECT count(*) FROM t") == n
        await db.close()
        # A snapshot never saw a write whose COMMIT had not run, its own included.
        assert all(seen < n for seen in seen_inside)

    asyncio.run(main())

"""PostgreSQL statistics while tables grow (PostgresDatabase.optimize, run every
`optimize_every` seconds by the server): plans made while a table was small must not outlive
its growth (a foreign-key check planned on an empty `cases` scans it for every insight)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from case_db import Engine, migrated_engine

pytestmark = pytest.mark.postgresql


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[Engine]:
    with migrated_engine("postgresql", tmp_path) as engine:
        yield engine


def _analyses(engine: Engine, table: str) -> int:
    async def read() -> int:
        async with engine.db.snapshot() as conn:
            count: int = await conn.fetchval(
                "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = $1", table
            )
            return count

    return int(engine.run(read()))


def test_optimize_analyzes_the_tables_that_grew(pg: Engine) -> None:
    org = str(uuid.uuid4())

    async def grow(rows: int) -> None:
        async with pg.db.transaction() as conn:
            # The counts reach pg_stat_user_tables when this session next goes idle.
            await conn.fetchval("SELECT pg_stat_force_next_flush()")
            await conn.execute(
                "INSERT INTO orgs (id, name, created_at) VALUES ($1, 'o', $2)", org, 0
            )
            await conn.executemany(
                "INSERT INTO users (org_id, id, email, name, handle, active, created_at)"
                " VALUES ($1, $2, $3, 'n', 'h', true, $4)",
                [(org, str(uuid.uuid4()), f"u{n}@o.test", 0) for n in range(rows)],
            )

    pg.run(grow(600))
    before = _analyses(pg, "users")
    pg.run(pg.db.optimize())
    assert _analyses(pg, "users") == before + 1
    assert _analyses(pg, "projects") == 0  # nothing changed there: left alone
    pg.run(pg.db.optimize())  # nothing grew since
    assert _analyses(pg, "users") == before + 1

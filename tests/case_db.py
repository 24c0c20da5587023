"""Reading a test server's database directly (through opencase's own data layer, either engine).

For what the API does not show: the rows of the case record (`case_events`) and of `case_keys`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import Server, create_pg_database, drop_pg_database, require_pg

from opencase.core import migrate
from opencase.core.config import load_settings
from opencase.core.db import Database, connect


def fetch(server: Server, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of one query (PostgreSQL syntax, `$1` placeholders) as dicts."""

    async def run() -> list[dict[str, Any]]:
        db = await connect(load_settings(database_url=server.database_url, db_pool_size=1))
        try:
            async with db.snapshot() as conn:
                return [{k: row[k] for k in row.keys()} for row in await conn.fetch(sql, *args)]  # noqa: SIM118
        finally:
            await db.close()

    return asyncio.run(run())


def events(server: Server, case_id: str) -> list[dict[str, Any]]:
    """The case's record, oldest first: action, actor_id, created_at, details (decoded)."""
    rows = fetch(
        server,
        "SELECT action, actor_id, created_at, details FROM case_events WHERE case_id = $1"
        " ORDER BY created_at, id",
        case_id,
    )
    for row in rows:
        row["details"] = json.loads(row["details"])
        row["actor_id"] = str(row["actor_id"])
    return rows


def actions(server: Server, case_id: str) -> list[str]:
    return [e["action"] for e in events(server, case_id)]


def case_keys(server: Server, case_id: str) -> list[str]:
    rows = fetch(server, "SELECT key FROM case_keys WHERE case_id = $1 ORDER BY key", case_id)
    return [r["key"] for r in rows]


class Engine:
    """A migrated database of one engine, opened through opencase's data layer, and the event
    loop its coroutines run on (for tests that work below HTTP)."""

    def __init__(self, name: str, db: Database, loop: asyncio.AbstractEventLoop) -> None:
        self.name, self.db, self.loop = name, db, loop

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)


ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


@contextmanager
def migrated_engine(name: str, tmp: Path) -> Iterator[Engine]:
    """A fresh database of the engine at the newest migration (PostgreSQL: skipped when it is
    unreachable, except under CI=true), dropped afterwards."""
    loop = asyncio.new_event_loop()
    url = None
    if name == "postgresql":
        require_pg()
        url = database_url = create_pg_database()
    else:
        database_url = f"sqlite:///{tmp / 'engine.db'}"
    conf = load_settings(database_url=database_url, db_pool_size=2)
    loop.run_until_complete(migrate.upgrade(conf))
    db = loop.run_until_complete(connect(conf))
    try:
        yield Engine(name, db, loop)
    finally:
        loop.run_until_complete(db.close())
        loop.close()
        if url:
            drop_pg_database(url)

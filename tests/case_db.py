"""Reading a test server's database directly (through opencase's own data layer, either engine).

For what the API does not show: the rows of the case record (`case_events`) and of `case_keys`.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from conftest import Server

from opencase.core.config import load_settings
from opencase.core.db import connect


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

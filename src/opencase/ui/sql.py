"""The few reads only the pages make (everything else goes through the domain services)."""

from __future__ import annotations

from opencase.core.db import Connection, placeholders

KEYS_BY_IDS = "SELECT id, key, title FROM cases WHERE org_id = $1 AND id IN "


async def case_keys(conn: Connection, org_id: str, ids: list[str]) -> dict[str, tuple[str, str]]:
    """(key, title) of the organisation's cases with these ids."""
    if not ids:
        return {}
    rows = await conn.fetch(f"{KEYS_BY_IDS}({placeholders(2, len(ids))})", org_id, *ids)
    return {str(r["id"]): (r["key"], r["title"]) for r in rows}

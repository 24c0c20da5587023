"""The case query language: text -> syntax tree -> SQL per engine.

Every user of a search-bar query (case search, count, aggregate, saved views, bulk, rules,
the web UI) goes through this package.
"""

from __future__ import annotations

from opencase.core.db import Connection
from opencase.query.compile import resolve_query
from opencase.query.errors import QueryError

__all__ = ["QueryError", "check_query"]


async def check_query(conn: Connection, *, org_id: str, text: str) -> None:
    """Raise QueryError unless `text` parses and every field in it resolves in the org."""
    await resolve_query(conn, org_id=org_id, text=text)

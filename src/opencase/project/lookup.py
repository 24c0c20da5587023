"""Checks on the project that views, favorites and rules live in."""

from __future__ import annotations

from opencase.core.db import Connection
from opencase.core.errors import NotFound
from opencase.project import sql


async def require_project(
    conn: Connection, *, org_id: str, project_id: str, lock: bool = False
) -> None:
    """404 `project not found` unless the organisation has the project; `lock` holds its row
    for the transaction."""
    if not await conn.fetchval(sql.LOCK if lock else sql.EXISTS, org_id, project_id):
        raise NotFound("project")


async def not_found_under(conn: Connection, *, org_id: str, project_id: str, kind: str) -> NotFound:
    """Why a `kind` was not found under a project: the project (when it is missing), or it."""
    if await conn.fetchval(sql.EXISTS, org_id, project_id):
        return NotFound(kind)
    return NotFound("project")

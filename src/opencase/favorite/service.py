"""Project favorites of the calling user.

Favoriting is idempotent both ways: favoriting a favorite and unfavoriting a project that is
not one change nothing. A favorite goes with its project when the project is deleted.
"""

from __future__ import annotations

from opencase.core.clock import now_us
from opencase.core.db import Connection, Database
from opencase.core.errors import NotFound
from opencase.favorite import sql
from opencase.favorite.models import ProjectFavorite
from opencase.identity.models import Principal


async def _lock_project(conn: Connection, org_id: str, project_id: str) -> None:
    if not await conn.fetchval(sql.LOCK_PROJECT, org_id, project_id):
        raise NotFound("project")


async def list_favorites(*, db: Database, who: Principal) -> list[ProjectFavorite]:
    """The caller's favorite projects, in the order they were favorited."""
    async with db.snapshot() as conn:
        rows = await conn.fetch(sql.LIST, who.org_id, who.user_id)
    return [
        ProjectFavorite(project_id=str(r["project_id"]), created_at=r["created_at"]) for r in rows
    ]


async def favorite_project(*, db: Database, who: Principal, project_id: str) -> None:
    """Add a project of the organisation to the caller's favorites (already one: no change)."""
    async with db.transaction() as conn:
        await _lock_project(conn, who.org_id, project_id)
        await conn.execute(sql.INSERT, who.org_id, who.user_id, project_id, now_us())


async def unfavorite_project(*, db: Database, who: Principal, project_id: str) -> None:
    """Remove a project of the organisation from the caller's favorites (not one: no change)."""
    async with db.transaction() as conn:
        await _lock_project(conn, who.org_id, project_id)
        await conn.execute(sql.DELETE, who.org_id, who.user_id, project_id)

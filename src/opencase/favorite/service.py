"""Project favorites of the calling user.

Favoriting is idempotent both ways: favoriting a favorite and unfavoriting a project that is
not one change nothing. A favorite goes with its project when the project is deleted.
"""

from __future__ import annotations

from opencase.core.clock import now_us
from opencase.core.db import Database
from opencase.favorite import sql
from opencase.favorite.models import ProjectFavorite
from opencase.identity.models import Principal
from opencase.project.lookup import require_project


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
        await require_project(conn, org_id=who.org_id, project_id=project_id, lock=True)
        await conn.execute(sql.INSERT, who.org_id, who.user_id, project_id, now_us())


async def unfavorite_project(*, db: Database, who: Principal, project_id: str) -> None:
    """Remove a project of the organisation from the caller's favorites (not one: no change)."""
    async with db.transaction() as conn:
        await require_project(conn, org_id=who.org_id, project_id=project_id, lock=True)
        await conn.execute(sql.DELETE, who.org_id, who.user_id, project_id)

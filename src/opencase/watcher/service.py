"""Watching and unwatching cases.

Watching is not a change to the case: `modified_at`/`modified_by` stay as they are. The case's
record still gets an event (`case.watched`, `case.unwatched`, details `{"user_id": …}`) when the
set of watchers really changes; watching twice or unwatching a user who does not watch writes
nothing. Archived cases can be watched and unwatched.
"""

from __future__ import annotations

from opencase.case.service import check_user, find_case
from opencase.core.clock import now_us
from opencase.core.db import Database
from opencase.event.service import record
from opencase.identity.models import Principal
from opencase.identity.service import user_from_row
from opencase.watcher import sql
from opencase.watcher.models import Watcher


async def list_watchers(*, db: Database, who: Principal, case_ref: str) -> list[Watcher]:
    """The users watching a case, in the order they started watching."""
    async with db.snapshot() as conn:
        case = await find_case(conn, who.org_id, case_ref)
        rows = await conn.fetch(sql.LIST, who.org_id, case.id)
    return [Watcher(user=user_from_row(r), created_at=r["created_at"]) for r in rows]


async def watch_case(*, db: Database, who: Principal, case_ref: str, user_id: str) -> None:
    """Make a user of the organisation watch a case (already watching: no change)."""
    async with db.transaction() as conn:
        case = await find_case(conn, who.org_id, case_ref, for_update=True)
        user_id = await check_user(conn, who.org_id, user_id, "")
        now = now_us()
        if await conn.execute(sql.INSERT, who.org_id, case.id, user_id, now):
            await record(
                conn,
                org_id=who.org_id,
                case_id=case.id,
                actor_id=who.user_id,
                at=now,
                action="case.watched",
                details={"user_id": user_id},
            )


async def unwatch_case(*, db: Database, who: Principal, case_ref: str, user_id: str) -> None:
    """Stop a user of the organisation watching a case (not watching: no change)."""
    async with db.transaction() as conn:
        case = await find_case(conn, who.org_id, case_ref, for_update=True)
        user_id = await check_user(conn, who.org_id, user_id, "")
        if await conn.execute(sql.DELETE, who.org_id, case.id, user_id):
            await record(
                conn,
                org_id=who.org_id,
                case_id=case.id,
                actor_id=who.user_id,
                at=now_us(),
                action="case.unwatched",
                details={"user_id": user_id},
            )

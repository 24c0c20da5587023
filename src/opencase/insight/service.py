"""Adding and removing insights.

Each request is one transaction that first locks the case row, so concurrent requests on one
case (from any number of server processes) apply one after another: none is lost, none
duplicates another, and `modified_at` only moves forward.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from opencase.case.models import CaseView, Insight
from opencase.case.service import (
    ensure_not_archived,
    fetch_case_row,
    find_case,
    load_view,
    next_modified_at,
    view_from_pg_row,
)
from opencase.core.clock import now_us
from opencase.core.db import Database, PostgresDatabase
from opencase.core.errors import InvalidInput
from opencase.event.service import record
from opencase.identity.models import Principal
from opencase.insight import sql
from opencase.insight.models import PER_CASE_MAX


def _collapse(insights: list[Insight]) -> dict[tuple[str, str], str]:
    """Identity -> ref, first-seen order, last ref wins."""
    out: dict[tuple[str, str], str] = {}
    for i in insights:
        out[(i.type, i.resource_id)] = i.ref
    return out


def _flat(keys: list[tuple[str, str]]) -> list[str]:
    return [part for key in keys for part in key]


def _as_dicts(items: list[tuple[str, str, str]]) -> list[dict[str, str]]:
    return [{"type": t, "resource_id": r, "ref": ref} for t, r, ref in items]


async def _in_one_statement(
    *, db: PostgresDatabase, statement: str, who: Principal, case_ref: str, args: list[Any]
) -> CaseView | None:
    """An insights change on PostgreSQL in one statement (sql.ADD_PG, sql.REMOVE_PG); None
    when it declined (no such case, archived, near the per-case cap, or another writer went
    first) and changed nothing."""
    row = await fetch_case_row(db, statement, who.org_id, case_ref, *args)
    if row is None or not row["allowed"]:
        return None
    return view_from_pg_row(row)


async def add_insights(
    *, db: Database, who: Principal, case_ref: str, insights: list[Insight]
) -> CaseView:
    """Add insights to a case; an existing (type, resource_id) only gets its ref updated."""
    wanted = _collapse(insights)
    if isinstance(db, PostgresDatabase) and wanted:
        args = [
            [t for t, _ in wanted],
            [r for _, r in wanted],
            list(wanted.values()),
            now_us(),
            who.user_id,
            PER_CASE_MAX,
            str(uuid.uuid4()),
        ]
        view = await _in_one_statement(
            db=db, statement=sql.ADD_PG, who=who, case_ref=case_ref, args=args
        )
        if view is not None:
            return view
    keys = list(wanted)
    async with db.transaction() as conn:
        case = await find_case(conn, who.org_id, case_ref, for_update=True)
        ensure_not_archived(case)
        rows = await conn.fetch(sql.existing(len(keys)), who.org_id, case.id, *_flat(keys))
        current = {(r["type"], r["resource_id"]): r["ref"] for r in rows}
        added = [(t, r, wanted[t, r]) for t, r in keys if (t, r) not in current]
        updated = [
            (t, r, wanted[t, r])
            for t, r in keys
            if (t, r) in current and current[t, r] != wanted[t, r]
        ]
        if not added and not updated:
            return await load_view(conn, who.org_id, case)
        if case.insight_count + len(added) > PER_CASE_MAX:
            raise InvalidInput(
                f"a case holds at most {PER_CASE_MAX} insights; this one has "
                f"{case.insight_count} and the request adds {len(added)}",
                pointer="/data/attributes/insights",
            )
        now = next_modified_at(case)
        seq = await conn.fetchval(
            sql.TOUCH_CASE, who.org_id, case.id, len(added), len(added), now, who.user_id
        )
        first = seq - len(added) + 1
        await conn.executemany(
            sql.INSERT,
            [
                (who.org_id, case.id, t, r, ref, first + n, now, who.user_id)
                for n, (t, r, ref) in enumerate(added)
            ],
        )
        if updated:
            await conn.executemany(
                sql.UPDATE_REF, [(who.org_id, case.id, t, r, ref) for t, r, ref in updated]
            )
        await record(
            conn,
            org_id=who.org_id,
            case_id=case.id,
            actor_id=who.user_id,
            at=now,
            action="insights.added",
            details={"added": _as_dicts(added), "updated": _as_dicts(updated)},
        )
        case = msgspec.structs.replace(
            case,
            insight_count=case.insight_count + len(added),
            modified_at=now,
            modified_by=who.user_id,
        )
        return await load_view(conn, who.org_id, case)


async def remove_insights(
    *, db: Database, who: Principal, case_ref: str, insights: list[Insight]
) -> CaseView:
    """Remove insights by (type, resource_id); ones not on the case are ignored."""
    keys = list(_collapse(insights))
    if isinstance(db, PostgresDatabase) and keys:
        args = [
            [t for t, _ in keys],
            [r for _, r in keys],
            now_us(),
            who.user_id,
            str(uuid.uuid4()),
        ]
        view = await _in_one_statement(
            db=db, statement=sql.REMOVE_PG, who=who, case_ref=case_ref, args=args
        )
        if view is not None:
            return view
    async with db.transaction() as conn:
        case = await find_case(conn, who.org_id, case_ref, for_update=True)
        ensure_not_archived(case)
        rows = await conn.fetch(sql.delete(len(keys)), who.org_id, case.id, *_flat(keys))
        if not rows:
            return await load_view(conn, who.org_id, case)
        now = next_modified_at(case)
        await conn.fetchval(sql.TOUCH_CASE, who.org_id, case.id, -len(rows), 0, now, who.user_id)
        removed = sorted((r["type"], r["resource_id"], r["ref"]) for r in rows)
        await record(
            conn,
            org_id=who.org_id,
            case_id=case.id,
            actor_id=who.user_id,
            at=now,
            action="insights.removed",
            details={"removed": _as_dicts(removed)},
        )
        case = msgspec.structs.replace(
            case,
            insight_count=case.insight_count - len(rows),
            modified_at=now,
            modified_by=who.user_id,
        )
        return await load_view(conn, who.org_id, case)

"""Comments on a case, and its timeline.

Every comment write first locks the case row in its transaction (on PostgreSQL a new comment
is one statement that does it all), so `comment_count` stays exact however many clients and
server processes comment at once. Adding, editing and
deleting a comment bump the case's `modified_at`/`modified_by`; an edit to the same text
changes nothing and writes nothing. Archived cases refuse all three (400). Only a comment's
author may edit or delete it (403).
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from opencase.case.models import Case
from opencase.case.service import (
    ensure_not_archived,
    fetch_case_row,
    find_case,
    next_modified_at,
    users_of_pg,
)
from opencase.core.clock import now_us
from opencase.core.db import Connection, Database, PostgresDatabase, Row
from opencase.core.errors import Forbidden, InvalidInput, NotFound
from opencase.event.service import record
from opencase.identity.models import Principal, User
from opencase.identity.service import user_from_row
from opencase.identity.sql import users_by_ids
from opencase.timeline import sql
from opencase.timeline.models import (
    COMMENT,
    COMMENT_DELETED,
    COMMENT_MAX,
    COMMENT_UPDATED,
    Cell,
    Timeline,
)

_encode = msgspec.json.Encoder().encode
_POINTER = "/data/attributes/comment"
# Keys of event details that hold user ids (as a value, or as {"from": …, "to": …}).
USER_KEYS = ("assignee_id", "user_id")


def _check_message(message: str) -> None:
    if not message.strip() or len(message) > COMMENT_MAX:
        raise InvalidInput(
            f"comment must be 1 to {COMMENT_MAX} characters and not blank", pointer=_POINTER
        )


def cell_from_row(row: Row) -> Cell:
    return Cell(
        id=str(row["id"]),
        created_at=row["created_at"],
        author_id=str(row["actor_id"]),
        action=row["action"],
        details=msgspec.json.decode(row["details"]),
        modified_at=row["modified_at"],
    )


def _named_user_ids(cells: list[Cell]) -> list[str]:
    ids: list[str] = []
    for cell in cells:
        ids.append(cell.author_id)
        for key in USER_KEYS:
            value = cell.details.get(key)
            values = [value.get("from"), value.get("to")] if isinstance(value, dict) else [value]
            ids += [v for v in values if isinstance(v, str)]
    return list(dict.fromkeys(ids))


async def _timeline(conn: Connection, org_id: str, cells: list[Cell]) -> Timeline:
    rows = await users_by_ids(conn, org_id, _named_user_ids(cells))
    users: dict[str, User] = {u.id: u for u in map(user_from_row, rows)}
    return Timeline(cells=cells, users=users)


async def _own_comment(conn: Connection, who: Principal, case: Case, cell_id: str) -> Cell:
    row = await conn.fetchrow(sql.COMMENT, who.org_id, case.id, cell_id)
    if row is None:
        raise NotFound("timeline cell")
    cell = cell_from_row(row)
    if cell.author_id != who.user_id:
        raise Forbidden("only the author of a comment may edit or delete it")
    return cell


async def _touch(conn: Connection, who: Principal, case: Case, count: int, now: int) -> None:
    await conn.execute(sql.TOUCH_CASE, who.org_id, case.id, count, now, who.user_id)


async def comment_case(*, db: Database, who: Principal, case_ref: str, message: str) -> Timeline:
    """Add a comment to a case; returns its cell."""
    _check_message(message)
    if isinstance(db, PostgresDatabase):
        timeline = await _comment_in_one_statement(
            db=db, who=who, case_ref=case_ref, message=message
        )
        if timeline is not None:
            return timeline
    async with db.transaction() as conn:
        case = await find_case(conn, who.org_id, case_ref, for_update=True)
        ensure_not_archived(case)
        now = next_modified_at(case)
        details: dict[str, Any] = {"message": message}
        cell = Cell(str(uuid.uuid4()), now, who.user_id, COMMENT, details)
        await record(
            conn, org_id=who.org_id, case_id=case.id, actor_id=who.user_id, at=now,
            action=COMMENT, details=details, event_id=cell.id,
        )  # fmt: skip
        await _touch(conn, who, case, 1, now)
        return await _timeline(conn, who.org_id, [cell])


async def _comment_in_one_statement(
    *, db: PostgresDatabase, who: Principal, case_ref: str, message: str
) -> Timeline | None:
    """comment_case on PostgreSQL as one statement (sql.COMMENT_PG); None when it wrote
    nothing (unknown or archived case: the general path gives the error)."""
    details: dict[str, Any] = {"message": message}
    cell_id = str(uuid.uuid4())
    row = await fetch_case_row(
        db, sql.COMMENT_PG, who.org_id, case_ref, now_us(), cell_id, who.user_id,
        _encode(details).decode(),
    )  # fmt: skip
    if row is None or not row["written"]:
        return None
    cell = Cell(cell_id, row["now"], who.user_id, COMMENT, details)
    return Timeline(cells=[cell], users=users_of_pg(row))


async def update_comment(
    *, db: Database, who: Principal, case_ref: str, cell_id: str, message: str
) -> Timeline:
    """Replace the text of one's own comment; returns its cell."""
    _check_message(message)
    async with db.transaction() as conn:
        case = await find_case(conn, who.org_id, case_ref, for_update=True)
        ensure_not_archived(case)
        cell = await _own_comment(conn, who, case, cell_id)
        previous = cell.details.get("message")
        if previous != message:
            now = next_modified_at(case)
            details = {**cell.details, "message": message}
            await conn.execute(
                sql.UPDATE_COMMENT, who.org_id, case.id, cell.id, _encode(details).decode(), now
            )
            await _touch(conn, who, case, 0, now)
            # The previous text stays in the record (the database), never on the wire.
            await record(
                conn,
                org_id=who.org_id,
                case_id=case.id,
                actor_id=who.user_id,
                at=now,
                action=COMMENT_UPDATED,
                details={"cell_id": cell.id, "previous_message": previous},
            )
            cell = msgspec.structs.replace(cell, details=details, modified_at=now)
        return await _timeline(conn, who.org_id, [cell])


async def delete_comment(*, db: Database, who: Principal, case_ref: str, cell_id: str) -> None:
    """Delete one's own comment (soft: it leaves the timeline, its deletion stays on it)."""
    async with db.transaction() as conn:
        case = await find_case(conn, who.org_id, case_ref, for_update=True)
        ensure_not_archived(case)
        cell = await _own_comment(conn, who, case, cell_id)
        now = next_modified_at(case)
        await conn.execute(sql.DELETE_COMMENT, who.org_id, case.id, cell.id, now)
        await _touch(conn, who, case, -1, now)
        await record(
            conn,
            org_id=who.org_id,
            case_id=case.id,
            actor_id=who.user_id,
            at=now,
            action=COMMENT_DELETED,
            details={"cell_id": cell.id},
        )


async def list_timeline(
    *,
    db: Database,
    who: Principal,
    case_ref: str,
    page_number: int,
    page_size: int,
    ascending: bool,
) -> Timeline:
    """One page (0-based) of a case's comments and other events, newest first by default."""
    async with db.snapshot() as conn:
        case = await find_case(conn, who.org_id, case_ref)
        rows = await conn.fetch(
            sql.PAGE_ASC if ascending else sql.PAGE_DESC,
            who.org_id,
            case.id,
            page_size,
            page_number * page_size,
        )
        return await _timeline(conn, who.org_id, [cell_from_row(r) for r in rows])

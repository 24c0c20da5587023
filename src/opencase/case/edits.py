"""Case edits: title, description, priority, status, due date, resolved reason, attributes,
assignee, and moving a case to another project.

Every edit but the move writes only the columns that really change, plus one event, under the
case's row lock (`apply_edit`, via `edit_case`); an edit that changes nothing writes nothing.
Archived cases refuse every edit (400). On PostgreSQL `edit_case` first tries two statements
and no transaction (read, then write if the case is still as read; see case.sql.edit_pg).

The edits that bulk update also applies (priority, status, assign, unassign, move) are split in
two: a validator of the request value (`check_priority`, `resolve_status`, …, taking the pointer
to blame) and an `apply_*` function that edits a case already locked in the caller's
transaction. The single-case operations below are the validator plus `edit_case` with the
same change (`edit_locked(apply_move)` for the move), so bulk and single edits agree.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import msgspec

from opencase.case import edit_sql, sql
from opencase.case.models import DESCRIPTION_MAX, PRIORITIES, TITLE_MAX, Case, CaseView
from opencase.case.service import (
    Change,
    apply_edit,
    check_user,
    edit_case,
    edit_locked,
    ensure_not_archived,
    find_case,
    next_modified_at,
)
from opencase.case_type.builtin import DEFAULT_STATUSES, LEGACY_STATUS, Status, find_status
from opencase.core.db import Connection, Database
from opencase.core.errors import InvalidInput, NotFound
from opencase.event.service import record
from opencase.identity.models import Principal

CLOSED = 2  # the closed status group

RESOLVED_REASONS = ("FALSE_POSITIVE", "TRUE_POSITIVE", "BENIGN_POSITIVE")

ATTRIBUTE_KEYS_MAX = 100
ATTRIBUTE_KEY_MAX = 100
ATTRIBUTE_VALUES_MAX = 100
ATTRIBUTE_VALUE_MAX = 1000
_ATTRIBUTE_KEY = re.compile(rf"[A-Za-z][A-Za-z0-9_.\-/]{{0,{ATTRIBUTE_KEY_MAX - 1}}}")
_DUE_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

_TITLE = "/data/attributes/title"
_DESCRIPTION = "/data/attributes/description"
_PRIORITY = "/data/attributes/priority"
_DUE_DATE_PTR = "/data/attributes/due_date"
_RESOLVED_REASON = "/data/attributes/security_resolved_reason"
_ATTRIBUTES = "/data/attributes/attributes"
_ASSIGNEE = "/data/attributes/assignee_id"
_PROJECT = "/data/id"
_ATTRS = "/data/attributes"


def _escape(token: str) -> str:
    """A JSON pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


async def _set(
    db: Database, who: Principal, ref: str, action: str, columns: dict[str, Any]
) -> CaseView:
    return await edit_case(db=db, who=who, ref=ref, action=action, change=lambda case, now: columns)


async def update_title(*, db: Database, who: Principal, ref: str, title: str) -> CaseView:
    """Set a case's title (1-500 characters, not blank)."""
    if not title.strip() or len(title) > TITLE_MAX:
        raise InvalidInput(
            f"title must be 1 to {TITLE_MAX} characters and not blank", pointer=_TITLE
        )
    return await _set(db, who, ref, "case.title_updated", {"title": title})


async def update_description(
    *, db: Database, who: Principal, ref: str, description: str
) -> CaseView:
    """Set a case's description (up to 65,536 characters; empty clears it)."""
    if len(description) > DESCRIPTION_MAX:
        raise InvalidInput(
            f"description must be at most {DESCRIPTION_MAX} characters", pointer=_DESCRIPTION
        )
    return await _set(db, who, ref, "case.description_updated", {"description": description})


def check_priority(priority: str, *, pointer: str = _PRIORITY) -> int:
    """The stored value of a priority name (P1-P5 or NOT_DEFINED); else 400 at `pointer`."""
    if priority not in PRIORITIES:
        raise InvalidInput(
            f"invalid priority {priority}. Must be one of P1, P2, P3, P4, P5, NOT_DEFINED",
            pointer=pointer,
        )
    return PRIORITIES.index(priority)


def _priority(priority: int) -> Change:
    return lambda case, now: {"priority": priority}


async def apply_priority(conn: Connection, *, who: Principal, case: Case, priority: int) -> Case:
    """Set the priority (a `check_priority` value) of a case locked in this transaction."""
    return await apply_edit(
        conn, who=who, case=case, action="case.priority_updated", change=_priority(priority)
    )


async def update_priority(*, db: Database, who: Principal, ref: str, priority: str) -> CaseView:
    """Set a case's priority (P1-P5 or NOT_DEFINED)."""
    change = _priority(check_priority(priority))
    return await edit_case(db=db, who=who, ref=ref, action="case.priority_updated", change=change)


def resolve_status(status_name: str | None, status: str | None, *, prefix: str = _ATTRS) -> Status:
    """The status a request names by `status_name` and/or the deprecated `status`; else 400
    at `<prefix>/status_name` or `<prefix>/status`."""
    pointer_name, pointer_status = f"{prefix}/status_name", f"{prefix}/status"
    by_name = by_group = None
    if status_name is not None:
        by_name = find_status(status_name)
        if by_name is None:
            names = ", ".join(s.name for s in DEFAULT_STATUSES)
            raise InvalidInput(
                f"invalid status_name {status_name}. Must be one of {names}", pointer=pointer_name
            )
    if status is not None:
        if status not in LEGACY_STATUS:
            raise InvalidInput(
                f"invalid status {status}. Must be one of {', '.join(LEGACY_STATUS)}",
                pointer=pointer_status,
            )
        group = LEGACY_STATUS.index(status)
        by_group = next(s for s in DEFAULT_STATUSES if s.group == group)
    if by_name is not None and by_group is not None and by_name.group != by_group.group:
        raise InvalidInput(
            f"status {status} contradicts status_name {by_name.name} "
            f"(status {LEGACY_STATUS[by_name.group]})",
            pointer=pointer_status,
        )
    found = by_name or by_group
    if found is None:
        raise InvalidInput(
            "status_name (or the deprecated status) is required", pointer=pointer_name
        )
    return found


def _status(status: Status) -> Change:
    """Closing sets `closed_at` (kept when already closed), reopening clears it and
    resolved_reason."""

    def change(case: Case, now: int) -> dict[str, Any]:
        columns: dict[str, Any] = {"status": status.group, "status_name": status.name}
        if status.group == CLOSED:
            columns["closed_at"] = case.closed_at if case.status == CLOSED else now
        else:
            columns["closed_at"] = None
            columns["resolved_reason"] = None
        return columns

    return change


async def apply_status(conn: Connection, *, who: Principal, case: Case, status: Status) -> Case:
    """Set the status of a case locked in this transaction (see `_status`)."""
    return await apply_edit(
        conn, who=who, case=case, action="case.status_updated", change=_status(status)
    )


async def update_status(
    *, db: Database, who: Principal, ref: str, status_name: str | None, status: str | None
) -> CaseView:
    """Set a case's status; closing sets `closed_at`, reopening clears it and resolved_reason."""
    change = _status(resolve_status(status_name, status))
    return await edit_case(db=db, who=who, ref=ref, action="case.status_updated", change=change)


def check_due_date(value: str | None) -> str | None:
    """A calendar date as YYYY-MM-DD, or None; else 400."""
    if value is None:
        return None
    try:
        if not _DUE_DATE.fullmatch(value):
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"invalid due_date {value}. Must be a calendar date as YYYY-MM-DD, or null",
            pointer=_DUE_DATE_PTR,
        ) from None
    return value


async def update_due_date(
    *, db: Database, who: Principal, ref: str, due_date: str | None
) -> CaseView:
    """Set a case's due date (YYYY-MM-DD), or clear it with None."""
    value = check_due_date(due_date)
    return await _set(db, who, ref, "case.due_date_updated", {"due_date": value})


async def update_resolved_reason(
    *, db: Database, who: Principal, ref: str, resolved_reason: str
) -> CaseView:
    """Set why a closed case was resolved (FALSE_POSITIVE, TRUE_POSITIVE, BENIGN_POSITIVE)."""
    if resolved_reason not in RESOLVED_REASONS:
        raise InvalidInput(
            f"invalid security_resolved_reason {resolved_reason}. "
            f"Must be one of {', '.join(RESOLVED_REASONS)}",
            pointer=_RESOLVED_REASON,
        )

    def change(case: Case, now: int) -> dict[str, Any]:
        if case.status != CLOSED:
            raise InvalidInput(
                f"case {case.key} is not closed; close it before setting its resolved reason",
                pointer=_RESOLVED_REASON,
            )
        return {"resolved_reason": resolved_reason}

    return await edit_case(
        db=db, who=who, ref=ref, action="case.resolved_reason_updated", change=change
    )


def check_attributes(attributes: dict[str, Any]) -> dict[str, list[str]]:
    """Validated attributes: duplicates collapse, keys with no values are dropped; else 400."""
    if len(attributes) > ATTRIBUTE_KEYS_MAX:
        raise InvalidInput(
            f"a case has at most {ATTRIBUTE_KEYS_MAX} attribute keys", pointer=_ATTRIBUTES
        )
    out: dict[str, list[str]] = {}
    for key, values in attributes.items():
        pointer = f"{_ATTRIBUTES}/{_escape(key)}"
        if not _ATTRIBUTE_KEY.fullmatch(key):
            raise InvalidInput(
                f"invalid attribute key {key!r}: 1 to {ATTRIBUTE_KEY_MAX} letters, digits or "
                "_ . - /, starting with a letter",
                pointer=pointer,
            )
        if not isinstance(values, list):
            raise InvalidInput(f"attribute {key} must be a list of strings", pointer=pointer)
        if len(values) > ATTRIBUTE_VALUES_MAX:
            raise InvalidInput(
                f"attribute {key} has more than {ATTRIBUTE_VALUES_MAX} values", pointer=pointer
            )
        for i, value in enumerate(values):
            if not isinstance(value, str) or not value.strip() or len(value) > ATTRIBUTE_VALUE_MAX:
                raise InvalidInput(
                    f"attribute values must be 1 to {ATTRIBUTE_VALUE_MAX} characters and not blank",
                    pointer=f"{pointer}/{i}",
                )
        if values:
            out[key] = list(dict.fromkeys(values))
    return out


async def update_attributes(
    *, db: Database, who: Principal, ref: str, attributes: dict[str, Any]
) -> CaseView:
    """Replace a case's attributes (key -> list of strings) with the given map."""
    value = check_attributes(attributes)
    return await _set(db, who, ref, "case.attributes_updated", {"attributes": value})


def check_assignee_id(assignee_id: str, *, pointer: str = _ASSIGNEE) -> str:
    """A user UUID in canonical form; else 400 at `pointer` (existence is checked later)."""
    try:
        return str(uuid.UUID(assignee_id))
    except ValueError:
        raise InvalidInput(f"{assignee_id!r} is not a user UUID", pointer=pointer) from None


def _assignee(assignee_id: str | None) -> Change:
    return lambda case, now: {"assignee_id": assignee_id}


async def apply_assign(conn: Connection, *, who: Principal, case: Case, assignee_id: str) -> Case:
    """Assign a case locked in this transaction to a user already checked by `check_user`."""
    return await apply_edit(
        conn, who=who, case=case, action="case.assigned", change=_assignee(assignee_id)
    )


async def apply_unassign(conn: Connection, *, who: Principal, case: Case) -> Case:
    """Remove the assignee of a case locked in this transaction (none: no change)."""
    return await apply_edit(
        conn, who=who, case=case, action="case.unassigned", change=_assignee(None)
    )


async def assign_case(*, db: Database, who: Principal, ref: str, assignee_id: str) -> CaseView:
    """Assign a case to a user of the organisation (400 if not a UUID, 404 if unknown)."""
    assignee_id = check_assignee_id(assignee_id)
    # Users are never deleted, so checking them before the edit's transaction is safe; the
    # case is looked up first so that an unknown case is "case not found" whatever the user.
    async with db.snapshot() as conn:
        ensure_not_archived(await find_case(conn, who.org_id, ref))
        assignee_id = await check_user(conn, who.org_id, assignee_id, _ASSIGNEE)
    return await edit_case(
        db=db, who=who, ref=ref, action="case.assigned", change=_assignee(assignee_id)
    )


async def unassign_case(*, db: Database, who: Principal, ref: str) -> CaseView:
    """Remove a case's assignee (none: no change)."""
    change = _assignee(None)
    return await edit_case(db=db, who=who, ref=ref, action="case.unassigned", change=change)


def check_project_id(project_id: str, *, pointer: str = _PROJECT) -> str:
    """A project UUID in canonical form; else 400 at `pointer` (existence is checked later)."""
    try:
        return str(uuid.UUID(project_id))
    except ValueError:
        raise InvalidInput(f"{project_id!r} is not a project UUID", pointer=pointer) from None


async def apply_move(conn: Connection, *, who: Principal, case: Case, project_id: str) -> Case:
    """Move a case locked in this transaction to a project (a `check_project_id` value); 404
    if the organisation has no such project. Moving to its own project changes nothing."""
    # Lock order: the case row, then the destination project's row (as create_case does
    # for numbering). Nothing else takes a case row before a project row it then waits on.
    ensure_not_archived(case)
    if case.project_id == project_id:
        return case
    numbered = await conn.fetchrow(sql.NEXT_PROJECT_NUMBER, who.org_id, project_id)
    if numbered is None:
        raise NotFound("project")
    number = numbered["case_seq"]
    key = f"{numbered['key']}-{number}"
    now = next_modified_at(case)
    await conn.execute(
        edit_sql.MOVE, who.org_id, case.id, project_id, number, key, now, who.user_id
    )
    await conn.execute(sql.INSERT_KEY, who.org_id, key, case.id)
    await record(
        conn,
        org_id=who.org_id,
        case_id=case.id,
        actor_id=who.user_id,
        at=now,
        action="case.moved",
        details={
            "project_id": {"from": case.project_id, "to": project_id},
            "key": {"from": case.key, "to": key},
        },
    )
    return msgspec.structs.replace(
        case,
        project_id=project_id,
        number=number,
        key=key,
        modified_at=now,
        modified_by=who.user_id,
    )


async def move_case(*, db: Database, who: Principal, ref: str, project_id: str) -> CaseView:
    """Move a case to another project: it takes that project's next key, its old keys still
    resolve to it, and its public id stays. Moving to its own project changes nothing."""
    project_id = check_project_id(project_id)
    return await edit_locked(
        db=db, who=who, ref=ref,
        apply=lambda conn, case: apply_move(conn, who=who, case=case, project_id=project_id),
    )  # fmt: skip


async def release_project_keys(conn: Connection, org_id: str, project_key: str) -> None:
    """Forget the old keys (`KEY-n`) that cases moved out of a project still answer to.

    For the deletion of that project: a new project may later take the same key and must be
    able to hand out `KEY-1`, `KEY-2`, … again.
    """
    await conn.execute(edit_sql.RELEASE_PROJECT_KEYS, org_id, f"{project_key}-%")

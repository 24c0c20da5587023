"""Case operations: create, read by id or key, and the shared helpers other domains use."""

from __future__ import annotations

import asyncio
import re
import uuid
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from opencase.case import sql
from opencase.case.models import Case, CaseView, Insight
from opencase.case_type.builtin import BUILTIN_BY_ID, DEFAULT_STATUSES, Status, find_status
from opencase.core.clock import now_us
from opencase.core.db import Connection, Database, PostgresDatabase, Row
from opencase.core.errors import InvalidInput, NotFound
from opencase.custom_attribute.values import check_case_values
from opencase.event.service import record
from opencase.identity.models import Principal, User
from opencase.identity.service import user_from_row
from opencase.identity.sql import users_by_ids

_json = msgspec.json.Encoder()


def _same(value: Any) -> Any:
    return value


_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9]*-[1-9][0-9]{0,17}$")
_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)


def case_from_row(row: Row) -> Case:
    return Case(
        id=str(row["id"]),
        project_id=str(row["project_id"]),
        number=row["number"],
        key=row["key"],
        public_id=row["public_id"],
        type_id=str(row["type_id"]),
        title=row["title"],
        description=row["description"],
        priority=row["priority"],
        status=row["status"],
        status_name=row["status_name"],
        attributes=msgspec.json.decode(row["attributes"]),
        custom_attributes=msgspec.json.decode(row["custom_attributes"]),
        creation_source=row["creation_source"],
        assignee_id=None if row["assignee_id"] is None else str(row["assignee_id"]),
        created_by=str(row["created_by"]),
        modified_by=None if row["modified_by"] is None else str(row["modified_by"]),
        created_at=row["created_at"],
        modified_at=row["modified_at"],
        closed_at=row["closed_at"],
        archived_at=row["archived_at"],
        due_date=row["due_date"],
        resolved_reason=row["resolved_reason"],
        comment_count=row["comment_count"],
        insight_count=row["insight_count"],
        tickets=None if row["tickets"] is None else msgspec.json.decode(row["tickets"]),
    )


def parse_case_ref(ref: str) -> tuple[str, str]:
    """("id", uuid) or ("key", KEY-N upper-cased) for a `case_id` path value; else 400."""
    if _UUID.match(ref):
        return "id", str(uuid.UUID(ref))
    if _KEY.match(ref):
        return "key", ref.upper()
    raise InvalidInput(
        'invalid parameter "case_id" in "path"; expected a case UUID or key such as SEC-12',
        parameter="case_id",
    )


async def find_case(conn: Connection, org_id: str, ref: str, *, for_update: bool = False) -> Case:
    """The case of this organisation with this UUID or key; 404 otherwise."""
    kind, value = parse_case_ref(ref)
    if kind == "id":
        query = sql.BY_ID_FOR_UPDATE if for_update else sql.BY_ID
    else:
        query = sql.BY_KEY_FOR_UPDATE if for_update else sql.BY_KEY
    row = await conn.fetchrow(query, org_id, value)
    if row is None:
        raise NotFound("case")
    return case_from_row(row)


async def _users_of(conn: Connection, org_id: str, cases: list[Case]) -> dict[str, User]:
    """The users the cases refer to, by id, in one query."""
    ids = list(dict.fromkeys(i for c in cases for i in c.user_ids))
    return {u.id: u for u in map(user_from_row, await users_by_ids(conn, org_id, ids))}


async def load_view(conn: Connection, org_id: str, case: Case) -> CaseView:
    """A case with its insights and the users it refers to."""
    rows = await conn.fetch(sql.INSIGHTS_OF_CASE, org_id, case.id)
    return CaseView(
        case=case,
        insights=[Insight(r["type"], r["ref"], r["resource_id"]) for r in rows],
        users=await _users_of(conn, org_id, [case]),
    )


async def load_views(
    conn: Connection, org_id: str, cases: list[Case], held: Callable[[Case], bool] | None = None
) -> list[CaseView]:
    """Several cases with their insights and users, in three queries whatever their number;
    the insights of a case `held` says the caller already holds are left out."""
    insights: dict[str, list[Insight]] = {c.id: [] for c in cases}
    wanted = [c.id for c in cases if held is None or not held(c)]
    for r in await sql.insights_of_cases(conn, org_id, wanted) if wanted else ():
        insights[str(r["case_id"])].append(Insight(r["type"], r["ref"], r["resource_id"]))
    users = await _users_of(conn, org_id, cases)
    return [CaseView(case=c, insights=insights[c.id], users=users) for c in cases]


async def _check_type(conn: Connection, org_id: str, type_id: str) -> str:
    try:
        type_id = str(uuid.UUID(type_id))
    except ValueError:
        raise InvalidInput(
            f"{type_id!r} is not a case type UUID", pointer="/data/attributes/type_id"
        ) from None
    if type_id not in BUILTIN_BY_ID and not await conn.fetchval(
        sql.CUSTOM_TYPE_EXISTS, org_id, type_id
    ):
        raise NotFound("case_type")
    return type_id


async def check_user(conn: Connection, org_id: str, user_id: str, pointer: str) -> str:
    """A user id of this organisation, canonical; 400 if not a UUID, 404 if unknown."""
    try:
        user_id = str(uuid.UUID(user_id))
    except ValueError:
        raise InvalidInput(f"{user_id!r} is not a user UUID", pointer=pointer) from None
    if not await conn.fetchval(sql.USER_EXISTS, org_id, user_id):
        raise NotFound("user")
    return user_id


# One creation per organisation at a time in this process (PostgreSQL). Creations of an
# organisation queue for its row anyway (the public id); queued in PostgreSQL, every commit
# wakes all the waiters to fight for the row again: at 32 concurrent POSTs that tripled
# PostgreSQL's CPU per creation and halved the throughput (bench/README.md). Queued here,
# at most one backend per server process waits. A lock lives while someone holds or awaits it.
_creations: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


def _creating_in(org_id: str) -> asyncio.Lock:
    lock = _creations.get(org_id)
    if lock is None:
        lock = _creations[org_id] = asyncio.Lock()
    return lock


async def create_case(
    *,
    db: Database,
    who: Principal,
    project_id: str,
    title: str,
    type_id: str,
    description: str,
    priority: int,
    status_name: str | None,
    assignee_id: str | None,
    custom_attributes: dict[str, Any],
) -> CaseView:
    """Create a case in a project: next key in the project, next public id in the organisation."""
    if not title.strip():
        raise InvalidInput("title must not be blank", pointer="/data/attributes/title")
    try:
        project_id = str(uuid.UUID(project_id))
    except ValueError:
        raise InvalidInput(
            f"{project_id!r} is not a project UUID", pointer="/data/relationships/project/data/id"
        ) from None
    status = DEFAULT_STATUSES[0]
    if status_name is not None:
        found = find_status(status_name)
        if found is None:
            names = ", ".join(s.name for s in DEFAULT_STATUSES)
            raise InvalidInput(
                f"invalid status_name {status_name}. Must be one of {names}",
                pointer="/data/attributes/status_name",
            )
        status = found
    now = now_us()

    def draft(type_id: str, custom_attributes: dict[str, Any], assignee_id: str | None) -> Case:
        """The new case, once its type, values and assignee are checked (not numbered yet)."""
        return _new_case(
            who, project_id, type_id, title, description, priority, status, custom_attributes,
            assignee_id, now,
        )  # fmt: skip

    if isinstance(db, PostgresDatabase):
        async with _creating_in(who.org_id), db.autocommit() as conn:
            type_id, custom_attributes, assignee_id = await _check_new_case(
                conn, who.org_id, type_id, custom_attributes, assignee_id
            )
            case = draft(type_id, custom_attributes, assignee_id)
            numbered = await conn.fetchrow(
                sql.CREATE_PG,
                case.id,
                project_id,
                type_id,
                title,
                description,
                priority,
                status.group,
                status.name,
                _json.encode(custom_attributes).decode(),
                assignee_id,
                who.user_id,
                now,
                case.closed_at,
                who.org_id,
                str(uuid.uuid4()),
            )
            if numbered is None:
                raise NotFound("project")
            case = msgspec.structs.replace(
                case,
                number=numbered["number"],
                key=numbered["key"],
                public_id=numbered["public_id"],
            )
        return CaseView(case, [], users_of_pg(numbered))
    async with db.transaction() as conn:
        type_id, custom_attributes, assignee_id = await _check_new_case(
            conn, who.org_id, type_id, custom_attributes, assignee_id
        )
        # Row locks on the project, then the organisation (always in this order), make the
        # numbers gap-free: a rolled-back creation gives its number back.
        numbered = await conn.fetchrow(sql.NEXT_PROJECT_NUMBER, who.org_id, project_id)
        if numbered is None:
            raise NotFound("project")
        public_id = await conn.fetchval(sql.NEXT_PUBLIC_ID, who.org_id)
        number = numbered["case_seq"]
        case = msgspec.structs.replace(
            draft(type_id, custom_attributes, assignee_id),
            number=number,
            key=f"{numbered['key']}-{number}",
            public_id=public_id,
        )
        await conn.execute(
            sql.INSERT,
            case.id,
            case.project_id,
            case.number,
            case.key,
            case.public_id,
            case.type_id,
            case.title,
            case.description,
            case.priority,
            case.status,
            case.status_name,
            "{}",
            _json.encode(custom_attributes).decode(),
            case.creation_source,
            case.assignee_id,
            case.created_by,
            None,
            now,
            None,
            case.closed_at,
            None,
            None,
            None,
            0,
            0,
            None,
            who.org_id,
        )
        await conn.execute(sql.INSERT_KEY, who.org_id, case.key, case.id)
        await record(
            conn,
            org_id=who.org_id,
            case_id=case.id,
            actor_id=who.user_id,
            at=now,
            action="case.created",
            details={
                "key": case.key,
                "title": title,
                "priority": priority,
                "status_name": status.name,
                "type_id": type_id,
                "assignee_id": assignee_id,
            },
        )
        users = await _users_of(conn, who.org_id, [case])
    return CaseView(case=case, insights=[], users=users)


async def _check_new_case(
    conn: Connection,
    org_id: str,
    type_id: str,
    custom_attributes: dict[str, Any],
    assignee_id: str | None,
) -> tuple[str, dict[str, Any], str | None]:
    """A new case's type, custom attributes and assignee, checked and canonical."""
    type_id = await _check_type(conn, org_id, type_id)
    custom_attributes = await check_case_values(
        conn, org_id=org_id, type_id=type_id, values=custom_attributes
    )
    if assignee_id is not None:
        assignee_id = await check_user(
            conn, org_id, assignee_id, "/data/relationships/assignee/data/id"
        )
    return type_id, custom_attributes, assignee_id


def _new_case(
    who: Principal,
    project_id: str,
    type_id: str,
    title: str,
    description: str,
    priority: int,
    status: Status,
    custom_attributes: dict[str, Any],
    assignee_id: str | None,
    now: int,
) -> Case:
    """A new case, before its project and organisation number it (key and ids 0 or empty)."""
    return Case(
        id=str(uuid.uuid4()),
        project_id=project_id,
        number=0,
        key="",
        public_id=0,
        type_id=type_id,
        title=title,
        description=description,
        priority=priority,
        status=status.group,
        status_name=status.name,
        attributes={},
        custom_attributes=custom_attributes,
        creation_source="MANUAL",
        assignee_id=assignee_id,
        created_by=who.user_id,
        modified_by=None,
        created_at=now,
        modified_at=None,
        closed_at=now if status.group == 2 else None,
        archived_at=None,
        due_date=None,
        resolved_reason=None,
        comment_count=0,
        insight_count=0,
    )


async def fetch_case_row(
    db: PostgresDatabase, statement: str, org_id: str, ref: str, *args: Any
) -> Row | None:
    """One PostgreSQL statement about the case `ref` names, on its own (it commits by itself):
    $1 the organisation, $2 the case id or $3 its key (see sql.PG_TARGET), then `args`."""
    kind, value = parse_case_ref(ref)
    async with db.autocommit() as conn:
        return await conn.fetchrow(
            statement,
            org_id,
            value if kind == "id" else None,
            value if kind == "key" else None,
            *args,
        )


def view_from_pg_row(row: Row) -> CaseView:
    """The view a PostgreSQL one-statement read or write returns (see sql.GET_PG): the case
    row, its `insights` records (NULL: left out) and its `users` records."""
    insights = [Insight(*i) for i in row["insights"] or ()]
    return CaseView(case=case_from_row(row), insights=insights, users=users_of_pg(row))


def users_of_pg(row: Row) -> dict[str, User]:
    """The `users` records of a PostgreSQL one-statement row (see sql.pg_users), by id."""
    return {u[0]: User(id=u[0], email=u[1], name=u[2], handle=u[3], active=u[4])
            for u in row["users"]}  # fmt: skip


async def get_case(
    *, db: Database, who: Principal, ref: str, kept: tuple[str, int] | None = None
) -> CaseView:
    """One case of the caller's organisation, by UUID or key. Its insights are left out when
    it is still at the version `kept` names ((case id, version)): the caller holds them."""
    if isinstance(db, PostgresDatabase):
        row = await fetch_case_row(db, sql.GET_PG, who.org_id, ref, *(kept or (None, None)))
        if row is None:
            raise NotFound("case")
        return view_from_pg_row(row)
    async with db.snapshot() as conn:
        case = await find_case(conn, who.org_id, ref)
        if kept == (case.id, case.version):
            return CaseView(case, [], await _users_of(conn, who.org_id, [case]))
        return await load_view(conn, who.org_id, case)


# Columns an edit may change, and how each goes into the database.
_EDITABLE: dict[str, Callable[[Any], Any]] = {
    "title": _same,
    "description": _same,
    "priority": _same,
    "status": _same,
    "status_name": _same,
    "closed_at": _same,
    "archived_at": _same,
    "due_date": _same,
    "resolved_reason": _same,
    "assignee_id": _same,
    "attributes": lambda v: _json.encode(v).decode(),
    "custom_attributes": lambda v: _json.encode(v).decode(),
}

Change = Callable[[Case, int], dict[str, Any]]


def next_modified_at(case: Case) -> int:
    """Now, but always after the case's last change, so `modified_at` and the record's order
    only move forward even when clocks step back or hosts disagree."""
    return max(now_us(), (case.modified_at or case.created_at) + 1)


def ensure_not_archived(case: Case) -> None:
    """Archived cases are read-only until unarchived (400 otherwise)."""
    if case.archived_at is not None:
        raise InvalidInput(f"case {case.key} is archived; unarchive it before changing it")


Apply = Callable[[Connection, Case], Awaitable[Case]]


def planned_edit(case: Case, *, change: Change, now: int, allow_archived: bool) -> dict[str, Any]:
    """The columns `change` really changes on this case ({} when none); refuses archived cases
    unless `allow_archived`, and lets `change` refuse the edit (a DomainError)."""
    if not allow_archived:
        ensure_not_archived(case)
    return {k: v for k, v in change(case, now).items() if getattr(case, k) != v}


def _edit_row(
    case: Case, diff: dict[str, Any]
) -> tuple[tuple[str, ...], list[Any], dict[str, Any]]:
    """The columns of an edit (sorted), their stored values, and its event's details."""
    columns = tuple(sorted(diff))
    details = {c: {"from": getattr(case, c), "to": diff[c]} for c in columns}
    return columns, [_EDITABLE[c](diff[c]) for c in columns], details


async def apply_edit(
    conn: Connection,
    *,
    who: Principal,
    case: Case,
    action: str,
    change: Change,
    allow_archived: bool = False,
) -> Case:
    """Apply `change(case, now)` -> {column: new value} to a case locked in this transaction.

    Only columns whose value really changes are written, so concurrent edits of different
    fields never undo each other; an edit that changes nothing writes nothing (no event,
    `modified_at` untouched) and returns the case as it is. `change` may raise a DomainError
    to refuse the edit. Archived cases refuse edits unless `allow_archived`. Returns the case
    as it now is.
    """
    now = next_modified_at(case)
    diff = planned_edit(case, change=change, now=now, allow_archived=allow_archived)
    if not diff:
        return case
    columns, values, details = _edit_row(case, diff)
    await conn.execute(sql.update_columns(columns), who.org_id, case.id, now, who.user_id, *values)
    await record(
        conn, org_id=who.org_id, case_id=case.id, actor_id=who.user_id, at=now,
        action=action, details=details,
    )  # fmt: skip
    return msgspec.structs.replace(case, **diff, modified_at=now, modified_by=who.user_id)


async def edit_locked(*, db: Database, who: Principal, ref: str, apply: Apply) -> CaseView:
    """Run `apply(conn, case)` in one transaction under the case's row lock; the case after."""
    async with db.transaction() as conn:
        case = await find_case(conn, who.org_id, ref, for_update=True)
        return await load_view(conn, who.org_id, await apply(conn, case))


async def edit_case(
    *,
    db: Database,
    who: Principal,
    ref: str,
    action: str,
    change: Change,
    allow_archived: bool = False,
) -> CaseView:
    """`apply_edit` on one case, in its own transaction (see `apply_edit`)."""
    if isinstance(db, PostgresDatabase):
        view = await _edit_without_transaction(
            db=db, who=who, ref=ref, action=action, change=change, allow_archived=allow_archived
        )
        if view is not None:
            return view

    async def apply(conn: Connection, case: Case) -> Case:
        return await apply_edit(
            conn, who=who, case=case, action=action, change=change, allow_archived=allow_archived
        )

    return await edit_locked(db=db, who=who, ref=ref, apply=apply)


async def _edit_without_transaction(
    *,
    db: PostgresDatabase,
    who: Principal,
    ref: str,
    action: str,
    change: Change,
    allow_archived: bool,
) -> CaseView | None:
    """edit_case on PostgreSQL in two statements, no BEGIN or COMMIT: read the case, then write
    the edit only if the case is still as read (sql.edit_pg). None when it changed meanwhile:
    the caller then serialises with the other writers under the lock (nothing was written)."""
    row = await fetch_case_row(db, sql.READ_VERSIONED_PG, who.org_id, ref)
    if row is None:
        raise NotFound("case")
    case = case_from_row(row)
    now = next_modified_at(case)
    diff = planned_edit(case, change=change, now=now, allow_archived=allow_archived)
    if not diff:
        return await get_case(db=db, who=who, ref=case.id)
    columns, values, details = _edit_row(case, diff)
    async with db.autocommit() as conn:
        written = await conn.fetchrow(
            sql.edit_pg(columns), who.org_id, case.id, row["version"], now, who.user_id,
            str(uuid.uuid4()), action, _json.encode(details).decode(), *values,
        )  # fmt: skip
    return None if written is None else view_from_pg_row(written)


def _archive(case: Case, now: int) -> dict[str, Any]:
    return {"archived_at": case.archived_at or now}


def _unarchive(case: Case, now: int) -> dict[str, Any]:
    return {"archived_at": None}


async def apply_archive(conn: Connection, *, who: Principal, case: Case) -> Case:
    """Archive a case locked in this transaction (already archived: no change)."""
    return await apply_edit(
        conn, who=who, case=case, action="case.archived", change=_archive, allow_archived=True
    )


async def apply_unarchive(conn: Connection, *, who: Principal, case: Case) -> Case:
    """Unarchive a case locked in this transaction (not archived: no change)."""
    return await apply_edit(
        conn, who=who, case=case, action="case.unarchived", change=_unarchive, allow_archived=True
    )


async def archive_case(*, db: Database, who: Principal, ref: str) -> CaseView:
    """Archive a case (already archived: no change)."""
    return await edit_locked(
        db=db, who=who, ref=ref, apply=lambda conn, case: apply_archive(conn, who=who, case=case)
    )


async def unarchive_case(*, db: Database, who: Principal, ref: str) -> CaseView:
    """Unarchive a case (not archived: no change)."""
    return await edit_locked(
        db=db, who=who, ref=ref, apply=lambda conn, case: apply_unarchive(conn, who=who, case=case)
    )

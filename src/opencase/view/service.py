"""Case views: saved case queries, each belonging to one project of the organisation.

Semantics (see also the README, "Case views"):

- A view belongs to a project of the caller's organisation and is shared by the whole
  organisation: every user with `cases_read` sees it, every user with `cases_write` may change
  or delete it. A view or project of another organisation is a plain 404, as an unknown one is.
- `name` is 1-200 characters and not blank; `query` is case query language text, checked by
  `opencase.query.check_query` against the organisation (fields, values) on creation and on
  every update that gives it. An invalid query is a 400 at `/data/attributes/query` and saves
  nothing. The query is stored as given; the empty query (all cases) is accepted, as the
  query language accepts it (this module adds no rule of its own).
- `np_rule_id` (a notification rule's id) is a plain string in Datadog's spec, not a UUID: it
  is stored as given (1-256 characters) and not resolved yet. An update may remove it with
  `null`.
- ListCaseViews returns the project's views oldest first (`created_at`, then `id`).
- UpdateCaseView changes only the attributes it is given (`null` name or query: not given);
  when something changes, `modified_at` and `modified_by` are set. An update that changes
  nothing writes nothing (as project and case type updates).
- Views go with their project when the project is deleted (foreign key, ON DELETE CASCADE).

Concurrency: creation locks the project row (so a project deleted meanwhile is a 404, never a
foreign key error); an update locks the view row.
"""

from __future__ import annotations

import uuid

import msgspec

from opencase.core.clock import now_us
from opencase.core.db import Connection, Database, Row
from opencase.core.errors import InvalidInput, NotFound
from opencase.identity.models import Principal
from opencase.project.lookup import require_project
from opencase.query import check_query
from opencase.query.errors import blamed_on
from opencase.view import sql
from opencase.view.models import SavedView

_ATTRS = "/data/attributes"


def _from_row(row: Row) -> SavedView:
    return SavedView(
        id=str(row["id"]),
        project_id=str(row["project_id"]),
        name=row["name"],
        query=row["query"],
        np_rule_id=row["np_rule_id"],
        created_at=row["created_at"],
        created_by=str(row["created_by"]),
        modified_at=row["modified_at"],
        modified_by=None if row["modified_by"] is None else str(row["modified_by"]),
    )


def _check_name(name: str) -> str:
    if not name.strip():
        raise InvalidInput("name must not be blank", pointer=f"{_ATTRS}/name")
    return name


def _project_id(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a project UUID", pointer=f"{_ATTRS}/project_id"
        ) from None


async def _check_query(conn: Connection, who: Principal, query: str) -> None:
    with blamed_on(pointer=f"{_ATTRS}/query"):
        await check_query(conn, org_id=who.org_id, text=query)


async def create_view(
    *,
    db: Database,
    who: Principal,
    project_id: str,
    name: str,
    query: str,
    np_rule_id: str | None,
) -> SavedView:
    """Save a query as a view of a project of the organisation."""
    view = SavedView(
        id=str(uuid.uuid4()),
        project_id=_project_id(project_id),
        name=_check_name(name),
        query=query,
        np_rule_id=np_rule_id,
        created_at=now_us(),
        created_by=who.user_id,
        modified_at=None,
        modified_by=None,
    )
    async with db.transaction() as conn:
        await require_project(conn, org_id=who.org_id, project_id=view.project_id, lock=True)
        await _check_query(conn, who, view.query)
        await conn.execute(
            sql.INSERT,
            view.id,
            view.project_id,
            view.name,
            view.query,
            view.np_rule_id,
            view.created_at,
            view.created_by,
            view.modified_at,
            view.modified_by,
            who.org_id,
        )
    return view


async def list_views(*, db: Database, who: Principal, project_id: str) -> list[SavedView]:
    """The views of a project of the organisation, oldest first."""
    async with db.snapshot() as conn:
        await require_project(conn, org_id=who.org_id, project_id=project_id)
        rows = await conn.fetch(sql.LIST, who.org_id, project_id)
    return [_from_row(r) for r in rows]


async def get_view(*, db: Database, who: Principal, view_id: str) -> SavedView:
    """One view of the organisation."""
    async with db.snapshot() as conn:
        row = await conn.fetchrow(sql.GET, who.org_id, view_id)
    if row is None:
        raise NotFound("view")
    return _from_row(row)


async def update_view(
    *,
    db: Database,
    who: Principal,
    view_id: str,
    name: str | None,
    query: str | None,
    np_rule_id: str | msgspec.UnsetType | None,
) -> SavedView:
    """Change the attributes given (np_rule_id None removes it); unchanged values write nothing."""
    if name is not None:
        _check_name(name)
    async with db.transaction() as conn:
        row = await conn.fetchrow(sql.GET_FOR_UPDATE, who.org_id, view_id)
        if row is None:
            raise NotFound("view")
        current = _from_row(row)
        if query is not None:
            await _check_query(conn, who, query)
        new = msgspec.structs.replace(
            current,
            name=current.name if name is None else name,
            query=current.query if query is None else query,
            np_rule_id=current.np_rule_id
            if isinstance(np_rule_id, msgspec.UnsetType)
            else np_rule_id,
        )
        if new == current:
            return current
        # Always after the last change, so modified_at only moves forward.
        at = max(now_us(), (current.modified_at or current.created_at) + 1)
        new = msgspec.structs.replace(new, modified_at=at, modified_by=who.user_id)
        await conn.execute(
            sql.UPDATE,
            who.org_id,
            view_id,
            new.name,
            new.query,
            new.np_rule_id,
            new.modified_at,
            new.modified_by,
        )
    return new


async def delete_view(*, db: Database, who: Principal, view_id: str) -> None:
    """Delete a view of the organisation."""
    async with db.transaction() as conn:
        if not await conn.execute(sql.DELETE, who.org_id, view_id):
            raise NotFound("view")

"""Creating, listing and deleting links between a case and another entity.

A link joins a parent and a child entity (CASE, INCIDENT, PAGE, AGENT_CONVERSATION) by a
relationship; at least one end is a case, and every case end is a case of the caller's
organisation. Other entities are not stored here, so their ids are only checked to be UUIDs.

Linking is not a change to the case: `modified_at` stays; each case end's record gets an event
(`case.linked`, `case.unlinked`). Archived cases can be linked and unlinked.

Concurrency: creating or deleting a link locks its case ends' rows (ascending id order), so the
duplicate check cannot race, and a case being deleted with its project cannot gain a link.
"""

from __future__ import annotations

import uuid
from typing import Any

from opencase.case.service import find_case
from opencase.core.clock import now_us
from opencase.core.db import Connection, Database, Row, is_unique_violation
from opencase.core.errors import Conflict, InvalidInput, NotFound
from opencase.event.service import record
from opencase.identity.models import Principal
from opencase.link import sql
from opencase.link.models import UNDIRECTED, EntityType, Link, Relationship

_ATTRS = "/data/attributes"


def _from_row(row: Row) -> Link:
    return Link(
        id=str(row["id"]),
        parent_entity_type=row["parent_entity_type"],
        parent_entity_id=str(row["parent_entity_id"]),
        child_entity_type=row["child_entity_type"],
        child_entity_id=str(row["child_entity_id"]),
        relationship=row["relationship"],
        created_at=row["created_at"],
        created_by=str(row["created_by"]),
    )


def _details(link: Link) -> dict[str, Any]:
    return {
        "link_id": link.id,
        "relationship": link.relationship,
        "parent_entity_type": link.parent_entity_type,
        "parent_entity_id": link.parent_entity_id,
        "child_entity_type": link.child_entity_type,
        "child_entity_id": link.child_entity_id,
    }


async def _record(
    conn: Connection, who: Principal, case_ids: list[str], action: str, link: Link, at: int
) -> None:
    for case_id in case_ids:
        await record(
            conn,
            org_id=who.org_id,
            case_id=case_id,
            actor_id=who.user_id,
            at=at,
            action=action,
            details=_details(link),
        )


def _entity_id(value: str, end: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not a UUID", pointer=f"{_ATTRS}/{end}_entity_id"
        ) from None


async def create_link(
    *,
    db: Database,
    who: Principal,
    parent_entity_type: EntityType,
    parent_entity_id: str,
    child_entity_type: EntityType,
    child_entity_id: str,
    relationship: Relationship,
) -> Link:
    """Link two entities, at least one a case of the organisation; no self-links, no duplicates."""
    link = Link(
        id=str(uuid.uuid4()),
        parent_entity_type=parent_entity_type,
        parent_entity_id=_entity_id(parent_entity_id, "parent"),
        child_entity_type=child_entity_type,
        child_entity_id=_entity_id(child_entity_id, "child"),
        relationship=relationship,
        created_at=now_us(),
        created_by=who.user_id,
    )
    if "CASE" not in (parent_entity_type, child_entity_type):
        raise InvalidInput(
            "at least one end of a link must be a CASE", pointer=f"{_ATTRS}/parent_entity_type"
        )
    if (parent_entity_type, link.parent_entity_id) == (child_entity_type, link.child_entity_id):
        raise InvalidInput(
            "an entity cannot be linked to itself", pointer=f"{_ATTRS}/child_entity_id"
        )
    try:
        async with db.transaction() as conn:
            case_ids = link.case_ids()
            for case_id in case_ids:
                await find_case(conn, who.org_id, case_id, for_update=True)
            existing = await conn.fetchval(
                sql.DUPLICATE,
                who.org_id,
                link.parent_entity_type,
                link.parent_entity_id,
                link.child_entity_type,
                link.child_entity_id,
                link.relationship,
                link.relationship in UNDIRECTED,
            )
            if existing is not None:
                raise _duplicate(str(existing))
            await conn.execute(
                sql.INSERT,
                link.id,
                link.parent_entity_type,
                link.parent_entity_id,
                link.child_entity_type,
                link.child_entity_id,
                link.relationship,
                link.created_at,
                link.created_by,
                who.org_id,
            )
            await _record(conn, who, case_ids, "case.linked", link, link.created_at)
    except Exception as exc:
        # Not reachable while the case rows are locked; kept so a duplicate is never a 500.
        if is_unique_violation(exc):
            raise _duplicate(None) from None
        raise
    return link


def _duplicate(existing_id: str | None) -> Conflict:
    which = f" (link {existing_id})" if existing_id else ""
    return Conflict(
        f"these entities are already linked by this relationship{which}", pointer=_ATTRS
    )


async def list_links(
    *,
    db: Database,
    who: Principal,
    entity_type: EntityType,
    entity_id: str,
    relationship: Relationship | None,
) -> list[Link]:
    """The organisation's links with the entity at either end, oldest first."""
    async with db.snapshot() as conn:
        if entity_type == "CASE":
            await find_case(conn, who.org_id, entity_id)
        if relationship is None:
            rows = await conn.fetch(sql.OF_ENTITY, who.org_id, entity_type, entity_id)
        else:
            rows = await conn.fetch(
                sql.OF_ENTITY_WITH_RELATIONSHIP, who.org_id, entity_type, entity_id, relationship
            )
    return [_from_row(r) for r in rows]


async def delete_link(*, db: Database, who: Principal, link_id: str) -> None:
    """Delete a link of the organisation."""
    async with db.transaction() as conn:
        row = await conn.fetchrow(sql.GET, who.org_id, link_id)
        if row is None:
            raise NotFound("link")
        link = _from_row(row)
        # The case rows first (the lock order), then the link's row by deleting it.
        case_ids = [
            case_id
            for case_id in link.case_ids()
            if await conn.fetchval(sql.LOCK_CASE, who.org_id, case_id) is not None
        ]
        if not await conn.execute(sql.DELETE, who.org_id, link_id):
            raise NotFound("link")  # deleted meanwhile
        await _record(conn, who, case_ids, "case.unlinked", link, now_us())


async def unlink_project_cases(conn: Connection, *, who: Principal, project_id: str) -> None:
    """Delete every link to a case of a project, in the transaction deleting the project.

    Call with the project row locked, so no case enters the project any more. The project's
    cases and the cases linked to them are locked in one statement, in ascending id order (as
    link creation locks its ends), so no link to the project's cases can be made meanwhile. A
    case outside the project at the other end of a deleted link gets a `case.unlinked` event.
    """
    rows = await conn.fetch(sql.LOCK_PROJECT_CASES, who.org_id, project_id)
    locked = {str(r["id"]): str(r["project_id"]) for r in rows}
    links: list[Link] = []
    for statement in (sql.DELETE_OF_PROJECT_PARENTS, sql.DELETE_OF_PROJECT_CHILDREN):
        links += [_from_row(r) for r in await conn.fetch(statement, who.org_id, project_id)]
    now = now_us()
    for link in links:
        # Only cases locked above: one linked in a race with this deletion is left alone, as
        # its row may be held by a transaction waiting for this one.
        others = [i for i in link.case_ids() if locked.get(i, project_id) != project_id]
        await _record(conn, who, others, "case.unlinked", link, now)

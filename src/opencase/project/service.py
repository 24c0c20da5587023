"""Project operations."""

from __future__ import annotations

import re
import uuid

import msgspec

from opencase.case.edits import release_project_keys
from opencase.core.clock import now_us
from opencase.core.db import Database, Row, is_unique_violation
from opencase.core.errors import Conflict, InvalidInput, NotFound
from opencase.identity.models import Principal
from opencase.link.service import unlink_project_cases
from opencase.project import sql
from opencase.project.models import KEY_MAX, Project

_KEY = re.compile(rf"^[A-Z][A-Z0-9]{{0,{KEY_MAX - 1}}}$")
_json = msgspec.json.Encoder()


def _from_row(row: Row) -> Project:
    return Project(
        id=str(row["id"]),
        key=row["key"],
        name=row["name"],
        enabled_custom_case_types=msgspec.json.decode(row["enabled_custom_case_types"]),
        created_at=row["created_at"],
        modified_at=row["modified_at"],
    )


def _check_name(name: str) -> str:
    if not name.strip():
        raise InvalidInput("name must not be blank", pointer="/data/attributes/name")
    return name


def _check_case_types(ids: list[str]) -> list[str]:
    out = []
    for i, value in enumerate(ids):
        try:
            out.append(str(uuid.UUID(value)))
        except ValueError:
            raise InvalidInput(
                f"{value!r} is not a case type UUID",
                pointer=f"/data/attributes/enabled_custom_case_types/{i}",
            ) from None
    return list(dict.fromkeys(out))


async def create_project(
    *, db: Database, who: Principal, key: str, name: str, enabled_custom_case_types: list[str]
) -> Project:
    """Create a project; its key is upper-cased and must be unique in the organisation."""
    key = key.strip().upper()
    if not _KEY.match(key):
        raise InvalidInput(
            f"key must be 1 to {KEY_MAX} letters or digits, starting with a letter",
            pointer="/data/attributes/key",
        )
    if key == "CASE":
        raise InvalidInput('key cannot be "CASE"', pointer="/data/attributes/key")
    project = Project(
        id=str(uuid.uuid4()),
        key=key,
        name=_check_name(name),
        enabled_custom_case_types=_check_case_types(enabled_custom_case_types),
        created_at=now_us(),
        modified_at=None,
    )
    try:
        async with db.transaction() as conn:
            await conn.execute(
                sql.INSERT,
                who.org_id,
                project.id,
                key,
                project.name,
                _json.encode(project.enabled_custom_case_types).decode(),
                project.created_at,
                who.user_id,
            )
    except Exception as exc:
        if is_unique_violation(exc):
            raise Conflict(
                f"a project with key {key} already exists", pointer="/data/attributes/key"
            ) from None
        raise
    return project


async def list_projects(*, db: Database, who: Principal) -> list[Project]:
    """All projects of the caller's organisation, by key."""
    async with db.snapshot() as conn:
        return [_from_row(r) for r in await conn.fetch(sql.LIST, who.org_id)]


async def get_project(*, db: Database, who: Principal, project_id: str) -> Project:
    """One project of the caller's organisation."""
    async with db.snapshot() as conn:
        row = await conn.fetchrow(sql.GET, who.org_id, project_id)
    if row is None:
        raise NotFound("project")
    return _from_row(row)


async def update_project(
    *,
    db: Database,
    who: Principal,
    project_id: str,
    name: str | None,
    enabled_custom_case_types: list[str] | None,
) -> Project:
    """Rename a project or change its enabled case types; unchanged values change nothing."""
    async with db.transaction() as conn:
        row = await conn.fetchrow(sql.GET_FOR_UPDATE, who.org_id, project_id)
        if row is None:
            raise NotFound("project")
        current = _from_row(row)
        new = msgspec.structs.replace(
            current,
            name=current.name if name is None else _check_name(name),
            enabled_custom_case_types=current.enabled_custom_case_types
            if enabled_custom_case_types is None
            else _check_case_types(enabled_custom_case_types),
        )
        if new == current:
            return current
        new = msgspec.structs.replace(new, modified_at=now_us())
        await conn.execute(
            sql.UPDATE,
            who.org_id,
            project_id,
            new.name,
            _json.encode(new.enabled_custom_case_types).decode(),
            new.modified_at,
        )
    return new


async def delete_project(*, db: Database, who: Principal, project_id: str) -> None:
    """Delete a project together with its cases (and their insights, records and links)."""
    async with db.transaction() as conn:
        # The project row first: holding it, no case enters the project (links: see there).
        row = await conn.fetchrow(sql.GET_FOR_UPDATE, who.org_id, project_id)
        if row is None:
            raise NotFound("project")
        await unlink_project_cases(conn, who=who, project_id=project_id)
        # Old keys of cases moved out of this project would block a future project that
        # takes the same key from numbering KEY-1, KEY-2, … again.
        await release_project_keys(conn, who.org_id, row["key"])
        await conn.execute(sql.DELETE, who.org_id, project_id)

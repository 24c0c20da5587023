"""Case types: the built-in ones every organisation has, then its own.

A custom type is deleted softly (`deleted_at`): cases of that type keep it, and keep their
custom attribute values, which stay editable; new cases cannot use it, and it no longer lists
or accepts changes (404). Built-in types cannot be updated or deleted (400).
"""

from __future__ import annotations

import uuid

import msgspec

from opencase.case_type import sql
from opencase.case_type.builtin import BUILTIN_BY_ID, BUILTIN_TYPES, BuiltinType
from opencase.case_type.models import CaseType
from opencase.core.clock import now_us
from opencase.core.db import Connection, Database, Row
from opencase.core.errors import InvalidInput, NotFound
from opencase.identity.models import Principal

_NAME = "/data/attributes/name"


def _from_builtin(t: BuiltinType) -> CaseType:
    return CaseType(t.id, t.name, t.description, t.emoji, True)


def _from_row(row: Row) -> CaseType:
    return CaseType(
        id=str(row["id"]),
        name=row["name"],
        description=row["description"],
        emoji=row["emoji"],
        internal=False,
        deleted_at=row["deleted_at"],
    )


def _check_name(name: str) -> str:
    if not name.strip():
        raise InvalidInput("name must not be blank", pointer=_NAME)
    return name


async def find_case_type(
    conn: Connection, org_id: str, type_id: str, *, for_update: bool = False
) -> CaseType:
    """A built-in type or a live custom type of this organisation; 404 otherwise."""
    builtin = BUILTIN_BY_ID.get(type_id)
    if builtin is not None:
        return _from_builtin(builtin)
    row = await conn.fetchrow(sql.GET_FOR_UPDATE if for_update else sql.GET, org_id, type_id)
    if row is None:
        raise NotFound("case_type")
    return _from_row(row)


def _refuse_builtin(type_id: str, verb: str) -> None:
    builtin = BUILTIN_BY_ID.get(type_id)
    if builtin is not None:
        raise InvalidInput(
            f"case type {builtin.name} is built in and cannot be {verb}",
            parameter="case_type_id",
        )


async def list_case_types(*, db: Database, who: Principal) -> list[CaseType]:
    """Built-in types first (by id), then the organisation's live custom types by creation."""
    async with db.snapshot() as conn:
        rows = await conn.fetch(sql.LIST, who.org_id)
    return [_from_builtin(t) for t in BUILTIN_TYPES] + [_from_row(r) for r in rows]


async def create_case_type(
    *, db: Database, who: Principal, name: str, description: str, emoji: str
) -> CaseType:
    """Create a custom case type of the caller's organisation."""
    case_type = CaseType(str(uuid.uuid4()), _check_name(name), description, emoji, False)
    async with db.transaction() as conn:
        await conn.execute(sql.INSERT, who.org_id, case_type.id, name, description, emoji, now_us())
    return case_type


async def update_case_type(
    *,
    db: Database,
    who: Principal,
    type_id: str,
    name: str | None,
    description: str | None,
    emoji: str | None,
) -> CaseType:
    """Change a custom type's name, description or emoji; omitted or unchanged values stay."""
    _refuse_builtin(type_id, "updated")
    async with db.transaction() as conn:
        current = await find_case_type(conn, who.org_id, type_id, for_update=True)
        new = msgspec.structs.replace(
            current,
            name=current.name if name is None else _check_name(name),
            description=current.description if description is None else description,
            emoji=current.emoji if emoji is None else emoji,
        )
        if new != current:
            await conn.execute(
                sql.UPDATE, who.org_id, type_id, new.name, new.description, new.emoji, now_us()
            )
    return new


async def delete_case_type(*, db: Database, who: Principal, type_id: str) -> None:
    """Mark a custom type deleted; its cases keep it, new cases cannot use it."""
    _refuse_builtin(type_id, "deleted")
    async with db.transaction() as conn:
        await find_case_type(conn, who.org_id, type_id, for_update=True)
        await conn.execute(sql.SOFT_DELETE, who.org_id, type_id, now_us())

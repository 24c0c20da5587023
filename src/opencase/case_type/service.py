"""Case types: the built-in ones every organisation has, then its own."""

from __future__ import annotations

import msgspec

from opencase.case_type.builtin import BUILTIN_TYPES
from opencase.core.db import Database
from opencase.identity.models import Principal

LIST_CUSTOM = """
SELECT id, name, description, emoji FROM case_types
WHERE org_id = $1 AND deleted_at IS NULL ORDER BY created_at, id
"""


class CaseTypeInfo(msgspec.Struct, frozen=True):
    id: str
    name: str
    description: str
    emoji: str
    internal: bool


async def list_case_types(*, db: Database, who: Principal) -> list[CaseTypeInfo]:
    """Built-in types first (by id), then the organisation's custom types by creation."""
    async with db.snapshot() as conn:
        rows = await conn.fetch(LIST_CUSTOM, who.org_id)
    builtin = [CaseTypeInfo(t.id, t.name, t.description, t.emoji, True) for t in BUILTIN_TYPES]
    custom = [
        CaseTypeInfo(str(r["id"]), r["name"], r["description"], r["emoji"], False) for r in rows
    ]
    return builtin + custom

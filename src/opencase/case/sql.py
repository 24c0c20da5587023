"""SQL for cases."""

from __future__ import annotations

from functools import cache

from opencase.core.db import Connection, Row, placeholders

_COLS = (
    "id, project_id, number, key, public_id, type_id, title, description, priority, status,"
    " status_name, attributes, custom_attributes, creation_source, assignee_id, created_by,"
    " modified_by, created_at, modified_at, closed_at, archived_at, due_date, resolved_reason,"
    " comment_count, insight_count"
)
COLUMNS = _COLS
C_COLUMNS = ", ".join(f"c.{c.strip()}" for c in _COLS.split(","))

NEXT_PROJECT_NUMBER = """
UPDATE projects SET case_seq = case_seq + 1 WHERE org_id = $1 AND id = $2
RETURNING case_seq, key
"""
NEXT_PUBLIC_ID = "UPDATE orgs SET case_seq = case_seq + 1 WHERE id = $1 RETURNING case_seq"
INSERT = f"""
INSERT INTO cases ({_COLS}, org_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
        $20, $21, $22, $23, $24, $25, $26)
"""
INSERT_KEY = "INSERT INTO case_keys (org_id, key, case_id) VALUES ($1, $2, $3)"

BY_ID = f"SELECT {_COLS} FROM cases WHERE org_id = $1 AND id = $2"
BY_KEY = f"""
SELECT {C_COLUMNS} FROM case_keys k JOIN cases c ON c.org_id = k.org_id AND c.id = k.case_id
WHERE k.org_id = $1 AND k.key = $2
"""
BY_ID_FOR_UPDATE = f"{BY_ID} FOR UPDATE"
BY_KEY_FOR_UPDATE = f"{BY_KEY} FOR UPDATE OF c"

USER_EXISTS = "SELECT 1 FROM users WHERE org_id = $1 AND id = $2"
CUSTOM_TYPE_EXISTS = """
SELECT 1 FROM case_types WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL
"""

INSIGHTS_OF_CASE = """
SELECT type, ref, resource_id FROM case_insights
WHERE org_id = $1 AND case_id = $2 ORDER BY position
"""
_INSIGHTS_OF_CASES = """
SELECT case_id, type, ref, resource_id FROM case_insights
WHERE org_id = $1 AND case_id IN ({}) ORDER BY case_id, position
"""


async def insights_of_cases(conn: Connection, org_id: str, case_ids: list[str]) -> list[Row]:
    """The insights of several cases of one organisation, each case's in insertion order."""
    if not case_ids:
        return []
    sql = _INSIGHTS_OF_CASES.format(placeholders(2, len(case_ids)))
    return await conn.fetch(sql, org_id, *case_ids)


@cache
def update_columns(columns: tuple[str, ...]) -> str:
    """UPDATE of the given columns ($5 on) plus modified_at ($3) and modified_by ($4)."""
    sets = ", ".join(f"{c} = ${i}" for i, c in enumerate(columns, start=5))
    return (
        f"UPDATE cases SET {sets}, modified_at = $3, modified_by = $4 WHERE org_id = $1 AND id = $2"
    )

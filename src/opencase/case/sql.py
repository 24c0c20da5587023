"""SQL for cases."""

from __future__ import annotations

from functools import cache

from opencase.core.db import Connection, Row, placeholders
from opencase.outbox.sql import pg_change

_COLS = (
    "id, project_id, number, key, public_id, type_id, title, description, priority, status,"
    " status_name, attributes, custom_attributes, creation_source, assignee_id, created_by,"
    " modified_by, created_at, modified_at, closed_at, archived_at, due_date, resolved_reason,"
    " comment_count, insight_count, tickets"
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
        $20, $21, $22, $23, $24, $25, $26, $27)
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


# PostgreSQL one-statement reads and writes share these: the case named by $2 (id) or $3 (key)
# of organisation $1, and a case row's insights and users as arrays of records.
PG_TARGET = """target AS (
    SELECT $2::uuid AS id WHERE $2::uuid IS NOT NULL
    UNION ALL
    SELECT case_id FROM case_keys WHERE org_id = $1 AND key = $3 AND $2::uuid IS NULL
)"""


def pg_user_records(org: str, ids: str) -> str:
    """The users of organisation `org` whose ids are among `ids` (SQL expressions, not over
    an alias `u`), as an array of (id, email, name, handle, active) records: what
    case.service.users_of_pg reads."""
    return (
        "ARRAY(SELECT ROW(u.id::text, u.email, u.name, u.handle, u.active) FROM users u"
        f" WHERE u.org_id = {org} AND u.id IN ({ids}))"
    )


def pg_users(case: str) -> str:
    """The users case row `case` (not `u` nor `i`) names, as pg_user_records."""
    return pg_user_records("$1", f"{case}.created_by, {case}.modified_by, {case}.assignee_id")


def pg_insights(case: str) -> str:
    """The insights of case row `case`, as an array of (type, ref, resource_id) in order."""
    return (
        "ARRAY(SELECT ROW(i.type, i.ref, i.resource_id) FROM case_insights i"
        f" WHERE i.org_id = $1 AND i.case_id = {case}.id ORDER BY i.position)"
    )


# PostgreSQL: a case's creation as one statement, so a POST is one exchange that also commits.
# The project's row, then the organisation's (the order create_case and moves keep), hand out
# the next key and public id: gap-free, and the organisation's row is held only for this
# statement and its commit. It returns the case's numbers and its users (pg_user_records). No
# row when the project does not exist (nothing is written).
#   $1 case id, $2 project id, $3 type id, $4 title, $5 description, $6 priority, $7 status,
#   $8 status_name, $9 custom_attributes (JSON), $10 assignee id, $11 creator, $12 now,
#   $13 closed_at, $14 org, $15 event id
CREATE_PG = f"""
WITH p AS (
    UPDATE projects SET case_seq = case_seq + 1 WHERE org_id = $14 AND id = $2
    RETURNING case_seq, key
), o AS (
    UPDATE orgs SET case_seq = case_seq + 1 WHERE id = $14 AND EXISTS (SELECT 1 FROM p)
    RETURNING case_seq
), c AS (
    INSERT INTO cases ({_COLS}, org_id)
    SELECT $1, $2, p.case_seq, p.key || '-' || p.case_seq, o.case_seq, $3, $4, $5, $6, $7, $8,
           '{{}}', $9::text::jsonb, 'MANUAL', $10, $11, NULL, $12, NULL, $13, NULL, NULL, NULL,
           0, 0, NULL, $14
    FROM p, o
    RETURNING number, key, public_id
), k AS (
    INSERT INTO case_keys (org_id, key, case_id) SELECT $14, key, $1 FROM c
), e AS (
    INSERT INTO case_events (org_id, case_id, id, created_at, actor_id, action, details)
    SELECT $14, $1, $15, $12, $11, 'case.created', jsonb_build_object(
        'key', c.key, 'title', $4::text, 'priority', $6::int, 'status_name', $8::text,
        'type_id', $3::text, 'assignee_id', $10::text)
    FROM c
), {pg_change("$14", "$15", "$1", "'case.created'", "$12", "c")}
SELECT number, key, public_id, {pg_user_records("$14", "$11, $10")} AS users
FROM c
"""


# The case with its insights (type, ref, resource_id records in order) and users, one
# statement: its snapshot makes it consistent without a transaction. The insights are left out
# (NULL) when the case is still at version $5 of case $4, whose insights the caller holds.
GET_PG = f"""
WITH {PG_TARGET}
SELECT {C_COLUMNS},
       CASE WHEN c.id = $4 AND coalesce(c.modified_at, c.created_at) = $5 THEN NULL
            ELSE {pg_insights("c")}
       END AS insights,
       {pg_users("c")} AS users
FROM cases c WHERE c.org_id = $1 AND c.id = (SELECT id FROM target)
"""


# PostgreSQL edits without a transaction (case.service.edit_case): the case as it is now with
# its row version (xmin: it changes with every write of the row) …
READ_VERSIONED_PG = f"""
WITH {PG_TARGET}
SELECT c.xmin::text AS version, {C_COLUMNS}
FROM cases c WHERE c.org_id = $1 AND c.id = (SELECT id FROM target)
"""


@cache
def edit_pg(columns: tuple[str, ...]) -> str:
    """… then one statement that locks the case and, only if it is still at the version read,
    writes the columns and the event, and returns the case with its insights and users (no
    row: it changed meanwhile, nothing written). Every change to a case's insights also writes
    its row, so the insights read with the lock are the newest.
      $1 org, $2 case id, $3 version read, $4 now, $5 actor, $6 event id, $7 action,
      $8 details (JSON), $9… the columns' values"""
    sets = ", ".join(f"{c} = ${i}" for i, c in enumerate(columns, start=9))
    return f"""
WITH locked AS (
    SELECT id, xmin::text AS version FROM cases WHERE org_id = $1 AND id = $2 FOR UPDATE
), upd AS (
    UPDATE cases c SET {sets}, modified_at = $4, modified_by = $5
    FROM locked l WHERE c.org_id = $1 AND c.id = l.id AND l.version = $3
    RETURNING {C_COLUMNS}
), ev AS (
    INSERT INTO case_events (org_id, case_id, id, created_at, actor_id, action, details)
    SELECT $1, id, $6, $4, $5, $7, $8::jsonb FROM upd
), {pg_change("$1", "$6", "id", "$7", "$4", "upd")}
SELECT e.*, {pg_insights("e")} AS insights, {pg_users("e")} AS users FROM upd e
"""

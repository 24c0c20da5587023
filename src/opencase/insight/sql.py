"""SQL for insights. Statements over n insights are built for each n and cached."""

from __future__ import annotations

from functools import cache

from opencase.case.sql import C_COLUMNS, COLUMNS, PG_TARGET, pg_users
from opencase.outbox.sql import pg_change


def _pairs(start: int, count: int) -> str:
    return ", ".join(f"(${i}, ${i + 1})" for i in range(start, start + 2 * count, 2))


@cache
def existing(count: int) -> str:
    """Insights of a case among `count` (type, resource_id) pairs given from $3 on."""
    return (
        "SELECT type, resource_id, ref FROM case_insights WHERE org_id = $1 AND case_id = $2"
        f" AND (type, resource_id) IN (VALUES {_pairs(3, count)})"
    )


@cache
def delete(count: int) -> str:
    """Remove `count` (type, resource_id) pairs (from $3 on) from a case; returns what went."""
    return (
        "DELETE FROM case_insights WHERE org_id = $1 AND case_id = $2"
        f" AND (type, resource_id) IN (VALUES {_pairs(3, count)})"
        " RETURNING type, resource_id, ref"
    )


INSERT = """
INSERT INTO case_insights
    (org_id, case_id, type, resource_id, ref, position, created_at, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
"""
UPDATE_REF = """
UPDATE case_insights SET ref = $5 WHERE org_id = $1 AND case_id = $2 AND type = $3
AND resource_id = $4
"""
TOUCH_CASE = """
UPDATE cases SET insight_count = insight_count + $3, insight_seq = insight_seq + $4,
modified_at = $5, modified_by = $6 WHERE org_id = $1 AND id = $2
RETURNING insight_seq
"""


# PostgreSQL: add_insights and remove_insights as one statement each, so a PUT or DELETE is
# one exchange that also commits. The statement locks the case (FOR UPDATE), changes its
# insights, moves the case's counters and `modified_at` forward and writes the event, only
# when something changed, and returns the case as it leaves it, with its insights and users.
# It does nothing (`allowed` false) for an archived case, one a PUT could take past the
# per-case cap, or when it had to wait for another writer of the case: the lock then holds a
# newer version of the case than the statement's snapshot, whose insights are no longer the
# newest (every change to a case's insights also updates the case row). The caller then runs
# the general path, which gives the precise error or serialises with the other writers.
#   $1 org, $2 case id or NULL, $3 case key or NULL, then as each statement says.


def _one_statement(now: str, cap: str, changes: str, cur: str) -> str:
    """The shared frame: `changes` are CTEs that may use `ok` and define `upd`; `cur` selects
    the case's insights after them (type, resource_id, ref, position)."""
    return f"""
WITH {PG_TARGET}, locked AS (
    SELECT c.xmin::text AS version, {C_COLUMNS}, c.insight_seq FROM cases c
    WHERE c.org_id = $1 AND c.id = (SELECT id FROM target) FOR UPDATE
), ok AS (
    SELECT id, insight_seq,
           greatest({now}::timestamptz, coalesce(modified_at, created_at)
                    + interval '1 microsecond') AS now
    FROM locked l WHERE archived_at IS NULL AND {cap}
      AND version = (SELECT xmin::text FROM cases WHERE org_id = $1 AND id = l.id)
), {changes}, cur AS ({cur}
), after AS (
    SELECT * FROM upd
    UNION ALL
    SELECT {COLUMNS} FROM locked WHERE NOT EXISTS (SELECT 1 FROM upd)
)
SELECT a.*, EXISTS (SELECT 1 FROM ok) AS allowed,
       ARRAY(SELECT ROW(type, ref, resource_id) FROM cur ORDER BY position) AS insights,
       {pg_users("a")} AS users
FROM after a
"""


# Adds or re-refs (ON CONFLICT). Positions follow the requested order, with gaps where a
# requested insight already existed.
#   $4/$5/$6 types, resource ids and refs (distinct (type, resource_id)), $7 now, $8 actor,
#   $9 per-case cap, $10 event id
ADD_PG = _one_statement(
    "$7",
    "insight_count + cardinality($4::text[]) <= $9",
    f"""want AS (
    SELECT * FROM unnest($4::text[], $5::text[], $6::text[]) WITH ORDINALITY
    AS w(type, resource_id, ref, n)
), ins AS (
    INSERT INTO case_insights AS i
        (org_id, case_id, type, resource_id, ref, position, created_at, created_by)
    SELECT $1, ok.id, w.type, w.resource_id, w.ref, ok.insight_seq + w.n, ok.now, $8
    FROM ok, want w
    ON CONFLICT (org_id, case_id, type, resource_id) DO UPDATE SET ref = excluded.ref
    WHERE i.ref IS DISTINCT FROM excluded.ref
    RETURNING i.type, i.resource_id, i.ref, i.position
), done AS (
    SELECT ins.type, ins.resource_id, ins.ref, ins.position, w.n,
           ins.position > ok.insight_seq AS added
    FROM ins JOIN want w ON w.type = ins.type AND w.resource_id = ins.resource_id, ok
), upd AS (
    UPDATE cases c SET insight_count = c.insight_count + (SELECT count(*) FROM done WHERE added),
        insight_seq = ok.insight_seq + cardinality($4::text[]), modified_at = ok.now,
        modified_by = $8
    FROM ok WHERE c.org_id = $1 AND c.id = ok.id AND EXISTS (SELECT 1 FROM done)
    RETURNING {C_COLUMNS}
), ev AS (
    INSERT INTO case_events (org_id, case_id, id, created_at, actor_id, action, details)
    SELECT $1, ok.id, $10, ok.now, $8, 'insights.added', jsonb_build_object(
        'added', coalesce((SELECT jsonb_agg(jsonb_build_object(
            'type', type, 'resource_id', resource_id, 'ref', ref) ORDER BY n)
            FROM done WHERE added), '[]'::jsonb),
        'updated', coalesce((SELECT jsonb_agg(jsonb_build_object(
            'type', type, 'resource_id', resource_id, 'ref', ref) ORDER BY n)
            FROM done WHERE NOT added), '[]'::jsonb))
    FROM ok WHERE EXISTS (SELECT 1 FROM done)
), """
    + pg_change(
        "$1", "$10", "ok.id", "'insights.added'", "ok.now", "ok WHERE EXISTS (SELECT 1 FROM done)"
    ),
    """
    SELECT i.type, i.resource_id, coalesce(d.ref, i.ref) AS ref, i.position
    FROM case_insights i
    LEFT JOIN done d ON d.type = i.type AND d.resource_id = i.resource_id AND NOT d.added
    WHERE i.org_id = $1 AND i.case_id = (SELECT id FROM locked)
    UNION ALL
    SELECT type, resource_id, ref, position FROM done WHERE added""",
)

# Removes by (type, resource_id); the event lists what went in code point order, as the
# general path sorts it (hence COLLATE "C" on type, the only column not already in C).
#   $4/$5 types and resource ids, $6 now, $7 actor, $8 event id
REMOVE_PG = _one_statement(
    "$6",
    "true",
    f"""gone AS (
    DELETE FROM case_insights i USING ok, unnest($4::text[], $5::text[]) AS w(type, resource_id)
    WHERE i.org_id = $1 AND i.case_id = ok.id AND i.type = w.type
      AND i.resource_id = w.resource_id
    RETURNING i.type, i.resource_id, i.ref
), upd AS (
    UPDATE cases c SET insight_count = c.insight_count - (SELECT count(*) FROM gone),
        modified_at = ok.now, modified_by = $7
    FROM ok WHERE c.org_id = $1 AND c.id = ok.id AND EXISTS (SELECT 1 FROM gone)
    RETURNING {C_COLUMNS}
), ev AS (
    INSERT INTO case_events (org_id, case_id, id, created_at, actor_id, action, details)
    SELECT $1, ok.id, $8, ok.now, $7, 'insights.removed', jsonb_build_object(
        'removed', (SELECT jsonb_agg(jsonb_build_object(
            'type', type, 'resource_id', resource_id, 'ref', ref)
            ORDER BY type COLLATE "C", resource_id, ref) FROM gone))
    FROM ok WHERE EXISTS (SELECT 1 FROM gone)
), """
    + pg_change(
        "$1", "$8", "ok.id", "'insights.removed'", "ok.now", "ok WHERE EXISTS (SELECT 1 FROM gone)"
    ),
    """
    SELECT i.type, i.resource_id, i.ref, i.position FROM case_insights i
    WHERE i.org_id = $1 AND i.case_id = (SELECT id FROM locked) AND NOT EXISTS (
        SELECT 1 FROM gone g WHERE g.type = i.type AND g.resource_id = i.resource_id)""",
)

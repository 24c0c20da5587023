"""SQL for insights. Statements over n insights are built for each n and cached."""

from __future__ import annotations

from functools import cache


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

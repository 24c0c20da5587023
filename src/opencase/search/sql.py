"""SQL of case search, count and aggregate, around a condition compiled by opencase.query."""

from __future__ import annotations

from opencase.case.sql import C_COLUMNS

SORT_EXPRESSIONS = {
    "created_at": "c.created_at",
    "modified_at": "coalesce(c.modified_at, c.created_at)",
    "priority": "c.priority",
    "status": "c.status",
}
# A case column each simple group-by field groups on.
GROUP_COLUMNS = {
    "status": "c.status",
    "priority": "c.priority",
    "project": "c.project_id",
    "type": "c.type_id",
    "assignee": "c.assignee_id",
    "creator": "c.created_by",
    "archived": "CASE WHEN c.archived_at IS NULL THEN 0 ELSE 1 END",
}


def _sort_keys(sort: str) -> list[str]:
    """A total order: the sort field, then creation, then id (ties never reorder pages)."""
    return [SORT_EXPRESSIONS[sort]] + ([] if sort == "created_at" else ["c.created_at"]) + ["c.id"]


def order_by(sort: str, ascending: bool) -> str:
    d = "ASC" if ascending else "DESC"
    return ", ".join(f"{k} {d}" for k in _sort_keys(sort))


def after(sort: str, ascending: bool, first_arg: int) -> str:
    """Rows strictly after a cursor's row in that order (row-value comparison)."""
    keys = _sort_keys(sort)
    args = ", ".join(f"${first_arg + i}" for i in range(len(keys)))
    return f"({', '.join(keys)}) {'>' if ascending else '<'} ({args})"


def page(where: str, order: str, limit_arg: int, offset_arg: int) -> str:
    """One page: the ids are chosen first and only they are read whole (a deferred join), so
    sorting many matches never carries their titles and descriptions."""
    return (
        f"WITH hits AS (SELECT c.id AS id FROM cases c WHERE c.org_id = $1 AND {where}"
        f" ORDER BY {order} LIMIT ${limit_arg} OFFSET ${offset_arg})"
        f" SELECT {C_COLUMNS} FROM hits JOIN cases c ON c.org_id = $1 AND c.id = hits.id"
        f" ORDER BY {order}"
    )


def count(where: str) -> str:
    return f"SELECT count(*) FROM cases c WHERE c.org_id = $1 AND {where}"


def count_upto(where: str, cap_arg: int) -> str:
    """How many match, stopping at the cap (reads at most that many index entries)."""
    return (
        f"SELECT count(*) FROM (SELECT 1 FROM cases c WHERE c.org_id = $1 AND {where}"
        f" LIMIT ${cap_arg}) AS upto"
    )


def grouped(where: str, columns: list[str], joins: list[str], limit_arg: int) -> str:
    """Cases per combination of group values, biggest first."""
    cols = ", ".join(columns)
    counted = "count(DISTINCT c.id)" if joins else "count(*)"
    return (
        f"SELECT {cols}, {counted} AS n FROM cases c {' '.join(joins)}"
        f" WHERE c.org_id = $1 AND {where}"
        f" GROUP BY {cols} ORDER BY n DESC, {cols} LIMIT ${limit_arg}"
    )


def field_join(alias: str, field_arg: int) -> str:
    return (
        f"JOIN case_fields {alias} ON {alias}.org_id = c.org_id AND {alias}.case_id = c.id"
        f" AND {alias}.field = ${field_arg}"
    )


# Labels of group values: deleted case types too, as cases may still be of one.
TYPE_NAMES = "SELECT id, name FROM case_types WHERE org_id = $1"

# Cases per value of one attribute, over every case of the organisation.
VALUES_OF_FIELD = """
SELECT f.{col}, count(DISTINCT f.case_id) AS n FROM case_fields f
WHERE f.org_id = $1 AND f.field = $2 GROUP BY f.{col} ORDER BY n DESC, f.{col} LIMIT $3
"""

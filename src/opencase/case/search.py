"""Case search: a small filter language, sorting and 1-based pages.

Filter syntax (the `filter` query parameter), terms separated by spaces:
- `status:open|in_progress|closed` (the status group; `status:"In Progress"` also works),
- `priority:P1..P5|not_defined`,
- `project:KEY` or `project:<project UUID>`,
- any other word or "quoted phrase": the title contains it (case-insensitive).
Repeating a field ORs its values (`priority:P1 priority:P2`); different fields AND together.
Anything else (unknown fields, parentheses, OR) is a 400 naming the `filter` parameter.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import msgspec

from opencase.case import sql as case_sql
from opencase.case.models import PRIORITIES, CasePage
from opencase.case.service import case_from_row, load_views
from opencase.case_type.builtin import find_status
from opencase.core.db import Database
from opencase.core.errors import InvalidInput
from opencase.identity.models import Principal

PAGE_SIZE_DEFAULT = 10
PAGE_SIZE_MAX = 100
SORT_FIELDS = ("created_at", "priority", "status")

_TERM = re.compile(r'(?:(\w+):)?(?:"([^"]*)"|(\S+))')


class Query(msgspec.Struct, frozen=True):
    where: list[str]
    args: list[object]


def _bad(detail: str) -> InvalidInput:
    return InvalidInput(detail, parameter="filter")


def _status(value: str) -> int:
    found = find_status(value)
    if found is None:
        raise _bad(f"unknown status {value!r}; use open, in_progress or closed")
    return found.group


def _priority(value: str) -> int:
    upper = value.upper()
    if upper not in PRIORITIES:
        raise _bad(f"unknown priority {value!r}; use one of {', '.join(PRIORITIES)}")
    return PRIORITIES.index(upper)


_FIELDS: dict[str, Callable[[str], object]] = {"status": _status, "priority": _priority}


def _bind(args: list[object], values: list[object] | list[str]) -> str:
    """Append values to the arguments; their placeholders, comma-separated."""
    start = len(args) + 1
    args.extend(values)
    return ", ".join(f"${i}" for i in range(start, len(args) + 1))


def parse_filter(text: str, org_id: str) -> Query:
    """SQL conditions (after `org_id = $1`) and their arguments for a filter string."""
    args: list[object] = [org_id]
    where: list[str] = []
    by_field: dict[str, list[object]] = {}
    projects: list[str] = []
    project_ids: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        m = _TERM.match(text, pos)
        if m is None or m.end() == pos:
            raise _bad(f"cannot parse filter near {text[pos : pos + 20]!r}")
        pos = m.end()
        field, value = m[1], m[2] if m[2] is not None else m[3]
        if field is None:
            if value in {"OR", "AND", "NOT"} or value.startswith("(") or value.endswith(")"):
                raise _bad("boolean operators and parentheses are not supported yet")
            # LIKE wildcards in the text match themselves (escaped with a backslash).
            pattern = re.sub(r"([\\%_])", r"\\\1", value)
            args.append(f"%{pattern}%")
            where.append(f"lower(title) LIKE lower(${len(args)}) ESCAPE '\\'")
        elif field == "project":
            try:
                project_ids.append(str(uuid.UUID(value)))
            except ValueError:
                projects.append(value.upper())
        elif field in _FIELDS:
            by_field.setdefault(field, []).append(_FIELDS[field](value))
        else:
            raise _bad(f"unknown filter field {field!r}; use status, priority or project")
    for field, values in by_field.items():
        where.append(f"{field} IN ({_bind(args, list(dict.fromkeys(values)))})")
    alternatives = []
    if project_ids:
        alternatives.append(f"project_id IN ({_bind(args, project_ids)})")
    if projects:
        alternatives.append(
            "project_id IN (SELECT id FROM projects WHERE org_id = $1"
            f" AND key IN ({_bind(args, projects)}))"
        )
    if alternatives:
        where.append("(" + " OR ".join(alternatives) + ")")
    return Query(where=where, args=args)


async def search_cases(
    *,
    db: Database,
    who: Principal,
    filter: str,
    sort_field: str,
    ascending: bool,
    page_number: int,
    page_size: int,
) -> CasePage:
    """One page of the organisation's cases matching the filter, and the total count."""
    query = parse_filter(filter, who.org_id)
    where = " AND ".join(["org_id = $1", *query.where])
    direction = "ASC" if ascending else "DESC"
    order = f"{sort_field} {direction}, created_at {direction}, id {direction}"
    if sort_field == "created_at":
        order = f"created_at {direction}, id {direction}"
    n = len(query.args)
    page_sql = (
        f"SELECT {case_sql.COLUMNS} FROM cases WHERE {where} ORDER BY {order}"
        f" LIMIT ${n + 1} OFFSET ${n + 2}"
    )
    async with db.snapshot() as conn:
        total = await conn.fetchval(f"SELECT count(*) FROM cases WHERE {where}", *query.args)
        rows = await conn.fetch(page_sql, *query.args, page_size, (page_number - 1) * page_size)
        views = await load_views(conn, who.org_id, [case_from_row(r) for r in rows])
    return CasePage(cases=views, total=total)

"""Case search, count and aggregate over the query language (opencase.query).

Pages are 1-based (`page[number]`), as the contract records. Every order is total (the sort
field, then created_at, then id), so pages never overlap or skip while nothing changes. While
cases change, offsets shift; a page's `next_cursor` instead names the last row returned, and
`page[cursor]` continues strictly after it (keyset pagination): no case is returned twice and
none that keeps its place in the order is skipped, however many cases are added or removed.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from opencase.case.models import PRIORITIES, Case
from opencase.case.service import case_from_row, load_views
from opencase.case_type.builtin import BUILTIN_BY_ID, LEGACY_STATUS
from opencase.core.db import Connection, Database, Row
from opencase.core.errors import InvalidInput
from opencase.identity.models import Principal
from opencase.identity.sql import users_by_ids
from opencase.project import sql as project_sql
from opencase.query.compile import Compiled, compile_for_page, compile_query
from opencase.query.errors import QueryError, blamed_on
from opencase.query.plan import Everything
from opencase.query.resolve import Resolver
from opencase.query.sql import text_only_count
from opencase.search import cursor as cursors
from opencase.search import sql
from opencase.search.models import Bucket, Page


async def _compile(
    conn: Connection,
    who: Principal,
    text: str,
    engine: str,
    parameter: str | None,
    pointer: str | None,
) -> Compiled:
    with blamed_on(parameter=parameter, pointer=pointer):
        return await compile_query(conn, org_id=who.org_id, text=text, engine=engine)


async def _count(
    conn: Connection, who: Principal, compiled: Compiled, engine: str, cap: int | None = None
) -> int:
    """How many cases match (from the full-text index alone when the query is only text), or
    at most `cap` when given."""
    shortcut = text_only_count(compiled.plan, engine=engine, org_id=who.org_id, cap=cap)
    if shortcut is not None:
        statement, args = shortcut
    elif cap is not None:
        args = [*compiled.args, cap]
        statement = sql.count_upto(compiled.where, len(args))
    else:
        statement, args = sql.count(compiled.where), compiled.args
    total: int = await conn.fetchval(statement, *args)
    return total


async def search_cases(
    *,
    db: Database,
    who: Principal,
    text: str,
    sort: str,
    ascending: bool,
    page_number: int,
    page_size: int,
    cursor: str | None,
    held: Callable[[Case], bool] | None = None,
    count_cap: int | None = None,
) -> Page:
    """One page of the organisation's cases matching the query, and how many match (the
    insights of the cases `held` says the caller already holds are left out). With
    `count_cap`, the count stops there (the UI's lists: an exact count reads every match)."""
    fingerprint = cursors.fingerprint(text, sort, ascending)
    start = cursors.decode(cursor, fingerprint, sort) if cursor else None
    async with db.snapshot() as conn:
        compiled = await _compile(conn, who, text, db.engine, "filter", None)
        total = await _count(conn, who, compiled, db.engine, count_cap)
        where, args = await compile_for_page(
            conn, org_id=who.org_id, compiled=compiled, engine=db.engine
        )
        if start is not None:
            page_number = start.page
            where = f"{where} AND {sql.after(sort, ascending, len(args) + 1)}"
            args = [*args, *start.row]
            offset = 0
        else:
            offset = (page_number - 1) * page_size
        statement = sql.page(where, sql.order_by(sort, ascending), len(args) + 1, len(args) + 2)
        # One row more than the page shows whether another page follows: after a cursor,
        # `page_number * page_size < total` does not, once cases before it left or arrived.
        rows = await conn.fetch(statement, *args, page_size + 1, offset)
        cases = [case_from_row(r) for r in rows[:page_size]]
        views = await load_views(conn, who.org_id, cases, held)
    next_cursor = None
    if len(rows) > page_size:
        last = cursors.Cursor(fingerprint, page_number + 1, cursors.sort_values(cases[-1], sort))
        next_cursor = cursors.encode(last)
    return Page(cases=views, total=total, number=page_number, next_cursor=next_cursor)


class _Group(msgspec.Struct, frozen=True):
    field: str  # as the caller named it (built-in fields lower-cased)
    column: str  # the select expression
    key: str | None = None  # the case_fields field it reads, joined as `alias`
    alias: str | None = None


async def _groups(
    conn: Connection, who: Principal, fields: list[str], pointer: str | None, parameter: str | None
) -> list[_Group]:
    """What each group-by field selects: a case column or an attribute's values."""
    out = []
    resolver = Resolver(conn, who.org_id, 0)
    for i, field in enumerate(fields):
        name = field.strip()
        if name.lower() in sql.GROUP_COLUMNS:
            out.append(_Group(name.lower(), sql.GROUP_COLUMNS[name.lower()]))
            continue
        try:
            key = await resolver.attribute_field(name, 0)
        except QueryError:
            raise InvalidInput(
                f"cannot group by {field!r}: expected one of {', '.join(sql.GROUP_COLUMNS)}, an"
                " attribute key in use or a custom attribute key",
                pointer=f"{pointer}/{i}" if pointer else None,
                parameter=parameter,
            ) from None
        # Attributes group as queries match them, lower-cased (from the index alone);
        # custom attributes by their stored value (numbers have no lower-cased form).
        value = "folded" if key.startswith("a:") else "value"
        out.append(_Group(name, f"g{i}.{value}", key, f"g{i}"))
    return out


async def group_cases(
    *,
    db: Database,
    who: Principal,
    text: str,
    fields: list[str],
    limit: int,
    each_alone: bool,
    text_parameter: str | None = None,
    text_pointer: str | None = None,
    fields_parameter: str | None = None,
    fields_pointer: str | None = None,
) -> tuple[int, list[list[Bucket]]]:
    """How many cases match, and the biggest groups by the fields: all fields together, or
    each field on its own (each_alone)."""
    async with db.snapshot() as conn:
        compiled = await _compile(conn, who, text, db.engine, text_parameter, text_pointer)
        where, args = compiled.where, compiled.args
        groups = await _groups(conn, who, fields, fields_pointer, fields_parameter)
        total = None
        sets = [[g] for g in groups] if each_alone else [groups] if groups else []
        out: list[list[Bucket]] = []
        for chosen in sets:
            if len(chosen) == 1 and chosen[0].key and isinstance(compiled.plan, Everything):
                # Every case: the attribute's own index holds the answer.
                g = chosen[0]
                statement = sql.VALUES_OF_FIELD.format(col=g.column.removeprefix(f"{g.alias}."))
                rows = await conn.fetch(statement, who.org_id, g.key, limit)
            else:
                joined, joins = list(args), []
                for g in chosen:
                    if g.key is not None and g.alias is not None:
                        joined.append(g.key)
                        joins.append(sql.field_join(g.alias, len(joined)))
                statement = sql.grouped(where, [g.column for g in chosen], joins, len(joined) + 1)
                rows = await conn.fetch(statement, *joined, limit)
            labels = await _labels(conn, who.org_id, chosen, rows)
            out.append([Bucket(v, r[-1]) for v, r in zip(labels, rows, strict=True)])
            if all(g.key is None for g in chosen) and len(rows) < limit:
                # Case columns give every case exactly one group: all groups add up to the
                # total, which then costs no second pass over the matches.
                total = sum(r[-1] for r in rows)
        if total is None:
            total = await _count(conn, who, compiled, db.engine)
    return total, out


async def _labels(
    conn: Connection, org_id: str, groups: list[_Group], rows: list[Row]
) -> list[tuple[str, ...]]:
    """Group values as a reader sees them: OPEN, P1, a project key, a type name, an email."""
    names: dict[str, str] = {t.id: t.name for t in BUILTIN_BY_ID.values()}
    kinds = [g.field for g in groups]
    if "project" in kinds:
        for r in await conn.fetch(project_sql.LIST, org_id):
            names[str(r["id"])] = r["key"]
    if "type" in kinds:
        for r in await conn.fetch(sql.TYPE_NAMES, org_id):
            names[str(r["id"])] = r["name"]
    user_ids = [
        str(r[i])
        for i, k in enumerate(kinds)
        if k in {"assignee", "creator"}
        for r in rows
        if r[i] is not None
    ]
    for user in await users_by_ids(conn, org_id, list(dict.fromkeys(user_ids))):
        names[str(user["id"])] = user["email"]
    out = []
    for row in rows:
        values = []
        for i, kind in enumerate(kinds):
            v = row[i]
            if kind == "status":
                values.append(LEGACY_STATUS[v])
            elif kind == "priority":
                values.append(PRIORITIES[v])
            elif kind == "archived":
                values.append("true" if v else "false")
            elif v is None:
                values.append("none")
            else:
                values.append(names.get(str(v), str(v)))
        out.append(tuple(values))
    return out

"""Text in, SQL out: parse, resolve against the organisation, translate for the engine."""

from __future__ import annotations

import math

import msgspec

from opencase.core.clock import now_us
from opencase.core.db import Connection
from opencase.query import plan as p
from opencase.query.parser import parse
from opencase.query.resolve import Resolver
from opencase.query.sql import to_sql


class Compiled(msgspec.Struct, frozen=True):
    """A condition over `cases c` (`where`), its arguments (`args[0]` is the org id), the
    resolved plan it came from and the SQLite full-text queries in it."""

    where: str
    args: list[object]
    plan: p.Plan
    fts_queries: list[str]


async def resolve_query(
    conn: Connection, *, org_id: str, text: str, now: int | None = None
) -> p.Plan:
    """The resolved plan of a query; QueryError when it does not parse or resolve."""
    tree = parse(text)
    return await Resolver(conn, org_id, now_us() if now is None else now).resolve(tree)


async def compile_query(
    conn: Connection, *, org_id: str, text: str, engine: str, now: int | None = None
) -> Compiled:
    """The SQL condition of a query for this organisation and engine."""
    plan = await resolve_query(conn, org_id=org_id, text=text, now=now)
    where, args, queries = to_sql(plan, engine=engine, org_id=org_id)
    return Compiled(where=where, args=args, plan=plan, fts_queries=queries)


async def compile_for_page(
    conn: Connection, *, org_id: str, compiled: Compiled, engine: str
) -> tuple[str, list[object]]:
    """The plan's condition for a query that reads cases in index order and stops after a page.

    On SQLite a word matching many cases is better tested case by case along that order than
    used to look up every match: past about sqrt(10 x cases) matches, the walk reads fewer
    rows. FTS5 counts a word's matches in a few milliseconds even when they are many."""
    where, args, queries = compiled.where, compiled.args, compiled.fts_queries
    if not queries:
        return where, args
    size = await conn.fetchval("SELECT max(rowid) FROM case_search_rows") or 0
    threshold = int(math.sqrt(10 * size))
    common = set()
    for query in queries:
        hits = await conn.fetchval(_FTS_COUNT, query, threshold + 1)
        if hits > threshold:
            common.add(query)
    if not common:
        return where, args
    where, args, _ = to_sql(compiled.plan, engine=engine, org_id=org_id, common=frozenset(common))
    return where, args


_FTS_COUNT = "SELECT count(*) FROM (SELECT 1 FROM case_search WHERE case_search MATCH $1 LIMIT $2)"

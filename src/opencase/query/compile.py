"""Text in, SQL out: parse, resolve against the organisation, translate for the engine."""

from __future__ import annotations

import msgspec

from opencase.core.clock import now_us
from opencase.core.db import Connection
from opencase.query import plan as p
from opencase.query.parser import parse
from opencase.query.resolve import Resolver
from opencase.query.sql import to_sql


class Compiled(msgspec.Struct, frozen=True):
    """A condition over `cases c` (`where`), its arguments (`args[0]` is the org id) and the
    resolved plan it came from."""

    where: str
    args: list[object]
    plan: p.Plan


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
    where, args = to_sql(plan, engine=engine, org_id=org_id)
    return Compiled(where=where, args=args, plan=plan)

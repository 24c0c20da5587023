"""Every kind of query term is answered through an index that leads with org_id, on both
engines: the query plans are read back (EXPLAIN) and checked for the index each term needs.

SQLite plans depend on its statistics; the test writes those of a large organisation (one
million cases, ten million insights) into sqlite_stat1, so the plans are the ones such a
database gets. PostgreSQL (an empty database, so its planner picks any usable index) runs
with sequential scans disabled: a term without a usable index would still show a Seq Scan.
Which index it picks at a million cases is in bench/README.md."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from case_db import ENGINES, Engine, migrated_engine

from opencase.core.db import Database
from opencase.query.compile import compile_for_page, compile_query
from opencase.search import sql as search_sql

ORG = "00000000-0000-4000-8000-000000000001"
# (table, index, stat): the shape of a one-organisation database of a million cases.
LARGE = [
    ("cases", "ix_cases_org_created", "1000000 1000000 1"),
    ("cases", "ix_cases_org_modified", "1000000 1000000 1"),
    ("cases", "ix_cases_org_status_created", "1000000 1000000 333333 1"),
    ("cases", "ix_cases_org_priority_created", "1000000 1000000 166666 1"),
    ("cases", "ix_cases_org_status_priority_created", "1000000 1000000 333333 55555 1"),
    ("cases", "ix_cases_org_project_created", "1000000 1000000 50000 1"),
    ("cases", "ix_cases_org_assignee_created", "1000000 1000000 5000 1"),
    ("cases", "ix_cases_org_creator_created", "1000000 1000000 5000 1"),
    ("cases", "ix_cases_org_type_created", "1000000 1000000 200000 1"),
    ("cases", "ix_cases_org_archived", "1000000 1000000 900000"),
    ("cases", "sqlite_autoindex_cases_1", "1000000 1000000 1"),
    ("case_insights", "sqlite_autoindex_case_insights_1", "10000000 10000000 10 2 1"),
    ("case_insights", "ix_case_insights_org_resource", "10000000 10000000 625000 3"),
    ("case_insights", "ix_case_insights_org_resource_id", "10000000 10000000 3"),
    ("case_insights", "ix_case_insights_org_ref", "10000000 10000000 3"),
    ("case_fields", "sqlite_autoindex_case_fields_1", "3000000 3000000 3 1 1"),
    ("case_fields", "ix_case_fields_org_field_folded", "3000000 3000000 300000 3000 1"),
    ("case_fields", "ix_case_fields_org_field_number", "3000000 3000000 300000 100"),
    ("case_keys", "sqlite_autoindex_case_keys_1", "1000000 1000000 1"),
    ("case_search_rows", "sqlite_autoindex_case_search_rows_1", "1000000 1000000 1"),
]

# A query and the SQLite indexes its plan may use (one of them must show).
CASES: list[tuple[str, list[str]]] = [
    ("status:open priority:P1", ["ix_cases_org_status_priority_created"]),
    # Either project index leads with (org_id, project_id); 0012 added the one with status.
    (
        "project:PA",
        [
            "ix_cases_org_project_created",
            "ix_cases_org_project_status_created",
            "sqlite_autoindex_cases_2",
        ],
    ),
    ("assignee:u0@x.test", ["ix_cases_org_assignee_created"]),
    ("creator:u0@x.test", ["ix_cases_org_creator_created"]),
    ("type:Security", ["ix_cases_org_type_created"]),
    ("insight.type:MONITOR insight.resource_id:12345", ["ix_case_insights_org_resource"]),
    ("insight.resource_id:12345", ["ix_case_insights_org_resource_id"]),
    ('insight.ref:"/monitors/1*"', ["ix_case_insights_org_ref"]),
    ("attributes.service:api", ["ix_case_fields_org_field_folded"]),
    ("attributes.service:ap*", ["ix_case_fields_org_field_folded"]),
    ("custom.n:>5", ["ix_case_fields_org_field_number"]),
    ("key:PA-1", ["sqlite_autoindex_case_keys_1"]),
    ("key:PA-*", ["sqlite_autoindex_case_keys_1"]),
    ("created_at:>2026-01-05", ["ix_cases_org_created"]),
    # A page sorted by creation may walk creation order and test modified_at on the way.
    ("modified_at:>2026-01-05", ["ix_cases_org_modified", "ix_cases_org_created"]),
    ("disk", ["case_search VIRTUAL TABLE"]),
    ('"disk full" outage', ["case_search VIRTUAL TABLE"]),
]


@pytest.fixture(scope="module", params=ENGINES)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    with migrated_engine(request.param, tmp_path_factory.mktemp("plans")) as engine:
        engine.run(_seed(engine.db))
        yield engine


async def _seed(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO orgs (id, name, created_at, case_seq) VALUES ($1, 'plans', $2, 0)", ORG, 0
        )
        await conn.execute(
            "INSERT INTO users (org_id, id, email, name, handle, active, created_at)"
            " VALUES ($1, $1, 'u0@x.test', '', 'u0', TRUE, $2)",
            ORG,
            0,
        )
        await conn.execute(
            "INSERT INTO projects (org_id, id, key, name, created_at, created_by,"
            " enabled_custom_case_types, case_seq) VALUES ($1, $1, 'PA', 'p', $2, $1, '[]', 0)",
            ORG,
            0,
        )
        if db.engine == "sqlite":
            await conn.execute("ANALYZE")
            await conn.execute("DELETE FROM sqlite_stat1")
            for table, index, stat in LARGE:
                await conn.execute(
                    "INSERT INTO sqlite_stat1 VALUES ($1, $2, $3)", table, index, stat
                )
    if db.engine == "sqlite":
        async with db.transaction() as conn:
            await conn.execute("ANALYZE sqlite_schema")  # reload the statistics


async def _plan(db: Database, text: str, page: bool) -> str:
    async with db.transaction() as conn:
        compiled = await compile_query(conn, org_id=ORG, text=text, engine=db.engine)
        if page:
            where, args = await compile_for_page(
                conn, org_id=ORG, compiled=compiled, engine=db.engine
            )
            order = search_sql.order_by("created_at", False)
            statement = search_sql.page(where, order, len(args) + 1, len(args) + 2)
            args = [*args, 11, 0]
        else:
            statement, args = search_sql.count(compiled.where), compiled.args
        if db.engine == "sqlite":
            rows = await conn.fetch("EXPLAIN QUERY PLAN " + statement, *args)
            return "\n".join(r[3] for r in rows)
        await conn.execute("SET LOCAL enable_seqscan = off")
        rows = await conn.fetch("EXPLAIN " + statement, *args)
        return "\n".join(r[0] for r in rows)


@pytest.mark.parametrize(("text", "sqlite_indexes"), CASES)
@pytest.mark.parametrize("page", [False, True], ids=["count", "page"])
def test_terms_use_their_index(
    engine: Engine,
    text: str,
    sqlite_indexes: list[str],
    page: bool,
) -> None:
    db = engine.db
    plan = engine.run(_plan(db, text, page))
    if db.engine == "sqlite":
        assert any(index in plan for index in sqlite_indexes), plan
    assert "SCAN c\n" not in plan + "\n" and "Seq Scan" not in plan, plan
    # Never a scan of a whole table: every SQLite SCAN is of the full-text index or a list.
    for line in plan.splitlines():
        line = line.strip()
        if line.startswith("SCAN ") and db.engine == "sqlite":
            assert "VIRTUAL TABLE" in line or line.startswith("SCAN hits"), plan

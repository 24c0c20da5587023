"""Property: the SQL a query compiles to returns exactly the cases a naive Python evaluation
of the same resolved query accepts (opencase.query.evaluate), on random cases and random
queries, on both engines. Cases are written straight into a migrated database, so the
database triggers (attribute rows, full-text index) are part of what is checked."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from case_db import ENGINES, Engine, migrated_engine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opencase.case import sql as case_sql
from opencase.core.db import Database
from opencase.query.compile import compile_query
from opencase.query.errors import QueryError
from opencase.query.evaluate import CaseRecord, FieldValue, InsightRecord, matches
from opencase.query.sql import text_only_count, to_sql

DAY = 86_400_000_000
BASE = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z
NOW = BASE + 30 * DAY
STANDARD, SECURITY = "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000003"
WORDS = ["disk", "Disk", "full", "dns", "outage", "déjà", "vu", "ab", "abc", "x1", "ÉTÉ"]
SEPARATORS = [" ", " ", "-", "_", ", ", ". "]
VALUES = ["api", "API", "db", "web-1", "web-2", "a*b", "Ünï"]
RESOURCES = ["1", "12", "123", "abc"]
REFS = ["/monitors/1", "/monitors/12?x=1", "/incidents/1", "/m/" + "r" * 300, "/m/" + "r" * 253]
TYPES = ["MONITOR", "INCIDENT", "SECURITY_SIGNAL"]


@pytest.fixture(scope="module", params=ENGINES)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    with migrated_engine(request.param, tmp_path_factory.mktemp("prop")) as engine:
        yield engine


text = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=5).map(
    lambda parts: "".join(w + s for w, s in parts).strip()
)

case_strategy = st.fixed_dictionaries(
    {
        "status": st.integers(0, 2),
        "priority": st.integers(0, 5),
        "project": st.integers(0, 1),
        "type": st.sampled_from([STANDARD, SECURITY]),
        "assignee": st.sampled_from([None, 0, 1]),
        "creator": st.integers(0, 1),
        "archived": st.booleans(),
        "old_key": st.booleans(),
        "created": st.integers(0, 20 * 24),  # hours after BASE
        "modified": st.one_of(st.none(), st.integers(0, 5 * 24)),  # hours after created
        "title": text,
        "description": text,
        "attributes": st.dictionaries(
            st.sampled_from(["service", "team"]),
            st.lists(st.sampled_from(VALUES), min_size=1, max_size=3),
            max_size=2,
        ),
        "n": st.one_of(st.none(), st.integers(-3, 10), st.sampled_from([1.5, 2.0])),
        "tags": st.one_of(st.none(), st.lists(st.sampled_from(VALUES), min_size=1, max_size=2)),
        "insights": st.lists(
            st.tuples(st.sampled_from(TYPES), st.sampled_from(RESOURCES), st.sampled_from(REFS)),
            max_size=4,
            unique_by=lambda i: (i[0], i[1]),
        ),
        "edit": st.one_of(st.none(), st.tuples(text, st.sampled_from(VALUES))),
    }
)

TERMS = [
    "status:open",
    "status:closed",
    "status:in_progress",
    "status:(open OR closed)",
    "status:*",
    "priority:P1",
    "priority:P2",
    "priority:NOT_DEFINED",
    "priority:(P1 OR P5)",
    "project:PA",
    "project:PB",
    "project:P*",
    "type:Standard",
    "type:security",
    "assignee:u0@x.test",
    "assignee:u1",
    "assignee:*",
    "creator:u0@x.test",
    "creator:u1",
    "archived:true",
    "archived:false",
    "key:PA-1",
    "key:PA-*",
    "key:OLD-*",
    "key:*-1",
    "created_at:2026-01-03",
    "created_at:>2026-01-05",
    "created_at:>=2026-01-05T12:00:00Z",
    "created_at:<2026-01-04",
    "created_at:[2026-01-02 TO 2026-01-06]",
    "created_at:{2026-01-02 TO 2026-01-06}",
    "created_at:[* TO 2026-01-03]",
    "modified_at:>now-25d",
    "modified_at:<=2026-01-08",
    "created_at:(<2026-01-02 OR >2026-01-19)",
    "insight.type:MONITOR",
    "insight.type:INCIDENT",
    "insight.type:*",
    "insight.resource_id:12",
    "insight.resource_id:12*",
    "insight.resource_id:*2*",
    'insight.ref:"/monitors/1*"',
    'insight.ref:"/monitors/1"',
    "insight.ref:/m/r*",
    'insight.ref:"/m/' + "r" * 253 + '"',
    'insight.ref:"/m/' + "r" * 300 + '"',
    "insight.ref:*x=1",
    "attributes.service:api",
    "attributes.service:API",
    "attributes.service:web*",
    "attributes.service:*",
    "attributes.team:*-*",
    "attributes.team:a\\*b",
    "attributes.team:a*b",
    "attributes.service:ünï",
    "custom.n:>2",
    "custom.n:2",
    "custom.n:[1 TO 3]",
    "custom.n:{1 TO 3}",
    "custom.n:<=-1",
    "attributes.service:(* OR api)",
    "custom.n:(>2 OR *)",
    "custom.n:*",
    "custom.tags:db",
    "custom.tags:w*",
    "custom.tags:*",
    "disk",
    "DISK",
    "full",
    '"disk full"',
    "dis*",
    "déjà",
    "DÉJÀ vu",
    '"vu ab"',
    "ab*",
    "x1",
    "été",
    "abc*",
    '"full dns"*',
]


query_strategy = st.recursive(
    st.sampled_from(TERMS),
    lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda t: f"{t[0]} {t[1]}"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]} AND {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"({t[0]} OR {t[1]})"),
        inner.map(lambda t: f"NOT ({t})"),
        inner.map(lambda t: f"-({t})"),
    ),
    max_leaves=5,
)


async def _load(db: Database, cases: list[dict[str, Any]]) -> tuple[str, list[CaseRecord]]:
    """A fresh organisation holding the cases; their records as the evaluator sees them."""
    org = str(uuid.uuid4())
    users = [str(uuid.uuid4()), str(uuid.uuid4())]
    projects = [str(uuid.uuid4()), str(uuid.uuid4())]
    records = []
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO orgs (id, name, created_at, case_seq) VALUES ($1, $2, $3, 0)",
            org,
            org,
            BASE,
        )
        for i, u in enumerate(users):
            await conn.execute(
                "INSERT INTO users (org_id, id, email, name, handle, active, created_at)"
                " VALUES ($1, $2, $3, '', $4, TRUE, $5)",
                org,
                u,
                f"u{i}@x.test",
                f"u{i}",
                BASE,
            )
        for i, p in enumerate(projects):
            await conn.execute(
                "INSERT INTO projects (org_id, id, key, name, created_at, created_by,"
                " enabled_custom_case_types, case_seq) VALUES ($1, $2, $3, 'p', $4, $5, '[]', 0)",
                org,
                p,
                "PA" if i == 0 else "PB",
                BASE,
                users[0],
            )
        for n, c in enumerate(cases, start=1):
            case_id = str(uuid.uuid4())
            key = f"{'PA' if c['project'] == 0 else 'PB'}-{n}"
            created = BASE + c["created"] * 3_600_000_000
            modified = None if c["modified"] is None else created + c["modified"] * 3_600_000_000
            custom: dict[str, Any] = {}
            if c["n"] is not None:
                custom["n"] = {"type": "NUMBER", "is_multi": False, "value": c["n"]}
            if c["tags"] is not None:
                custom["tags"] = {"type": "TEXT", "is_multi": True, "value": c["tags"]}
            assignee = None if c["assignee"] is None else users[c["assignee"]]
            await conn.execute(
                case_sql.INSERT,
                case_id,
                projects[c["project"]],
                n,
                key,
                n,
                c["type"],
                c["title"],
                c["description"],
                c["priority"],
                c["status"],
                "Open",
                json.dumps(c["attributes"]),
                json.dumps(custom),
                "MANUAL",
                assignee,
                users[c["creator"]],
                None,
                created,
                modified,
                None,
                created if c["archived"] else None,
                None,
                None,
                0,
                len(c["insights"]),
                None,  # tickets
                org,
            )
            keys = {key}
            await conn.execute(case_sql.INSERT_KEY, org, key, case_id)
            if c["old_key"]:
                keys.add(f"OLD-{n}")
                await conn.execute(case_sql.INSERT_KEY, org, f"OLD-{n}", case_id)
            for pos, (type_, resource, ref) in enumerate(c["insights"]):
                await conn.execute(
                    "INSERT INTO case_insights (org_id, case_id, type, resource_id, ref,"
                    " position, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    org,
                    case_id,
                    type_,
                    resource,
                    ref,
                    pos,
                    created,
                    users[0],
                )
            title, attributes = c["title"], c["attributes"]
            if c["edit"] is not None:  # exercise the update triggers
                title, value = c["edit"]
                attributes = {**attributes, "team": [value]}
                await conn.execute(
                    "UPDATE cases SET title = $3, attributes = $4 WHERE org_id = $1 AND id = $2",
                    org,
                    case_id,
                    title,
                    json.dumps(attributes),
                )
            fields = {
                f"a:{k}": [FieldValue(v[:200].lower(), None) for v in vs]
                for k, vs in attributes.items()
            }
            if c["n"] is not None:
                fields["c:n"] = [FieldValue(None, float(c["n"]))]
            if c["tags"] is not None:
                fields["c:tags"] = [FieldValue(v[:200].lower(), None) for v in c["tags"]]
            records.append(
                CaseRecord(
                    id=case_id,
                    status=c["status"],
                    priority=c["priority"],
                    project_id=projects[c["project"]],
                    type_id=c["type"],
                    assignee_id=assignee,
                    created_by=users[c["creator"]],
                    archived=c["archived"],
                    keys=frozenset(keys),
                    created_at=created,
                    modified_at=modified or created,
                    title=title,
                    description=c["description"],
                    fields=fields,
                    insights=[InsightRecord(t, r, f) for t, r, f in c["insights"]],
                )
            )
    return org, records


async def _select(db: Database, org: str, text: str, engine: str) -> tuple[set[str], Any]:
    async with db.snapshot() as conn:
        compiled = await compile_query(conn, org_id=org, text=text, engine=engine, now=NOW)
        rows = await conn.fetch(
            f"SELECT c.id FROM cases c WHERE c.org_id = $1 AND {compiled.where}", *compiled.args
        )
        count = await conn.fetchval(
            f"SELECT count(*) FROM cases c WHERE c.org_id = $1 AND {compiled.where}",
            *compiled.args,
        )
        # The same plan, every full-text term written for walking cases in order (SQLite
        # chooses that form for words matching many cases): the same cases.
        common = frozenset(compiled.fts_queries)
        where, args, _ = to_sql(compiled.plan, engine=engine, org_id=org, common=common)
        walked = await conn.fetch(
            f"SELECT c.id FROM cases c WHERE c.org_id = $1 AND {where}", *args
        )
        shortcut = text_only_count(compiled.plan, engine=engine, org_id=org)
        if shortcut is not None:  # a query of free text only, counted on the index alone
            assert await conn.fetchval(*[shortcut[0], *shortcut[1]]) == len(rows)
    assert count == len(rows)
    assert {str(r["id"]) for r in walked} == {str(r["id"]) for r in rows}
    return {str(r["id"]) for r in rows}, compiled.plan


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    cases=st.lists(case_strategy, max_size=8),
    queries=st.lists(query_strategy, min_size=1, max_size=4),
)
def test_sql_matches_the_evaluator(
    engine: Engine, cases: list[dict[str, Any]], queries: list[str]
) -> None:
    org, records = engine.run(_load(engine.db, cases))
    for text in queries:
        try:
            got, plan = engine.run(_select(engine.db, org, text, engine.name))
        except QueryError as err:  # only a field no case of this org has can fail
            assert "unknown" in err.detail, (text, err.detail)
            continue
        expected = {r.id for r in records if matches(plan, r)}
        assert got == expected, (text, plan)


def test_every_term_resolves(engine: Engine) -> None:
    """The terms above all parse and resolve (so the property never just skips them)."""
    case = {
        "status": 0,
        "priority": 1,
        "project": 0,
        "type": STANDARD,
        "assignee": 0,
        "creator": 0,
        "archived": False,
        "old_key": True,
        "created": 0,
        "modified": None,
        "title": "disk",
        "description": "",
        "attributes": {"service": ["api"], "team": ["a"]},
        "n": 1,
        "tags": ["db"],
        "insights": [],
        "edit": None,
    }
    org, _ = engine.run(_load(engine.db, [case]))
    for term in TERMS:
        engine.run(_select(engine.db, org, term, engine.name))

"""The case record: every case creation writes one `case.created` event, in the transaction that
creates the case; a refused creation writes none. Checked by reading the database directly."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import (
    STANDARD_TYPE,
    Client,
    Keys,
    Server,
    case_body,
    dispose_server,
    make_server,
)

_PARAM = re.compile(r"\$(\d+)")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def query(server: Server, sql: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of a query (PostgreSQL `$n` placeholders) run on the server's own database."""
    if server.engine == "sqlite":
        conn = sqlite3.connect(server.database_url.removeprefix("sqlite:///"), timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(_PARAM.sub(r"?\1", sql), args).fetchall()]
        finally:
            conn.close()

    async def run() -> list[dict[str, Any]]:
        import asyncpg

        conn = await asyncpg.connect(server.database_url)
        try:
            return [dict(r) for r in await conn.fetch(sql, *args)]
        finally:
            await conn.close()

    return asyncio.run(run())


def execute(server: Server, sql: str) -> None:
    """Run a statement (DDL) on the server's database."""
    if server.engine == "sqlite":
        conn = sqlite3.connect(server.database_url.removeprefix("sqlite:///"), timeout=30)
        try:
            conn.executescript(sql)
        finally:
            conn.close()
        return

    async def run() -> None:
        import asyncpg

        conn = await asyncpg.connect(server.database_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def micros(value: Any) -> int:
    """A stored timestamp (SQLite integer µs, PostgreSQL datetime) as µs since the epoch."""
    if isinstance(value, datetime):
        return (value - _EPOCH) // timedelta(microseconds=1)
    return int(value)


def rfc3339_micros(text: str) -> int:
    return micros(datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC))


def events_of(server: Server, case_id: str) -> list[dict[str, Any]]:
    rows = query(
        server,
        "SELECT org_id, case_id, id, created_at, actor_id, action, details FROM case_events"
        " WHERE case_id = $1 ORDER BY created_at, id",
        uuid.UUID(case_id) if server.engine == "postgresql" else case_id,
    )
    for row in rows:
        for col in ("org_id", "case_id", "id", "actor_id"):
            row[col] = str(row[col])
        row["details"] = json.loads(row["details"])
    return rows


def event_count(server: Server) -> int:
    return int(query(server, "SELECT count(*) AS n FROM case_events")[0]["n"])


def case_count(server: Server) -> int:
    return int(query(server, "SELECT count(*) AS n FROM cases")[0]["n"])


# --------------------------------------------------------------------------- creation


def test_creation_writes_one_event(
    server: Server, api: Client, keys: Keys, project: dict[str, Any]
) -> None:
    case = api.new_case(project["id"], "Recorded", description="why", priority="P2")
    (event,) = events_of(server, case["id"])
    assert event["action"] == "case.created"
    assert event["actor_id"] == keys.user_id
    assert event["org_id"] == keys.org_id
    assert event["case_id"] == case["id"]
    uuid.UUID(event["id"])
    assert micros(event["created_at"]) == rfc3339_micros(case["attributes"]["created_at"])
    assert event["details"] == {
        "key": case["attributes"]["key"],
        "title": "Recorded",
        "priority": 2,
        "status_name": "Open",
        "type_id": STANDARD_TYPE,
        "assignee_id": None,
    }


def test_actor_is_the_creating_user(server: Server, project: dict[str, Any]) -> None:
    bob = server.create_keys("acme", "bob@acme.test")
    erin = server.create_keys("acme", "erin@acme.test")
    body = case_body(project["id"], "By Bob", status_name="Closed")
    body["data"]["relationships"]["assignee"] = {"data": {"id": erin.user_id, "type": "user"}}
    r = server.client(bob).post("/api/v2/cases", json=body)
    assert r.status_code == 201, r.text
    (event,) = events_of(server, r.json()["data"]["id"])
    assert event["action"] == "case.created"
    assert event["actor_id"] == bob.user_id
    assert event["details"]["assignee_id"] == erin.user_id
    assert event["details"]["status_name"] == "Closed"


def test_every_case_has_exactly_one_created_event(
    server: Server, api: Client, project: dict[str, Any]
) -> None:
    for i in range(5):
        api.new_case(project["id"], f"batch {i}")
    rows = query(
        server,
        "SELECT c.id, (SELECT count(*) FROM case_events e WHERE e.org_id = c.org_id"
        " AND e.case_id = c.id AND e.action = 'case.created') AS n FROM cases c",
    )
    assert len(rows) >= 5
    assert {int(r["n"]) for r in rows} == {1}, [r for r in rows if int(r["n"]) != 1]


def test_concurrent_creations_one_event_each(
    server: Server, keys: Keys, project: dict[str, Any]
) -> None:
    def create(i: int) -> str:
        r = server.client(keys).post("/api/v2/cases", json=case_body(project["id"], f"c{i}"))
        assert r.status_code == 201, r.text
        return str(r.json()["data"]["id"])

    with ThreadPoolExecutor(20) as pool:
        ids = list(pool.map(create, range(20)))
    for case_id in ids:
        events = events_of(server, case_id)
        assert [e["action"] for e in events] == ["case.created"], events
        assert events[0]["actor_id"] == keys.user_id


# --------------------------------------------------------------------------- refusals


def _refusals(project_id: str, other_user: str) -> list[tuple[int, dict[str, Any]]]:
    def body(**attrs: Any) -> dict[str, Any]:
        return case_body(project_id, **attrs)

    unknown_project = case_body(str(uuid.uuid4()))
    wrong_type = body()
    wrong_type["data"]["type"] = "project"
    foreign_assignee = body()
    foreign_assignee["data"]["relationships"]["assignee"] = {
        "data": {"id": other_user, "type": "user"}
    }
    return [
        (400, body(title="   ")),
        (400, body(title="x" * 501)),
        (400, body(priority="P1234")),
        (400, body(status_name="Whatever")),
        (400, wrong_type),
        (404, unknown_project),
        (404, body(type_id=str(uuid.uuid4()))),
        (404, foreign_assignee),
    ]


def test_refused_creations_write_nothing(
    server: Server, api: Client, project: dict[str, Any]
) -> None:
    gina = server.create_keys("globex", "gina@globex.test")
    events, cases = event_count(server), case_count(server)
    for status, body in _refusals(project["id"], gina.user_id):
        r = api.post("/api/v2/cases", json=body)
        assert r.status_code == status, (body, r.text)
    assert event_count(server) == events
    assert case_count(server) == cases
    r = server.client(None).post("/api/v2/cases", json=case_body(project["id"]))
    assert r.status_code == 401
    assert event_count(server) == events


# --------------------------------------------------------------------------- atomicity


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def poisoned(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """A dedicated server whose database refuses to record the creation of a case titled
    "poison": the event insert fails after the case row was written."""
    srv = make_server(request.param, tmp_path)
    try:
        srv.start()
        if srv.engine == "sqlite":
            execute(
                srv,
                "CREATE TRIGGER poison BEFORE INSERT ON case_events"
                " WHEN json_extract(NEW.details, '$.title') = 'poison'"
                " BEGIN SELECT RAISE(ABORT, 'poisoned event'); END;",
            )
        else:
            execute(
                srv,
                """
                CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.details->>'title' = 'poison' THEN
                        RAISE EXCEPTION 'poisoned event';
                    END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER poison BEFORE INSERT ON case_events
                    FOR EACH ROW EXECUTE FUNCTION poison();
                """,
            )
        yield srv
    finally:
        dispose_server(srv)  # its log holds the expected traceback of the poisoned insert


def test_event_and_case_commit_together(poisoned: Server) -> None:
    server = poisoned
    keys = server.create_keys("acme", "alice@acme.test")
    client = server.client(keys)
    project = client.new_project()
    key = project["attributes"]["key"]
    first = client.new_case(project["id"], "healthy")
    assert first["attributes"]["key"] == f"{key}-1"

    r = client.post("/api/v2/cases", json=case_body(project["id"], "poison"))
    assert r.status_code == 500, r.text
    assert "poisoned event" in server.log_text()  # it failed where the test meant it to
    # The case row written before the event was rolled back with it, numbers included.
    assert case_count(server) == 1
    assert event_count(server) == 1
    assert not query(server, "SELECT id FROM cases WHERE title = 'poison'")
    assert not query(server, "SELECT key FROM case_keys WHERE key = $1", f"{key}-2")
    nxt = client.new_case(project["id"], "after")["attributes"]
    assert (nxt["key"], nxt["public_id"]) == (f"{key}-2", "2")
    assert (
        client.get("/api/v2/cases", params={"filter": f"project:{key}"}).json()["meta"][
            "total_cases"
        ]
        == 2
    )

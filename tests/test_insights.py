"""PUT and DELETE /api/v2/cases/{case_id}/insights (AddCaseInsights, RemoveCaseInsights).

An insight's identity within a case is (type, resource_id); `ref` is its link and may change.
Insights list in the order they were first added. Only an effective change moves
`modified_at`/`modified_by` and writes one event ("insights.added" / "insights.removed") to
the case's record, which these tests read straight from the database.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from conftest import Client, Keys, Server

from opencase.core.db import _init_pg_connection

TYPES = [
    "SECURITY_SIGNAL",
    "MONITOR",
    "EVENT_CORRELATION",
    "ERROR_TRACKING",
    "CLOUD_COST_RECOMMENDATION",
    "INCIDENT",
    "SENSITIVE_DATA_SCANNER_ISSUE",
    "EVENT",
    "WATCHDOG_STORY",
    "WIDGET",
    "SECURITY_FINDING",
    "INSIGHT_SCORECARD_CAMPAIGN",
    "RESOURCE_POLICY",
    "APM_RECOMMENDATION",
    "SCM_URL",
    "PROFILING_DOWNSIZING_EXPERIMENT",
]
NOT_FOUND = {"errors": [{"status": "404", "code": "resource_not_found", "title": "case not found"}]}


# --------------------------------------------------------------------------- helpers


def ins(type_: str, resource_id: str, ref: str | None = None) -> dict[str, str]:
    """One insight as the API spells it."""
    return {
        "type": type_,
        "ref": ref if ref is not None else f"/r/{resource_id}",
        "resource_id": resource_id,
    }


def body(insights: Any) -> dict[str, Any]:
    return {"data": {"type": "case", "attributes": {"insights": insights}}}


def path(case_ref: str) -> str:
    return f"/api/v2/cases/{case_ref}/insights"


def put(api: Client, case_ref: str, insights: Any) -> requests.Response:
    return api.put(path(case_ref), json=body(insights))


def delete(api: Client, case_ref: str, insights: Any) -> requests.Response:
    return api.delete(path(case_ref), json=body(insights))


def ok(r: requests.Response) -> dict[str, Any]:
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def get_case(api: Client, case_ref: str) -> dict[str, Any]:
    return ok(api.get(f"/api/v2/cases/{case_ref}"))


def insights_of(api: Client, case_ref: str) -> list[dict[str, str]]:
    listed: list[dict[str, str]] = get_case(api, case_ref)["attributes"]["insights"]
    return listed


def db_fetch(server: Server, query: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of a query (PostgreSQL `$n` placeholders) run straight on the server's database.

    Timestamps come back as integer microseconds and UUIDs as text on both engines.
    """
    if server.engine == "sqlite":
        conn = sqlite3.connect(server.database_url.removeprefix("sqlite:///"), timeout=30)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(r) for r in conn.execute(re.sub(r"\$(\d+)", r"?\1", query), args)]
        finally:
            conn.close()

    async def run() -> list[dict[str, Any]]:
        import asyncpg

        conn = await asyncpg.connect(server.database_url)
        try:
            await _init_pg_connection(conn)
            return [dict(r) for r in await conn.fetch(query, *args)]
        finally:
            await conn.close()

    return asyncio.run(run())


def insight_events(server: Server, case_id: str) -> list[dict[str, Any]]:
    """The case's insight events, oldest first, with `details` decoded."""
    rows = db_fetch(
        server,
        "SELECT created_at, actor_id, action, details FROM case_events"
        " WHERE case_id = $1 AND action LIKE 'insights.%' ORDER BY created_at",
        case_id,
    )
    for row in rows:
        row["details"] = json.loads(row["details"])
    return rows


def stored_counts(server: Server, case_id: str) -> tuple[int, int]:
    """(cases.insight_count, number of case_insights rows) of a case."""
    counter = db_fetch(server, "SELECT insight_count FROM cases WHERE id = $1", case_id)
    rows = db_fetch(server, "SELECT count(*) AS n FROM case_insights WHERE case_id = $1", case_id)
    return counter[0]["insight_count"], rows[0]["n"]


def snapshot(server: Server, api: Client, case_id: str) -> tuple[Any, ...]:
    """Everything insight requests could change: the case as read, its counters, its events."""
    return get_case(api, case_id), stored_counts(server, case_id), insight_events(server, case_id)


@pytest.fixture
def case(api: Client, project: dict[str, Any]) -> dict[str, Any]:
    """A fresh case of `acme`, with no insights."""
    return api.new_case(project["id"], "Insight target")


@pytest.fixture(scope="session")
def bob_api(server: Server) -> Client:
    """A second full-scope user of `acme`."""
    return server.client(server.create_keys("acme", "bob@acme.test"))


# --------------------------------------------------------------------------- the documented call


def test_documented_example_verbatim(
    server: Server, keys: Keys, api: Client, case: dict[str, Any]
) -> None:
    """Datadog's example request for "Add insights to a case", byte for byte."""
    payload = (
        '{"data":{"attributes":{"insights":[{"ref":"/monitors/12345?q=total",'
        '"resource_id":"12345","type":"SECURITY_SIGNAL"}]},"type":"case"}}'
    )
    r = requests.put(
        f"{server.base_url}/api/v2/cases/{case['id']}/insights",
        headers={
            "Accept": "application/json",
            "Content-Type": "application/json",
            "DD-API-KEY": keys.api_key,
            "DD-APPLICATION-KEY": keys.app_key,
        },
        data=payload,
        timeout=30,
    )
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/vnd.api+json")
    doc = r.json()
    the_insight = {
        "type": "SECURITY_SIGNAL",
        "ref": "/monitors/12345?q=total",
        "resource_id": "12345",
    }
    data = doc["data"]
    assert data["id"] == case["id"]
    assert data["type"] == "case"
    attrs = data["attributes"]
    assert attrs["insights"] == [the_insight]
    # The whole case comes back, not just the insights.
    for name in ("title", "key", "status", "status_name", "priority", "created_at", "modified_at"):
        assert name in attrs, name
    assert attrs["title"] == "Insight target"
    assert attrs["key"] == case["attributes"]["key"]
    assert data["relationships"]["modified_by"]["data"]["id"] == keys.user_id
    assert (
        data["relationships"]["project"]["data"]["id"]
        == case["relationships"]["project"]["data"]["id"]
    )
    assert any(u["id"] == keys.user_id for u in doc["included"])

    key = case["attributes"]["key"]
    for ref in (case["id"], key, key.lower()):
        got = get_case(api, ref)
        assert got["id"] == case["id"]
        assert got["attributes"]["insights"] == [the_insight]
        assert got["attributes"]["modified_at"] == attrs["modified_at"]


@pytest.mark.parametrize("which", ["key", "lower-case key"])
def test_case_id_may_be_the_key(api: Client, case: dict[str, Any], which: str) -> None:
    key = case["attributes"]["key"]
    ref = key if which == "key" else key.lower()
    data = ok(put(api, ref, [ins("MONITOR", "m1")]))
    assert data["id"] == case["id"]
    assert data["attributes"]["insights"] == [ins("MONITOR", "m1")]
    assert insights_of(api, case["id"]) == [ins("MONITOR", "m1")]
    data = ok(delete(api, ref, [ins("MONITOR", "m1")]))
    assert data["id"] == case["id"]
    assert data["attributes"]["insights"] == []
    assert insights_of(api, key) == []


def test_new_case_has_no_insights(api: Client, case: dict[str, Any]) -> None:
    assert case["attributes"]["insights"] == []
    assert insights_of(api, case["id"]) == []


# --------------------------------------------------------------------------- types and order


def test_every_insight_type_is_accepted(api: Client, case: dict[str, Any]) -> None:
    assert len(TYPES) == 16
    items = [ins(t, f"id-{n}", f"/{t.lower()}/{n}") for n, t in enumerate(TYPES)]
    assert ok(put(api, case["id"], items))["attributes"]["insights"] == items
    assert insights_of(api, case["id"]) == items


@pytest.mark.parametrize("type_", TYPES)
def test_each_type_on_its_own(api: Client, case: dict[str, Any], type_: str) -> None:
    item = ins(type_, "42", f"/somewhere/42?type={type_}")
    assert ok(put(api, case["id"], [item]))["attributes"]["insights"] == [item]
    assert ok(delete(api, case["id"], [item]))["attributes"]["insights"] == []


def test_order_is_order_of_first_addition(api: Client, case: dict[str, Any]) -> None:
    a, b, c, d = (ins("MONITOR", "a"), ins("INCIDENT", "b"), ins("EVENT", "c"), ins("WIDGET", "d"))
    ok(put(api, case["id"], [a, b]))
    ok(put(api, case["id"], [c]))
    # Re-adding earlier ones (new refs, reversed order) neither moves them nor duplicates them;
    # a new one in the same request goes last.
    b2 = ins("INCIDENT", "b", "/incidents/b?v=2")
    a2 = ins("MONITOR", "a", "/monitors/a?v=2")
    listed = ok(put(api, case["id"], [d, b2, a2]))["attributes"]["insights"]
    assert listed == [a2, b2, c, d]
    assert insights_of(api, case["id"]) == [a2, b2, c, d]
    # Removing from the middle keeps the others' order; re-adding a removed one puts it last.
    ok(delete(api, case["id"], [b2]))
    assert insights_of(api, case["id"]) == [a2, c, d]
    assert ok(put(api, case["id"], [b]))["attributes"]["insights"] == [a2, c, d, b]


def test_order_within_one_request_is_kept(api: Client, case: dict[str, Any]) -> None:
    items = [ins(TYPES[n % 16], f"{(n * 37) % 101}") for n in range(50)]
    assert ok(put(api, case["id"], items))["attributes"]["insights"] == items
    assert insights_of(api, case["id"]) == items


def test_a_thousand_insights_are_all_returned_in_order(api: Client, case: dict[str, Any]) -> None:
    every = [ins(TYPES[n % 16], f"r{999 - n}", f"/x/{n}") for n in range(1000)]
    for start in range(0, 1000, 100):
        ok(put(api, case["id"], every[start : start + 100]))
    assert insights_of(api, case["id"]) == every
    assert insights_of(api, case["attributes"]["key"]) == every
    # Search returns the same list for the case.
    r = api.get(
        "/api/v2/cases",
        params={"filter": f"project:{case['relationships']['project']['data']['id']}"},
    )
    assert r.status_code == 200, r.text
    [found] = [c for c in r.json()["data"] if c["id"] == case["id"]]
    assert found["attributes"]["insights"] == every


def test_insights_belong_to_their_case(api: Client, project: dict[str, Any]) -> None:
    one = api.new_case(project["id"], "one")
    two = api.new_case(project["id"], "two")
    ok(put(api, one["id"], [ins("MONITOR", "1")]))
    ok(put(api, two["id"], [ins("MONITOR", "1", "/other"), ins("EVENT", "2")]))
    assert insights_of(api, one["id"]) == [ins("MONITOR", "1")]
    ok(delete(api, two["id"], [ins("MONITOR", "1")]))
    assert insights_of(api, one["id"]) == [ins("MONITOR", "1")]
    assert insights_of(api, two["id"]) == [ins("EVENT", "2")]


def test_values_are_kept_exactly(api: Client, case: dict[str, Any]) -> None:
    items = [
        ins("SCM_URL", "ABC"),
        ins("SCM_URL", "abc"),  # resource ids are case-sensitive
        ins("EVENT", " spaced id ", "/events?q=a b&c=%20"),
        ins("WIDGET", "ü-✓-🙂", "/dashboards/ü?x=✓"),
        ins("MONITOR", "x" * 512, "/" + "r" * 2047),  # both at their maximum length
    ]
    assert ok(put(api, case["id"], items))["attributes"]["insights"] == items
    assert insights_of(api, case["id"]) == items


# --------------------------------------------------------------------------- identity


def test_re_adding_updates_ref_without_duplicating(
    server: Server, api: Client, case: dict[str, Any]
) -> None:
    ok(put(api, case["id"], [ins("MONITOR", "7", "/monitors/7?v=1")]))
    listed = ok(put(api, case["id"], [ins("MONITOR", "7", "/monitors/7?v=2")]))["attributes"]
    assert listed["insights"] == [ins("MONITOR", "7", "/monitors/7?v=2")]
    assert insights_of(api, case["id"]) == [ins("MONITOR", "7", "/monitors/7?v=2")]
    assert stored_counts(server, case["id"]) == (1, 1)


def test_same_resource_id_with_another_type_is_another_insight(
    server: Server, api: Client, case: dict[str, Any]
) -> None:
    ok(put(api, case["id"], [ins("MONITOR", "99")]))
    ok(put(api, case["id"], [ins("INCIDENT", "99")]))
    assert insights_of(api, case["id"]) == [ins("MONITOR", "99"), ins("INCIDENT", "99")]
    # Removing one type leaves the other.
    ok(delete(api, case["id"], [ins("MONITOR", "99")]))
    assert insights_of(api, case["id"]) == [ins("INCIDENT", "99")]
    assert stored_counts(server, case["id"]) == (1, 1)


def test_duplicates_in_one_request_collapse_last_ref_wins(
    server: Server, api: Client, case: dict[str, Any]
) -> None:
    items = [
        ins("MONITOR", "1", "/first"),
        ins("EVENT", "2"),
        ins("MONITOR", "1", "/second"),
        ins("MONITOR", "1", "/third"),
    ]
    listed = ok(put(api, case["id"], items))["attributes"]["insights"]
    assert listed == [ins("MONITOR", "1", "/third"), ins("EVENT", "2")]
    assert insights_of(api, case["id"]) == listed
    assert stored_counts(server, case["id"]) == (2, 2)
    [event] = insight_events(server, case["id"])
    assert event["details"]["added"] == [
        {"type": "MONITOR", "resource_id": "1", "ref": "/third"},
        {"type": "EVENT", "resource_id": "2", "ref": "/r/2"},
    ]
    # A request of nothing but one insight repeated 100 times stores it once.
    ok(put(api, case["id"], [ins("WIDGET", "w", f"/w/{n}") for n in range(100)]))
    assert insights_of(api, case["id"])[-1] == ins("WIDGET", "w", "/w/99")
    assert stored_counts(server, case["id"]) == (3, 3)


def test_delete_matches_by_type_and_resource_id_whatever_the_ref(
    server: Server, api: Client, case: dict[str, Any]
) -> None:
    ok(put(api, case["id"], [ins("MONITOR", "1", "/m/1"), ins("EVENT", "1"), ins("MONITOR", "2")]))
    listed = ok(delete(api, case["id"], [ins("MONITOR", "1", "/totally/different")]))
    assert listed["attributes"]["insights"] == [ins("EVENT", "1"), ins("MONITOR", "2")]
    assert stored_counts(server, case["id"]) == (2, 2)
    [_, removed] = insight_events(server, case["id"])
    assert removed["action"] == "insights.removed"
    # The event records what was removed, with the stored ref.
    assert removed["details"] == {
        "removed": [{"type": "MONITOR", "resource_id": "1", "ref": "/m/1"}]
    }


def test_removing_absent_insights_is_not_an_error(
    server: Server, api: Client, case: dict[str, Any]
) -> None:
    # From a case that has none at all.
    assert ok(delete(api, case["id"], [ins("MONITOR", "nope")]))["attributes"]["insights"] == []
    ok(put(api, case["id"], [ins("MONITOR", "1"), ins("MONITOR", "2")]))
    # Same resource id, other type; and an unknown one: nothing goes.
    listed = ok(delete(api, case["id"], [ins("INCIDENT", "1"), ins("MONITOR", "3")]))
    assert listed["attributes"]["insights"] == [ins("MONITOR", "1"), ins("MONITOR", "2")]
    # Present and absent together: the present one goes, the request succeeds.
    listed = ok(
        delete(api, case["id"], [ins("MONITOR", "3"), ins("MONITOR", "2"), ins("MONITOR", "2")])
    )
    assert listed["attributes"]["insights"] == [ins("MONITOR", "1")]
    # Removing it twice is fine too.
    ok(delete(api, case["id"], [ins("MONITOR", "1")]))
    assert ok(delete(api, case["id"], [ins("MONITOR", "1")]))["attributes"]["insights"] == []
    assert stored_counts(server, case["id"]) == (0, 0)


# --------------------------------------------------------------------------- modified_at, events


def test_changes_move_modified_at_and_are_recorded(
    server: Server, keys: Keys, api: Client, bob_api: Client, case: dict[str, Any]
) -> None:
    case_id = case["id"]
    assert "modified_at" not in case["attributes"]
    assert insight_events(server, case_id) == []

    # 1. alice adds two.
    first = ok(put(api, case_id, [ins("MONITOR", "1"), ins("EVENT", "2")]))
    t1 = first["attributes"]["modified_at"]
    assert t1 >= first["attributes"]["created_at"]
    assert first["relationships"]["modified_by"]["data"]["id"] == keys.user_id
    events = insight_events(server, case_id)
    assert [e["action"] for e in events] == ["insights.added"]
    assert events[0]["actor_id"] == keys.user_id
    assert events[0]["details"] == {
        "added": [
            {"type": "MONITOR", "resource_id": "1", "ref": "/r/1"},
            {"type": "EVENT", "resource_id": "2", "ref": "/r/2"},
        ],
        "updated": [],
    }

    # 2. The same again: no change, no event, modified_at and modified_by as they were.
    same = ok(put(bob_api, case_id, [ins("EVENT", "2"), ins("MONITOR", "1")]))
    assert same["attributes"]["modified_at"] == t1
    assert same["relationships"]["modified_by"]["data"]["id"] == keys.user_id
    assert same["attributes"]["insights"] == [ins("MONITOR", "1"), ins("EVENT", "2")]
    assert len(insight_events(server, case_id)) == 1

    # 3. bob changes one ref and adds one: one event, modified_* move to bob.
    bob = ok(
        put(
            bob_api,
            case_id,
            [ins("EVENT", "2", "/events/2"), ins("WIDGET", "3"), ins("MONITOR", "1")],
        )
    )
    t3 = bob["attributes"]["modified_at"]
    assert t3 > t1
    bob_user = bob["relationships"]["modified_by"]["data"]["id"]
    assert bob_user != keys.user_id
    assert any(u["id"] == bob_user for u in included_users(bob_api, case_id))
    events = insight_events(server, case_id)
    assert [e["action"] for e in events] == ["insights.added", "insights.added"]
    assert events[1]["actor_id"] == bob_user
    assert events[1]["details"] == {
        "added": [{"type": "WIDGET", "resource_id": "3", "ref": "/r/3"}],
        "updated": [{"type": "EVENT", "resource_id": "2", "ref": "/events/2"}],
    }

    # 4. A ref change alone is a change.
    upd = ok(put(api, case_id, [ins("WIDGET", "3", "/widgets/3")]))
    t4 = upd["attributes"]["modified_at"]
    assert t4 > t3
    assert upd["relationships"]["modified_by"]["data"]["id"] == keys.user_id
    events = insight_events(server, case_id)
    assert len(events) == 3
    assert events[2]["details"] == {
        "added": [],
        "updated": [{"type": "WIDGET", "resource_id": "3", "ref": "/widgets/3"}],
    }

    # 5. Removing absent ones: no change, no event.
    none = ok(delete(bob_api, case_id, [ins("WIDGET", "4"), ins("INCIDENT", "3")]))
    assert none["attributes"]["modified_at"] == t4
    assert none["relationships"]["modified_by"]["data"]["id"] == keys.user_id
    assert len(insight_events(server, case_id)) == 3

    # 6. bob removes two (one absent alongside): one event listing what went.
    gone = ok(
        delete(
            bob_api,
            case_id,
            [ins("MONITOR", "1", "/ignored"), ins("WIDGET", "3"), ins("EVENT", "9")],
        )
    )
    t6 = gone["attributes"]["modified_at"]
    assert t6 > t4
    assert gone["relationships"]["modified_by"]["data"]["id"] == bob_user
    assert gone["attributes"]["insights"] == [ins("EVENT", "2", "/events/2")]
    events = insight_events(server, case_id)
    assert [e["action"] for e in events] == ["insights.added"] * 3 + ["insights.removed"]
    assert events[3]["actor_id"] == bob_user
    # What went is listed sorted (type, resource_id, ref), on both engines.
    assert events[3]["details"]["removed"] == [
        {"type": "MONITOR", "resource_id": "1", "ref": "/r/1"},
        {"type": "WIDGET", "resource_id": "3", "ref": "/widgets/3"},
    ]

    # The case as read agrees with the last response; events carry the change times.
    final = get_case(api, case_id)
    assert final["attributes"]["modified_at"] == t6
    assert final["relationships"]["modified_by"]["data"]["id"] == bob_user
    times = [e["created_at"] for e in events]
    assert times == sorted(set(times))
    assert stored_counts(server, case_id) == (1, 1)


def included_users(api: Client, case_id: str) -> list[dict[str, Any]]:
    r = api.get(f"/api/v2/cases/{case_id}")
    assert r.status_code == 200, r.text
    included: list[dict[str, Any]] = r.json()["included"]
    return included


def test_event_times_match_modified_at(server: Server, api: Client, case: dict[str, Any]) -> None:
    """Each event's time is the modified_at its request returned."""
    seen = []
    for n in range(5):
        seen.append(ok(put(api, case["id"], [ins("EVENT", str(n))]))["attributes"]["modified_at"])
        seen.append(
            ok(delete(api, case["id"], [ins("EVENT", str(n))]))["attributes"]["modified_at"]
        )
    assert len(set(seen)) == 10
    assert seen == sorted(seen)
    events = insight_events(server, case["id"])
    assert [e["action"] for e in events] == ["insights.added", "insights.removed"] * 5
    as_text = [
        datetime.fromtimestamp(e["created_at"] / 1_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        for e in events
    ]
    assert as_text == [s[:19] for s in seen]
    assert [e["created_at"] % 1_000_000 for e in events] == [int(s[20:26]) for s in seen]


# --------------------------------------------------------------------------- validation

LONG_REF = "/" + "r" * 2048  # 2049 characters
LONG_ID = "x" * 513


def _items_with(n: int, bad: Any) -> list[Any]:
    """Valid insights with `bad` at index n."""
    items: list[Any] = [ins("MONITOR", f"ok{i}") for i in range(5)]
    items[n] = bad
    return items


INVALID: list[tuple[str, Any, str]] = [
    ("no insights", body([]), "/data/attributes/insights"),
    (
        "101 insights",
        body([ins("MONITOR", str(n)) for n in range(101)]),
        "/data/attributes/insights",
    ),
    (
        "unknown type at index 3",
        body(_items_with(3, ins("NOT_A_TYPE", "x"))),
        "/data/attributes/insights/3/type",
    ),
    ("lower-case type", body([ins("monitor", "x")]), "/data/attributes/insights/0/type"),
    (
        "type not a string",
        body([{"type": 1, "ref": "/r", "resource_id": "1"}]),
        "/data/attributes/insights/0/type",
    ),
    ("empty ref", body(_items_with(2, ins("MONITOR", "x", ""))), "/data/attributes/insights/2/ref"),
    ("empty resource_id", body([ins("MONITOR", "")]), "/data/attributes/insights/0/resource_id"),
    ("ref too long", body([ins("MONITOR", "x", LONG_REF)]), "/data/attributes/insights/0/ref"),
    (
        "resource_id too long",
        body(_items_with(4, ins("MONITOR", LONG_ID))),
        "/data/attributes/insights/4/resource_id",
    ),
    (
        "ref null",
        body([{"type": "MONITOR", "ref": None, "resource_id": "1"}]),
        "/data/attributes/insights/0/ref",
    ),
    (
        "resource_id a number",
        body([{"type": "MONITOR", "ref": "/r", "resource_id": 1}]),
        "/data/attributes/insights/0/resource_id",
    ),
    ("NUL in ref", body([ins("MONITOR", "x", "/a\u0000b")]), "/data/attributes/insights/0/ref"),
    (
        "NUL in resource_id",
        body(_items_with(2, ins("MONITOR", "x\u0000", "/clean"))),
        "/data/attributes/insights/2/resource_id",
    ),
    ("missing type", body([{"ref": "/r", "resource_id": "1"}]), "/data/attributes/insights/0/type"),
    (
        "missing ref",
        body(_items_with(1, {"type": "MONITOR", "resource_id": "1"})),
        "/data/attributes/insights/1/ref",
    ),
    (
        "missing resource_id",
        body([{"type": "MONITOR", "ref": "/r"}]),
        "/data/attributes/insights/0/resource_id",
    ),
    ("missing insights", {"data": {"type": "case", "attributes": {}}}, "/data/attributes/insights"),
    ("insights null", body(None), "/data/attributes/insights"),
    ("insights an object", body(ins("MONITOR", "1")), "/data/attributes/insights"),
    ("missing attributes", {"data": {"type": "case"}}, "/data/attributes"),
    ("missing data", {}, "/data"),
    (
        "missing data.type",
        {"data": {"attributes": {"insights": [ins("MONITOR", "1")]}}},
        "/data/type",
    ),
    ("item a string", body(_items_with(3, "MONITOR")), "/data/attributes/insights/3"),
    ("item null", body([None]), "/data/attributes/insights/0"),
    ("item a list", body([["MONITOR", "/r", "1"]]), "/data/attributes/insights/0"),
    ("item a number", body([ins("MONITOR", "1"), 7]), "/data/attributes/insights/1"),
]


def _check_400(r: requests.Response, pointer: str | None) -> dict[str, Any]:
    assert r.status_code == 400, r.text
    assert r.headers["Content-Type"].startswith("application/vnd.api+json")
    errors = r.json()["errors"]
    assert isinstance(errors, list) and len(errors) == 1
    error: dict[str, Any] = errors[0]
    assert error["status"] == "400"
    assert error["title"] == "Bad Request"
    assert error.get("detail")
    if pointer is not None:
        assert error["source"] == {"pointer": pointer}, error
    return error


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.parametrize(("name", "payload", "pointer"), INVALID, ids=[i[0] for i in INVALID])
def test_invalid_requests_are_rejected_and_change_nothing(
    server: Server,
    api: Client,
    case: dict[str, Any],
    method: str,
    name: str,
    payload: Any,
    pointer: str,
) -> None:
    present = [ins("MONITOR", f"ok{i}", "/old") for i in range(5)]  # what valid items would touch
    ok(put(api, case["id"], present))
    before = snapshot(server, api, case["id"])
    r = api.request(method, path(case["id"]), json=payload)
    _check_400(r, pointer)
    assert snapshot(server, api, case["id"]) == before


def test_invalid_type_detail_lists_the_choices(api: Client, case: dict[str, Any]) -> None:
    error = _check_400(
        put(api, case["id"], _items_with(3, ins("NOT_A_TYPE", "x"))),
        "/data/attributes/insights/3/type",
    )
    assert "NOT_A_TYPE" in error["detail"]
    for t in TYPES:
        assert t in error["detail"]
    assert insights_of(api, case["id"]) == []


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_wrong_data_type(server: Server, api: Client, case: dict[str, Any], method: str) -> None:
    payload = {"data": {"type": "x", "attributes": {"insights": [ins("MONITOR", "1")]}}}
    error = _check_400(api.request(method, path(case["id"]), json=payload), "/data/type")
    assert error["detail"] == 'got type "x" expected one of "case"'
    assert insights_of(api, case["id"]) == []
    assert insight_events(server, case["id"]) == []


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.parametrize(
    "raw",
    [
        b'{"data": {"type": "case", "attributes": {"insights": [',
        b"{'data': 1}",
        b'{"data":{"type":"case","attributes":{"insights":[{"type":"MONITOR","ref":"/r","resource_id":"1"},]}}}',
        b"not json",
        b"\xff\xfe",
        b"",
    ],
    ids=["truncated", "single quotes", "trailing comma", "not json", "not utf-8", "empty"],
)
def test_malformed_json(
    server: Server, api: Client, case: dict[str, Any], method: str, raw: bytes
) -> None:
    ok(put(api, case["id"], [ins("MONITOR", "1")]))
    before = snapshot(server, api, case["id"])
    r = api.request(
        method, path(case["id"]), data=raw, headers={"Content-Type": "application/json"}
    )
    _check_400(r, None)
    assert snapshot(server, api, case["id"]) == before


def test_length_limits_are_inclusive(api: Client, case: dict[str, Any]) -> None:
    at_limit = ins("MONITOR", "y" * 512, "/" + "z" * 2047)
    assert len(at_limit["ref"]) == 2048
    ok(put(api, case["id"], [at_limit]))
    hundred = [ins("EVENT", str(n)) for n in range(100)]
    assert len(ok(put(api, case["id"], hundred))["attributes"]["insights"]) == 101
    assert len(ok(delete(api, case["id"], [*hundred[1:], at_limit]))["attributes"]["insights"]) == 1
    assert insights_of(api, case["id"]) == [hundred[0]]


# --------------------------------------------------------------------------- the per-case cap


def test_per_case_cap_of_ten_thousand(server: Server, api: Client, case: dict[str, Any]) -> None:
    case_id = case["id"]
    every = [ins(TYPES[n % 16], f"cap{n}", f"/c/{n}") for n in range(10_000)]
    for start in range(0, 9_900, 100):
        r = put(api, case_id, every[start : start + 100])
        assert r.status_code == 200, r.text
    ok(put(api, case_id, every[9_900:9_999]))
    assert stored_counts(server, case_id) == (9_999, 9_999)

    # Two new ones would make 10,001: refused whole, even the ref update beside them.
    before = snapshot(server, api, case_id)
    new = ins("MONITOR", "one-too-many")
    r = put(api, case_id, [ins(every[0]["type"], "cap0", "/changed"), every[9_999], new])
    error = _check_400(r, "/data/attributes/insights")
    assert "10000" in error["detail"]
    assert snapshot(server, api, case_id) == before

    # One new one plus a ref update fits exactly.
    ok(put(api, case_id, [every[9_999], ins(every[5]["type"], "cap5", "/c/5?v=2")]))
    assert stored_counts(server, case_id) == (10_000, 10_000)
    every[5] = ins(every[5]["type"], "cap5", "/c/5?v=2")

    # Full: a new one is refused, and nothing changes.
    before = snapshot(server, api, case_id)
    error = _check_400(put(api, case_id, [new]), "/data/attributes/insights")
    assert "10000" in error["detail"]
    assert snapshot(server, api, case_id) == before

    # Re-adding existing ones still works: same refs (no change) and new refs (an update).
    ok(put(api, case_id, every[:100]))
    assert snapshot(server, api, case_id) == before
    every[7] = ins(every[7]["type"], "cap7", "/c/7?v=2")
    data = ok(put(api, case_id, [every[7]]))
    assert data["attributes"]["insights"] == every

    # Removing one makes room for exactly one.
    ok(delete(api, case_id, [every[0]]))
    ok(put(api, case_id, [new]))
    _check_400(put(api, case_id, [ins("MONITOR", "and-another")]), "/data/attributes/insights")
    final = insights_of(api, case_id)
    assert final == [*every[1:], new]
    assert stored_counts(server, case_id) == (10_000, 10_000)


# --------------------------------------------------------------------------- which case, who


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.parametrize("ref", ["uuid", "key"])
def test_unknown_case_is_404(api: Client, method: str, ref: str) -> None:
    case_ref = str(uuid.uuid4()) if ref == "uuid" else "NOSUCHPROJ-1"
    r = api.request(method, path(case_ref), json=body([ins("MONITOR", "1")]))
    assert r.status_code == 404, r.text
    assert r.json() == NOT_FOUND


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_malformed_case_id_is_400(api: Client, method: str) -> None:
    r = api.request(method, path("not-a-case-id!"), json=body([ins("MONITOR", "1")]))
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["source"] == {"parameter": "case_id"}


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_other_organisations_case_is_404_and_unchanged(
    server: Server, api: Client, other_api: Client, case: dict[str, Any], method: str
) -> None:
    ok(put(api, case["id"], [ins("MONITOR", "1")]))
    before = snapshot(server, api, case["id"])
    for ref in (case["id"], case["attributes"]["key"]):
        for items in ([ins("MONITOR", "1")], [ins("MONITOR", "1", "/new")], [ins("EVENT", "2")]):
            r = other_api.request(method, path(ref), json=body(items))
            assert r.status_code == 404, r.text
            assert r.json() == NOT_FOUND
        assert other_api.get(f"/api/v2/cases/{ref}").status_code == 404
    assert snapshot(server, api, case["id"]) == before


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_read_only_key_is_403(
    server: Server, api: Client, readonly_api: Client, case: dict[str, Any], method: str
) -> None:
    ok(put(api, case["id"], [ins("MONITOR", "1")]))
    before = snapshot(server, api, case["id"])
    r = readonly_api.request(
        method, path(case["id"]), json=body([ins("MONITOR", "1", "/x"), ins("EVENT", "2")])
    )
    assert r.status_code == 403, r.text
    assert r.json()["errors"][0]["status"] == "403"
    assert snapshot(server, api, case["id"]) == before
    # It can still read the case and its insights.
    assert insights_of(readonly_api, case["id"]) == [ins("MONITOR", "1")]


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.parametrize("which", ["none", "api key only", "application key only", "wrong keys"])
def test_missing_or_bad_keys(
    server: Server, keys: Keys, api: Client, case: dict[str, Any], method: str, which: str
) -> None:
    ok(put(api, case["id"], [ins("MONITOR", "1")]))
    before = snapshot(server, api, case["id"])
    headers = {
        "none": {},
        "api key only": {"DD-API-KEY": keys.api_key},
        "application key only": {"DD-APPLICATION-KEY": keys.app_key},
        "wrong keys": {"DD-API-KEY": "0" * 32, "DD-APPLICATION-KEY": "1" * 40},
    }[which]
    r = requests.request(
        method,
        server.base_url + path(case["id"]),
        headers=headers,
        json=body([ins("MONITOR", "1", "/x"), ins("EVENT", "2")]),
        timeout=30,
    )
    assert r.status_code == (403 if which == "wrong keys" else 401), r.text
    assert snapshot(server, api, case["id"]) == before


# --------------------------------------------------------------------------- archived cases


def _archive(api: Client, case_id: str, action: str) -> dict[str, Any]:
    return ok(api.post(f"/api/v2/cases/{case_id}/{action}", json={"data": {"type": "case"}}))


def test_archived_case_refuses_insight_changes_until_unarchived(
    server: Server, api: Client, case: dict[str, Any]
) -> None:
    case_id = case["id"]
    ok(put(api, case_id, [ins("MONITOR", "1"), ins("EVENT", "2")]))
    assert "archived_at" in _archive(api, case_id, "archive")["attributes"]
    before = snapshot(server, api, case_id)
    attempts = [
        ("PUT", [ins("WIDGET", "3")]),  # a new one
        ("PUT", [ins("MONITOR", "1", "/changed")]),  # a ref update
        ("PUT", [ins("MONITOR", "1")]),  # no change at all
        ("DELETE", [ins("EVENT", "2")]),  # a present one
        ("DELETE", [ins("EVENT", "404")]),  # an absent one
    ]
    for method, items in attempts:
        for ref in (case_id, case["attributes"]["key"]):
            r = api.request(method, path(ref), json=body(items))
            error = _check_400(r, None)
            assert "archived" in error["detail"]
    assert snapshot(server, api, case_id) == before

    _archive(api, case_id, "unarchive")
    ok(put(api, case_id, [ins("WIDGET", "3"), ins("MONITOR", "1", "/changed")]))
    ok(delete(api, case_id, [ins("EVENT", "2")]))
    assert insights_of(api, case_id) == [ins("MONITOR", "1", "/changed"), ins("WIDGET", "3")]


# --------------------------------------------------------------------------- the official client


def test_official_client_round_trip(
    server: Server, keys: Keys, api: Client, case: dict[str, Any]
) -> None:
    from datadog_api_client import ApiClient, Configuration
    from datadog_api_client.v2.api.case_management_api import CaseManagementApi
    from datadog_api_client.v2.model.case_insight import CaseInsight
    from datadog_api_client.v2.model.case_insight_type import CaseInsightType
    from datadog_api_client.v2.model.case_insights_attributes import CaseInsightsAttributes
    from datadog_api_client.v2.model.case_insights_data import CaseInsightsData
    from datadog_api_client.v2.model.case_insights_request import CaseInsightsRequest
    from datadog_api_client.v2.model.case_resource_type import CaseResourceType

    configuration = Configuration(
        host=server.base_url,
        api_key={"apiKeyAuth": keys.api_key, "appKeyAuth": keys.app_key},
    )
    # Preview (x-unstable) in some client versions (2026-05 to 2026-07), stable in others.
    for op in ("v2.add_case_insights", "v2.remove_case_insights"):
        if op in configuration.unstable_operations.values:
            configuration.unstable_operations[op] = True

    def request(*items: tuple[CaseInsightType, str, str]) -> CaseInsightsRequest:
        return CaseInsightsRequest(
            data=CaseInsightsData(
                type=CaseResourceType.CASE,
                attributes=CaseInsightsAttributes(
                    insights=[
                        CaseInsight(type=t, ref=ref, resource_id=rid) for t, rid, ref in items
                    ]
                ),
            )
        )

    with ApiClient(configuration) as client:
        cm = CaseManagementApi(client)
        added = cm.add_case_insights(
            case_id=case["id"],
            body=request(
                (CaseInsightType.SECURITY_SIGNAL, "12345", "/monitors/12345?q=total"),
                (CaseInsightType.ERROR_TRACKING, "abc", "/error-tracking?issueId=abc"),
            ),
        )
        assert added.data.id == case["id"]
        assert str(added.data.attributes.key) == case["attributes"]["key"]
        assert added.data.attributes.modified_at is not None
        assert insights_of(api, case["id"]) == [
            {"type": "SECURITY_SIGNAL", "ref": "/monitors/12345?q=total", "resource_id": "12345"},
            {"type": "ERROR_TRACKING", "ref": "/error-tracking?issueId=abc", "resource_id": "abc"},
        ]
        removed = cm.remove_case_insights(
            case_id=case["attributes"]["key"],
            body=request((CaseInsightType.SECURITY_SIGNAL, "12345", "/whatever")),
        )
        assert removed.data.id == case["id"]
        assert insights_of(api, case["id"]) == [
            {"type": "ERROR_TRACKING", "ref": "/error-tracking?issueId=abc", "resource_id": "abc"},
        ]
        # The insights come back in the response too (an attribute the spec does not list).
        assert removed.to_dict()["data"]["attributes"]["insights"] == [
            {"type": "ERROR_TRACKING", "ref": "/error-tracking?issueId=abc", "resource_id": "abc"},
        ]

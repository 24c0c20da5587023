"""Concurrent insight requests on one case: none is lost, none duplicates another.

Each scenario fires its requests from many threads at once (released together by a barrier),
then checks the final state exactly, and checks that the case's record is a serial history:
replaying the "insights.*" events in time order gives the final list, event times are unique
and are the `modified_at` values the effective requests returned, and the case's final
`modified_at` is the latest of them. Every scenario runs on the session server (SQLite and
PostgreSQL) and on a PostgreSQL server with two worker processes and twice the load.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import Client, Keys, Server, dispose_server, make_server
from test_insights import TYPES, body, get_case, ins, insight_events, path, stored_counts


@dataclass
class Env:
    server: Server
    keys: Keys
    api: Client
    project_id: str
    scale: int  # 1 on the session server, 2 on the two-worker server

    def new_case(self, title: str) -> dict[str, Any]:
        return self.api.new_case(self.project_id, title)


def micros(text: str) -> int:
    moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def at_once(env: Env, calls: list[tuple[str, str, Any]]) -> list[requests.Response]:
    """Send (method, path, json body) requests together, one thread and session each."""
    barrier = threading.Barrier(len(calls))
    clients = [env.server.client(env.keys) for _ in calls]

    def send(n: int) -> requests.Response:
        method, where, payload = calls[n]
        barrier.wait(timeout=60)
        return clients[n].request(method, where, json=payload)

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(send, range(len(calls))))


def replay(start: list[dict[str, str]], events: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The insight list after applying the events, in order, to `start`."""
    state = {(i["type"], i["resource_id"]): i["ref"] for i in start}
    for event in events:
        details = event["details"]
        if event["action"] == "insights.added":
            for i in details["updated"]:
                assert (i["type"], i["resource_id"]) in state, i
                state[i["type"], i["resource_id"]] = i["ref"]
            for i in details["added"]:
                assert (i["type"], i["resource_id"]) not in state, i
                state[i["type"], i["resource_id"]] = i["ref"]
        else:
            assert event["action"] == "insights.removed", event
            for i in details["removed"]:
                assert state.pop((i["type"], i["resource_id"])) == i["ref"], i
    return [ins(t, r, ref) for (t, r), ref in state.items()]


def check_history(
    env: Env,
    case_id: str,
    start: list[dict[str, str]],
    responses: list[requests.Response],
    start_events: int,
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """Check the record is a serial history ending in the final state; return both."""
    final = get_case(env.api, case_id)
    listed = final["attributes"]["insights"]
    events = insight_events(env.server, case_id)
    new_events = events[start_events:]
    times = [e["created_at"] for e in events]
    assert times == sorted(set(times)), "event times must strictly increase"
    assert replay(start, new_events) == listed
    assert stored_counts(env.server, case_id) == (len(listed), len(listed))
    ok_times = [
        micros(r.json()["data"]["attributes"]["modified_at"])
        for r in responses
        if r.status_code == 200
    ]
    # Every effective request returned its own event's time; no-ops returned an earlier one.
    assert {e["created_at"] for e in new_events} <= set(ok_times)
    assert set(ok_times) <= set(times)
    assert micros(final["attributes"]["modified_at"]) == max(times)
    # Serial: each response shows the state after exactly the events up to its modified_at.
    for r in responses:
        if r.status_code == 200:
            data = r.json()["data"]["attributes"]
            upto = [e for e in new_events if e["created_at"] <= micros(data["modified_at"])]
            assert data["insights"] == replay(start, upto)
    return listed, new_events


# --------------------------------------------------------------------------- scenarios


def distinct_adds(env: Env) -> None:
    """40 PUTs, each adding its own insight: all 40 land, in the order they were applied."""
    n = 40 * env.scale
    case = env.new_case("distinct adds")
    items = [ins(TYPES[i % 16], f"d{i}", f"/d/{i}") for i in range(n)]
    responses = at_once(env, [("PUT", path(case["id"]), body([item])) for item in items])
    assert [r.status_code for r in responses] == [200] * n, [
        r.text for r in responses if r.status_code != 200
    ]
    listed, events = check_history(env, case["id"], [], responses, 0)
    assert len(listed) == n
    assert sorted(listed, key=items.index) == items
    assert len(events) == n
    # Applied one after another: each response shows exactly the insights added up to it.
    by_time = sorted(
        (r.json()["data"] for r in responses), key=lambda d: d["attributes"]["modified_at"]
    )
    assert len({d["attributes"]["modified_at"] for d in by_time}) == n
    for k, data in enumerate(by_time, start=1):
        assert data["attributes"]["insights"] == listed[:k]


def distinct_removes(env: Env) -> None:
    """40 DELETEs, each removing its own insight (and one absent one): exactly those go."""
    n = 40 * env.scale
    case = env.new_case("distinct removes")
    items = [ins(TYPES[i % 16], f"r{i}", f"/r/{i}") for i in range(2 * n)]
    for chunk in range(0, len(items), 100):
        r = env.api.put(path(case["id"]), json=body(items[chunk : chunk + 100]))
        assert r.status_code == 200, r.text
    before = len(insight_events(env.server, case["id"]))
    calls: list[tuple[str, str, Any]] = [
        ("DELETE", path(case["id"]), body([items[2 * i], ins("EVENT", f"absent{i}")]))
        for i in range(n)
    ]
    responses = at_once(env, calls)
    assert [r.status_code for r in responses] == [200] * n
    listed, events = check_history(env, case["id"], items, responses, before)
    assert listed == items[1::2]
    assert len(events) == n
    assert len({r.json()["data"]["attributes"]["modified_at"] for r in responses}) == n


def same_insight(env: Env) -> None:
    """30 PUTs of one insight: stored once, one event, every response shows it."""
    n = 30 * env.scale
    case = env.new_case("same insight")
    item = ins("MONITOR", "same", "/monitors/same")
    responses = at_once(env, [("PUT", path(case["id"]), body([item]))] * n)
    assert [r.status_code for r in responses] == [200] * n
    listed, events = check_history(env, case["id"], [], responses, 0)
    assert listed == [item]
    assert [e["action"] for e in events] == ["insights.added"]
    assert events[0]["details"]["added"] == [
        {"type": "MONITOR", "resource_id": "same", "ref": "/monitors/same"}
    ]
    for r in responses:
        assert r.json()["data"]["attributes"]["insights"] == [item]
        assert micros(r.json()["data"]["attributes"]["modified_at"]) == events[0]["created_at"]


def same_identity_new_refs(env: Env) -> None:
    """30 PUTs of one identity with 30 refs: stored once, the last applied ref wins."""
    n = 30 * env.scale
    case = env.new_case("same identity")
    items = [ins("INCIDENT", "same", f"/incidents/same?v={i}") for i in range(n)]
    responses = at_once(env, [("PUT", path(case["id"]), body([item])) for item in items])
    assert [r.status_code for r in responses] == [200] * n
    listed, events = check_history(env, case["id"], [], responses, 0)
    assert len(events) == n  # one add, then n - 1 ref updates
    assert sum(len(e["details"]["added"]) for e in events) == 1
    assert sum(len(e["details"]["updated"]) for e in events) == n - 1
    # Each request saw its own ref applied; the latest one is what stays.
    for item, r in zip(items, responses, strict=True):
        assert r.json()["data"]["attributes"]["insights"] == [item]
    last = max(responses, key=lambda r: r.json()["data"]["attributes"]["modified_at"])
    assert listed == last.json()["data"]["attributes"]["insights"]
    assert len({r.json()["data"]["attributes"]["modified_at"] for r in responses}) == n


def puts_and_deletes(env: Env) -> None:
    """Concurrent PUTs and DELETEs of disjoint sets, plus no-ops: the final state is exact."""
    n = 20 * env.scale
    case = env.new_case("puts and deletes")
    keep = [ins(TYPES[i % 16], f"keep{i}", f"/k/{i}") for i in range(n)]
    gone = [ins(TYPES[i % 16], f"gone{i}", f"/g/{i}") for i in range(2 * n)]
    new = [ins(TYPES[i % 16], f"new{i}", f"/n/{i}") for i in range(2 * n)]
    start = keep + gone
    for chunk in range(0, len(start), 100):
        r = env.api.put(path(case["id"]), json=body(start[chunk : chunk + 100]))
        assert r.status_code == 200, r.text
    before = len(insight_events(env.server, case["id"]))
    where = path(case["id"])
    calls: list[tuple[str, str, Any]] = []
    for i in range(n):
        calls.append(("PUT", where, body(new[2 * i : 2 * i + 2])))
        # Removal by identity: the ref given does not matter.
        calls.append(
            (
                "DELETE",
                where,
                body([gone[2 * i], ins(gone[2 * i + 1]["type"], f"gone{2 * i + 1}", "/x")]),
            )
        )
    for i in range(0, n, 4):
        calls.append(("PUT", where, body([keep[i]])))  # already there, same ref: a no-op
        calls.append(("DELETE", where, body([ins("WIDGET", f"never{i}")])))  # absent: a no-op
    responses = at_once(env, calls)
    assert [r.status_code for r in responses] == [200] * len(calls), [
        r.text for r in responses if r.status_code != 200
    ]
    listed, events = check_history(env, case["id"], start, responses, before)
    assert listed[:n] == keep
    assert sorted(listed[n:], key=new.index) == new
    assert len(listed) == 3 * n
    assert sorted(e["action"] for e in events) == ["insights.added"] * n + ["insights.removed"] * n


def cap_race(env: Env) -> None:
    """20 PUTs of one new insight each on a case 10 short of the cap: exactly 10 fit."""
    case = env.new_case("cap race")
    where = path(case["id"])
    start = [ins(TYPES[i % 16], f"c{i}", f"/c/{i}") for i in range(9_990)]
    for chunk in range(0, len(start), 100):
        r = env.api.put(where, json=body(start[chunk : chunk + 100]))
        assert r.status_code == 200, r.text
    before = len(insight_events(env.server, case["id"]))
    extra = [ins("EVENT", f"extra{i}") for i in range(10 + 10 * env.scale)]
    responses = at_once(env, [("PUT", where, body([item])) for item in extra])
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 10 + [400] * (10 * env.scale), [
        r.text for r in responses if r.status_code not in (200, 400)
    ]
    for r in responses:
        if r.status_code == 400:
            assert "10000" in r.json()["errors"][0]["detail"]
    listed, events = check_history(env, case["id"], start, responses, before)
    assert len(listed) == 10_000
    assert listed[:9_990] == start
    winners = [item for item, r in zip(extra, responses, strict=True) if r.status_code == 200]
    assert sorted(listed[9_990:], key=extra.index) == winners
    assert len(events) == 10


def archive_race(env: Env) -> None:
    """PUTs racing an archive: those applied before it succeed, the rest are refused."""
    n = 30 * env.scale
    case = env.new_case("archive race")
    items = [ins("SECURITY_SIGNAL", f"s{i}") for i in range(n)]
    calls: list[tuple[str, str, Any]] = [("PUT", path(case["id"]), body([item])) for item in items]
    archive_at = n // 3
    calls.insert(
        archive_at, ("POST", f"/api/v2/cases/{case['id']}/archive", {"data": {"type": "case"}})
    )
    responses = at_once(env, calls)
    archived = responses.pop(archive_at)
    assert archived.status_code == 200, archived.text
    archived_at = micros(archived.json()["data"]["attributes"]["archived_at"])
    applied = []
    for item, r in zip(items, responses, strict=True):
        if r.status_code == 200:
            assert micros(r.json()["data"]["attributes"]["modified_at"]) < archived_at
            applied.append(item)
        else:
            assert r.status_code == 400, r.text
            assert "archived" in r.json()["errors"][0]["detail"]
    final = get_case(env.api, case["id"])
    assert sorted(final["attributes"]["insights"], key=items.index) == applied
    assert (
        final["attributes"]["archived_at"] == archived.json()["data"]["attributes"]["archived_at"]
    )
    events = insight_events(env.server, case["id"])
    assert len(events) == len(applied)
    assert all(e["created_at"] < archived_at for e in events)
    assert stored_counts(env.server, case["id"]) == (len(applied), len(applied))


def many_cases(env: Env) -> None:
    """Concurrent PUTs and DELETEs spread over several cases stay on their own case."""
    cases = [env.new_case(f"many {i}") for i in range(4)]
    for c in cases:
        r = env.api.put(
            path(c["id"]), json=body([ins("MONITOR", "shared"), ins("MONITOR", "drop")])
        )
        assert r.status_code == 200, r.text
    calls: list[tuple[str, str, Any]] = []
    for i in range(10 * env.scale):
        for c in cases:
            calls.append(("PUT", path(c["id"]), body([ins("EVENT", f"{c['id'][:8]}-{i}")])))
    for c in cases:
        calls.append(("DELETE", path(c["attributes"]["key"]), body([ins("MONITOR", "drop")])))
    responses = at_once(env, calls)
    assert [r.status_code for r in responses] == [200] * len(calls)
    for c in cases:
        got = get_case(env.api, c["id"])["attributes"]["insights"]
        assert got[0] == ins("MONITOR", "shared")
        assert sorted(i["resource_id"] for i in got[1:]) == sorted(
            f"{c['id'][:8]}-{i}" for i in range(10 * env.scale)
        )
        assert stored_counts(env.server, c["id"]) == (len(got), len(got))


SCENARIOS: list[Callable[[Env], None]] = [
    distinct_adds,
    distinct_removes,
    same_insight,
    same_identity_new_refs,
    puts_and_deletes,
    cap_race,
    archive_race,
    many_cases,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_on_session_server(
    server: Server,
    keys: Keys,
    api: Client,
    project: dict[str, Any],
    scenario: Callable[[Env], None],
) -> None:
    scenario(Env(server, keys, api, project["id"], scale=1))


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Keys]]:
    """A PostgreSQL server with two worker processes, and full-scope keys on it."""
    tmp: Path = tmp_path_factory.mktemp("pg-two-workers")
    srv = make_server("postgresql", tmp, workers=2)
    srv.start()
    try:
        yield srv, srv.create_keys("acme", "alice@acme.test")
    finally:
        log = srv.log_text()
        dispose_server(srv)
    assert "Traceback" not in log, f"the server logged a traceback:\n{log[-5000:]}"


@pytest.mark.postgresql
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def test_on_postgresql_with_two_workers(
    two_workers: tuple[Server, Keys], scenario: Callable[[Env], None]
) -> None:
    srv, keys = two_workers
    api = srv.client(keys)
    scenario(Env(srv, keys, api, api.new_project()["id"], scale=2))

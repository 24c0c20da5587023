"""BulkUpdateCases (POST /api/v2/cases/bulk): one action on many cases, in one transaction, all
or nothing, through the very code of the single-case edits (same events, same no-ops)."""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from typing import Any

import pytest
from case_db import actions, case_keys, events
from conftest import Client, Keys, Server

BULK = "/api/v2/cases/bulk"


def bulk_body(case_ids: list[str], action: str, **payload: Any) -> dict[str, Any]:
    attributes: dict[str, Any] = {"case_ids": case_ids, "type": action}
    if payload:
        attributes["payload"] = payload
    return {"data": {"type": "bulk", "attributes": attributes}}


def bulk(api: Client, case_ids: list[str], action: str, **payload: Any) -> Any:
    return api.post(BULK, json=bulk_body(case_ids, action, **payload))


def ok(api: Client, case_ids: list[str], action: str, **payload: Any) -> None:
    r = bulk(api, case_ids, action, **payload)
    assert r.status_code == 200, r.text
    assert r.content == b""  # the spec defines no body, and the official client reads none


def get(api: Client, ref: str) -> dict[str, Any]:
    r = api.get(f"/api/v2/cases/{ref}")
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def timeline_types(api: Client, case_id: str) -> list[str]:
    r = api.get(f"/api/v2/cases/{case_id}/timelines", params={"sort[ascending]": "true"})
    assert r.status_code == 200, r.text
    return [cell["attributes"]["type"] for cell in r.json()["data"]]


def error_of(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    [error] = r.json()["errors"]
    assert error["status"] == str(status)
    return dict(error)


@pytest.fixture
def cases(api: Client, project: dict[str, Any]) -> list[dict[str, Any]]:
    return [api.new_case(project["id"], f"bulk {i}", priority="P3") for i in range(3)]


def new_user(server: Server, org: str = "acme") -> dict[str, Any]:
    email = f"bulk-{uuid.uuid4().hex[:8]}@{org}.test"
    out = server.cli("users", "create", "--org", org, "--email", email, "--json")
    user: dict[str, Any] = json.loads(out.stdout)
    return user


# Each action ---------------------------------------------------------------------------


def test_priority_by_uuid_and_key_with_one_event_per_case(
    api: Client, server: Server, keys: Keys, cases: list[dict[str, Any]]
) -> None:
    refs = [cases[0]["id"], cases[1]["attributes"]["key"].lower(), cases[2]["id"].upper()]
    ok(api, refs, "priority", priority="P1")
    for case in cases:
        data = get(api, case["id"])
        assert data["attributes"]["priority"] == "P1"
        assert data["attributes"]["modified_at"] > data["attributes"]["created_at"]
        assert data["relationships"]["modified_by"]["data"] == {"id": keys.user_id, "type": "user"}
        recorded = events(server, case["id"])
        assert [e["action"] for e in recorded] == ["case.created", "case.priority_updated"]
        assert recorded[-1]["details"] == {"priority": {"from": 3, "to": 1}}
        assert recorded[-1]["actor_id"] == keys.user_id
        assert timeline_types(api, case["id"]) == ["CASE_CREATED", "CASE_PRIORITY_UPDATED"]


def test_a_case_already_in_that_state_is_left_alone(
    api: Client, server: Server, cases: list[dict[str, Any]]
) -> None:
    ok(api, [cases[0]["id"]], "priority", priority="P2")
    first = get(api, cases[0]["id"])
    ok(api, [c["id"] for c in cases], "priority", priority="P2")
    # The case already at P2 got no second event and kept its modified_at; the others changed.
    assert get(api, cases[0]["id"]) == first
    assert actions(server, cases[0]["id"]) == ["case.created", "case.priority_updated"]
    for case in cases[1:]:
        assert actions(server, case["id"]) == ["case.created", "case.priority_updated"]
    # All already there: nothing written at all.
    before = [get(api, c["id"]) for c in cases]
    ok(api, [c["id"] for c in cases], "priority", priority="P2")
    assert [get(api, c["id"]) for c in cases] == before
    for case in cases:
        assert actions(server, case["id"]) == ["case.created", "case.priority_updated"]


def test_duplicate_ids_collapse(api: Client, server: Server, cases: list[dict[str, Any]]) -> None:
    case = cases[0]
    key = case["attributes"]["key"]
    ok(
        api,
        [case["id"], key, key.lower(), case["id"].upper(), case["id"]],
        "priority",
        priority="P5",
    )
    assert get(api, case["id"])["attributes"]["priority"] == "P5"
    assert actions(server, case["id"]) == ["case.created", "case.priority_updated"]


def test_status_as_update_status_takes_it(
    api: Client, server: Server, cases: list[dict[str, Any]]
) -> None:
    ids = [c["id"] for c in cases]
    ok(api, ids, "status", status_name="Closed")
    closed = [get(api, i)["attributes"] for i in ids]
    for attrs in closed:
        assert (attrs["status"], attrs["status_name"], attrs["status_group"]) == (
            "CLOSED",
            "Closed",
            "SG_CLOSED",
        )
        assert attrs["closed_at"] == attrs["modified_at"]
    # The deprecated `status` works too, and reopening clears closed_at.
    ok(api, ids, "status", status="IN_PROGRESS")
    for i in ids:
        attrs = get(api, i)["attributes"]
        assert (attrs["status"], attrs["status_name"]) == ("IN_PROGRESS", "In Progress")
        assert "closed_at" not in attrs
        assert actions(server, i) == ["case.created", "case.status_updated", "case.status_updated"]
        assert events(server, i)[-1]["details"]["closed_at"]["to"] is None
        assert timeline_types(api, i)[1:] == ["CASE_STATUS_UPDATED"] * 2
    ok(api, ids, "status", status_name="in progress")  # already: no change
    assert all(actions(server, i).count("case.status_updated") == 2 for i in ids)


def test_assign_and_unassign(
    api: Client, server: Server, keys: Keys, cases: list[dict[str, Any]]
) -> None:
    bob = new_user(server)
    ids = [c["id"] for c in cases]
    ok(api, [ids[0]], "assign", assignee_id=keys.user_id)
    ok(api, ids, "assign", assignee_id=bob["id"].upper())
    for i in ids:
        r = api.get(f"/api/v2/cases/{i}")
        assert r.json()["data"]["relationships"]["assignee"]["data"] == {
            "id": bob["id"],
            "type": "user",
        }
        assert bob["id"] in {u["id"] for u in r.json()["included"]}
    assert events(server, ids[0])[-1]["details"] == {
        "assignee_id": {"from": keys.user_id, "to": bob["id"]}
    }
    assert actions(server, ids[1]) == ["case.created", "case.assigned"]

    ok(api, ids[:2], "unassign")
    assert "assignee" not in get(api, ids[0])["relationships"]
    assert "assignee" not in get(api, ids[1])["relationships"]
    assert get(api, ids[2])["relationships"]["assignee"]["data"]["id"] == bob["id"]
    ok(api, ids[:2], "unassign")  # nothing left to remove: no event
    assert actions(server, ids[0])[1:] == ["case.assigned", "case.assigned", "case.unassigned"]
    assert actions(server, ids[1])[1:] == ["case.assigned", "case.unassigned"]
    assert timeline_types(api, ids[1])[1:] == ["CASE_ASSIGNED", "CASE_UNASSIGNED"]


def test_archive_and_unarchive(api: Client, server: Server, cases: list[dict[str, Any]]) -> None:
    ids = [c["id"] for c in cases]
    ok(api, ids[:1], "archive")
    archived_first = get(api, ids[0])
    ok(api, ids, "archive")  # the first one was archived already: no second event
    assert get(api, ids[0]) == archived_first
    for i in ids:
        assert "archived_at" in get(api, i)["attributes"]
        assert actions(server, i) == ["case.created", "case.archived"]
    ok(api, ids, "unarchive")
    ok(api, ids, "unarchive")
    for i in ids:
        assert "archived_at" not in get(api, i)["attributes"]
        assert actions(server, i) == ["case.created", "case.archived", "case.unarchived"]
        assert timeline_types(api, i)[1:] == ["CASE_ARCHIVED", "CASE_UNARCHIVED"]


def test_update_project_moves_and_keeps_old_keys(
    api: Client, server: Server, project: dict[str, Any], cases: list[dict[str, Any]]
) -> None:
    dest = api.new_project()
    dst_key = dest["attributes"]["key"]
    already = api.new_case(dest["id"], "already there")
    refs = [c["attributes"]["key"] for c in cases] + [already["id"]]
    ok(api, refs, "update_project", project_id=dest["id"].upper())
    moved = [get(api, c["id"]) for c in cases]
    assert sorted(m["attributes"]["key"] for m in moved) == [f"{dst_key}-{n}" for n in (2, 3, 4)]
    for case, now in zip(cases, moved, strict=True):
        assert now["relationships"]["project"]["data"] == {"id": dest["id"], "type": "project"}
        assert now["attributes"]["public_id"] == case["attributes"]["public_id"]
        old_key = case["attributes"]["key"]
        assert get(api, old_key)["id"] == case["id"]  # the old key still resolves
        assert case_keys(server, case["id"]) == sorted([old_key, now["attributes"]["key"]])
        [event] = [e for e in events(server, case["id"]) if e["action"] == "case.moved"]
        assert event["details"] == {
            "project_id": {"from": project["id"], "to": dest["id"]},
            "key": {"from": old_key, "to": now["attributes"]["key"]},
        }
        assert timeline_types(api, case["id"])[-1] == "CASE_MOVED"
    # The case that was there already did not move and the project's numbering went on.
    assert get(api, already["id"]) == already
    assert actions(server, already["id"]) == ["case.created"]
    assert api.new_case(dest["id"])["attributes"]["key"] == f"{dst_key}-5"


# All or nothing ------------------------------------------------------------------------


def snapshot(api: Client, server: Server, ids: list[str]) -> list[Any]:
    return [(get(api, i), actions(server, i)) for i in ids]


def test_one_unknown_id_is_404_naming_it_and_nothing_changes(
    api: Client, server: Server, cases: list[dict[str, Any]]
) -> None:
    ids = [c["id"] for c in cases]
    before = snapshot(api, server, ids)
    unknown, missing_key = str(uuid.uuid4()), "NOPE-77"
    r = bulk(api, [ids[0], unknown, ids[1], missing_key, ids[2]], "priority", priority="P1")
    error = error_of(r, 404)
    assert (error["code"], error["title"]) == ("resource_not_found", "case not found")
    assert unknown in error["detail"] and missing_key in error["detail"]
    assert not any(i in error["detail"] for i in ids)
    assert snapshot(api, server, ids) == before


def test_another_organisations_case_is_404_and_nothing_changes(
    api: Client, other_api: Client, server: Server, cases: list[dict[str, Any]]
) -> None:
    foreign = other_api.new_case(other_api.new_project()["id"], "theirs", priority="P4")
    ids = [c["id"] for c in cases]
    before = snapshot(api, server, ids)
    for ref in (foreign["id"], foreign["attributes"]["key"]):
        r = bulk(api, [*ids, ref], "priority", priority="P1")
        error = error_of(r, 404)
        assert error["title"] == "case not found"
        assert ref in error["detail"]
    assert snapshot(api, server, ids) == before
    assert get(other_api, foreign["id"]) == foreign
    assert actions(server, foreign["id"]) == ["case.created"]
    # And the other way round: acme's cases are not globex's.
    error = error_of(bulk(other_api, [foreign["id"], ids[0]], "archive"), 404)
    assert ids[0] in error["detail"]
    assert get(other_api, foreign["id"]) == foreign


def test_an_archived_case_refuses_the_edit_and_nothing_changes(
    api: Client, server: Server, keys: Keys, cases: list[dict[str, Any]]
) -> None:
    ids = [c["id"] for c in cases]
    ok(api, [ids[1]], "archive")
    before = snapshot(api, server, ids)
    dest = api.new_project()
    for action, payload in (
        ("priority", {"priority": "P1"}),
        ("status", {"status_name": "Closed"}),
        ("assign", {"assignee_id": keys.user_id}),
        ("assign", {"assignee_id": str(uuid.uuid4())}),  # the archived case is named first
        ("unassign", {}),
        ("update_project", {"project_id": dest["id"]}),
        ("update_project", {"project_id": str(uuid.uuid4())}),
    ):
        if action == "unassign":  # give unassign something to remove on the others
            ok(api, [ids[0], ids[2]], "assign", assignee_id=keys.user_id)
            before = snapshot(api, server, ids)
        r = bulk(api, ids, action, **payload)
        error = error_of(r, 400)
        assert ids[1] in error["detail"] and "archived" in error["detail"], error
        assert error["source"] == {"pointer": "/data/attributes/case_ids/1"}
        assert snapshot(api, server, ids) == before, action
    assert api.new_case(dest["id"])["attributes"]["key"] == f"{dest['attributes']['key']}-1"


def test_unknown_assignee_or_project_is_404_and_nothing_changes(
    api: Client, other_api: Client, server: Server, cases: list[dict[str, Any]]
) -> None:
    ids = [c["id"] for c in cases]
    before = snapshot(api, server, ids)
    foreign_user = new_user(server, "globex")
    for user_id in (str(uuid.uuid4()), foreign_user["id"]):
        error = error_of(bulk(api, ids, "assign", assignee_id=user_id), 404)
        assert error["title"] == "user not found"
    foreign_project = other_api.new_project()
    for project_id in (str(uuid.uuid4()), foreign_project["id"]):
        error = error_of(bulk(api, ids, "update_project", project_id=project_id), 404)
        assert error["title"] == "project not found"
    # Unknown cases are reported before the unknown user, as the single-case edit does.
    error = error_of(bulk(api, ["NOPE-1"], "assign", assignee_id=str(uuid.uuid4())), 404)
    assert error["title"] == "case not found"
    assert snapshot(api, server, ids) == before


# Limits and bad bodies -----------------------------------------------------------------


def test_at_most_1000_case_ids(api: Client, server: Server, cases: list[dict[str, Any]]) -> None:
    ids = [c["id"] for c in cases]
    before = snapshot(api, server, ids)
    error = error_of(bulk(api, ids * 333 + ids[:2], "priority", priority="P1"), 400)
    assert error["source"] == {"pointer": "/data/attributes/case_ids"}
    assert "1,000" in error["detail"]
    assert snapshot(api, server, ids) == before
    # 1,000 distinct ids are looked up (and locked) in one go: all unknown but ours.
    unknown = [str(uuid.uuid4()) for _ in range(997)]
    error = error_of(bulk(api, [*ids, *unknown], "priority", priority="P1"), 404)
    assert all(u in error["detail"] for u in unknown)
    assert snapshot(api, server, ids) == before
    # Exactly 1,000 entries (duplicates of three cases) are accepted.
    ok(api, (ids * 334)[:1000], "priority", priority="P1")
    for i in ids:
        assert actions(server, i) == ["case.created", "case.priority_updated"]


def test_empty_case_ids_is_400(api: Client) -> None:
    error = error_of(bulk(api, [], "archive"), 400)
    assert error["source"] == {"pointer": "/data/attributes/case_ids"}


def test_many_cases_in_one_request(api: Client, server: Server, project: dict[str, Any]) -> None:
    many = [api.new_case(project["id"], f"many {i}")["id"] for i in range(60)]
    ok(api, many, "status", status_name="In Progress")
    key = project["attributes"]["key"]
    r = api.get(
        "/api/v2/cases", params={"filter": f"project:{key} status:in_progress", "page[size]": 100}
    )
    assert sorted(c["id"] for c in r.json()["data"]) == sorted(many)
    assert all(actions(server, i) == ["case.created", "case.status_updated"] for i in many[:5])


BAD_PAYLOADS = [
    ("priority", {}, "/data/attributes/payload/priority"),
    ("priority", {"priority": "P9"}, "/data/attributes/payload/priority"),
    ("priority", {"priority": "p1"}, "/data/attributes/payload/priority"),
    ("priority", {"priority": 1}, "/data/attributes/payload/priority"),
    ("status", {}, "/data/attributes/payload/status_name"),
    ("status", {"status_name": "Done"}, "/data/attributes/payload/status_name"),
    ("status", {"status": "DONE"}, "/data/attributes/payload/status"),
    ("status", {"status_name": ["Closed"]}, "/data/attributes/payload/status_name"),
    ("status", {"status": "OPEN", "status_name": "Closed"}, "/data/attributes/payload/status"),
    ("assign", {}, "/data/attributes/payload/assignee_id"),
    ("assign", {"assignee_id": "bob"}, "/data/attributes/payload/assignee_id"),
    ("update_project", {}, "/data/attributes/payload/project_id"),
    ("update_project", {"project_id": "SEC"}, "/data/attributes/payload/project_id"),
]


@pytest.mark.parametrize(("action", "payload", "pointer"), BAD_PAYLOADS)
def test_bad_payload_is_400_naming_it_and_changes_nothing(
    api: Client,
    server: Server,
    cases: list[dict[str, Any]],
    action: str,
    payload: dict[str, Any],
    pointer: str,
) -> None:
    ids = [c["id"] for c in cases]
    before = snapshot(api, server, ids)
    r = api.post(BULK, json=bulk_body(ids, action, **payload))
    error = error_of(r, 400)
    assert (error["title"], error["source"]) == ("Bad Request", {"pointer": pointer})
    assert error["detail"]
    assert snapshot(api, server, ids) == before


def test_invalid_priority_has_datadogs_wording(api: Client, cases: list[dict[str, Any]]) -> None:
    error = error_of(bulk(api, [cases[0]["id"]], "priority", priority="P1234"), 400)
    assert error["detail"] == (
        "invalid priority P1234. Must be one of P1, P2, P3, P4, P5, NOT_DEFINED"
    )


BAD_BODIES = [
    ({}, "/data"),
    ({"data": {"type": "bulk"}}, "/data/attributes"),
    ({"data": {"attributes": {"case_ids": ["SEC-1"], "type": "archive"}}}, "/data/type"),
    (
        {"data": {"type": "case", "attributes": {"case_ids": ["SEC-1"], "type": "archive"}}},
        "/data/type",
    ),
    ({"data": {"type": "bulk", "attributes": {"type": "archive"}}}, "/data/attributes/case_ids"),
    ({"data": {"type": "bulk", "attributes": {"case_ids": ["SEC-1"]}}}, "/data/attributes/type"),
    (bulk_body(["SEC-1"], "delete"), "/data/attributes/type"),
    (bulk_body(["SEC-1"], "PRIORITY", priority="P1"), "/data/attributes/type"),
    (
        {"data": {"type": "bulk", "attributes": {"case_ids": "SEC-1", "type": "archive"}}},
        "/data/attributes/case_ids",
    ),
    (bulk_body(["SEC-1", 7], "archive"), "/data/attributes/case_ids/1"),
    (bulk_body(["SEC-1", "case-id-1"], "archive"), "/data/attributes/case_ids/1"),
    (bulk_body(["", "SEC-1"], "archive"), "/data/attributes/case_ids/0"),
    (bulk_body(["SEC-1\u0000"], "archive"), "/data/attributes/case_ids/0"),
    (
        {"data": {"type": "bulk", "attributes": {"case_ids": ["SEC-1"], "type": 1}}},
        "/data/attributes/type",
    ),
    (
        {
            "data": {
                "type": "bulk",
                "attributes": {"case_ids": ["SEC-1"], "type": "archive", "payload": ["x"]},
            }
        },
        "/data/attributes/payload",
    ),
]


@pytest.mark.parametrize(("payload", "pointer"), BAD_BODIES)
def test_bad_body_is_400_with_a_pointer(api: Client, payload: Any, pointer: str) -> None:
    error = error_of(api.post(BULK, json=payload), 400)
    assert error["source"] == {"pointer": pointer}
    assert error["detail"]


def test_wrong_data_type_has_datadogs_wording(api: Client) -> None:
    payload = {"data": {"type": "case", "attributes": {"case_ids": ["SEC-1"], "type": "archive"}}}
    error = error_of(api.post(BULK, json=payload), 400)
    assert error["detail"] == 'got type "case" expected one of "bulk"'


def test_malformed_json_is_400(api: Client) -> None:
    r = api.post(BULK, data=b"{nope", headers={"Content-Type": "application/json"})
    assert error_of(r, 400)["source"] == {"pointer": ""}


def test_null_or_extra_payload_is_accepted(
    api: Client, server: Server, cases: list[dict[str, Any]]
) -> None:
    body = bulk_body([cases[0]["id"]], "archive")
    body["data"]["attributes"]["payload"] = None
    assert api.post(BULK, json=body).status_code == 200
    ok(api, [cases[0]["id"]], "unarchive", unused="ignored")
    assert actions(server, cases[0]["id"]) == ["case.created", "case.archived", "case.unarchived"]


@pytest.mark.parametrize("action", ["jira", "servicenow", "linear"])
def test_integrations_are_not_supported_yet(
    api: Client, server: Server, cases: list[dict[str, Any]], action: str
) -> None:
    r = bulk(api, [cases[0]["id"]], action, project_key="SEC")
    error = error_of(r, 400)
    assert error["source"] == {"pointer": "/data/attributes/type"}
    assert "not supported yet" in error["detail"]
    assert actions(server, cases[0]["id"]) == ["case.created"]


def test_read_only_key_is_403(
    readonly_api: Client, server: Server, cases: list[dict[str, Any]]
) -> None:
    r = bulk(readonly_api, [cases[0]["id"]], "priority", priority="P1")
    assert error_of(r, 403)["detail"] == "the application key lacks the cases_write scope"
    assert actions(server, cases[0]["id"]) == ["case.created"]


def test_missing_keys_are_401(server: Server) -> None:
    r = server.client(None).post(BULK, json=bulk_body(["SEC-1"], "archive"))
    assert r.status_code == 401


def test_other_methods_are_405(api: Client) -> None:
    r = api.get(BULK)
    assert r.status_code == 405
    assert "POST" in r.headers["Allow"]


# Concurrency ---------------------------------------------------------------------------


def test_overlapping_bulk_requests_in_opposite_orders_both_succeed(
    api: Client, server: Server, keys: Keys, project: dict[str, Any]
) -> None:
    """Two requests at once, over cases 0-19 and 10-29 (in ascending and descending id order),
    eight rounds, each round with new priorities. Every request succeeds (no deadlock on
    PostgreSQL), and each case's record holds one event per request that named it, as one
    unbroken chain (every `from` is the previous `to`): nothing was lost."""
    # NOT_DEFINED at first, a priority no round sets, so every request changes every case it names.
    made = [api.new_case(project["id"], f"race {i}") for i in range(30)]
    ids = sorted(c["id"] for c in made)
    first, second = ids[:20], ids[10:][::-1]
    priorities = ["P1", "P2", "P3", "P4", "P5"]
    rounds = 8
    errors: list[str] = []

    def run(refs: list[str], offset: int, barrier: threading.Barrier, n: int) -> None:
        client = server.client(keys)
        barrier.wait()
        r = bulk(client, refs, "priority", priority=priorities[(n + offset) % 5])
        if r.status_code != 200:
            errors.append(r.text)

    for n in range(rounds):
        barrier = threading.Barrier(2)
        threads = [
            threading.Thread(target=run, args=(first, 0, barrier, n)),
            threading.Thread(target=run, args=(second, 2, barrier, n)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []

    for case_id in ids:
        named = (case_id in first) + (case_id in second)
        chain = [e["details"]["priority"] for e in events(server, case_id)[1:]]
        assert len(chain) == named * rounds, case_id
        assert chain[0]["from"] == 0
        for before, after in itertools.pairwise(chain):
            assert after["from"] == before["to"]
            assert after["from"] != after["to"]
        assert get(api, case_id)["attributes"]["priority"] == f"P{chain[-1]['to']}"


def test_refused_requests_in_a_concurrent_burst_change_nothing(
    server: Server, keys: Keys, api: Client, project: dict[str, Any]
) -> None:
    """24 concurrent bulk edits (on SQLite, sharing group commits): the third naming an
    archived case gets its 400 and leaves its own case as it was; every other one lands."""
    targets = [api.new_case(project["id"], f"burst {i}", priority="P3")["id"] for i in range(24)]
    archived = api.new_case(project["id"], "archived")["id"]
    ok(api, [archived], "archive")
    statuses: dict[int, int] = {}

    def edit(i: int) -> None:
        ids = [targets[i], archived] if i % 3 == 0 else [targets[i]]
        statuses[i] = bulk(server.client(keys), ids, "priority", priority="P1").status_code

    threads = [threading.Thread(target=edit, args=(i,)) for i in range(len(targets))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert statuses == {i: 400 if i % 3 == 0 else 200 for i in range(len(targets))}
    for i, case_id in enumerate(targets):
        refused = i % 3 == 0
        assert get(api, case_id)["attributes"]["priority"] == ("P3" if refused else "P1")
        changed = "CASE_PRIORITY_UPDATED" in timeline_types(api, case_id)
        assert changed is not refused, (i, timeline_types(api, case_id))

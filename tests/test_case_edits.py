"""Case edits: title, description, priority, status, due date, resolved reason, attributes,
assign and unassign. Each changes what it names in one transaction with one event, changes
nothing (no event, `modified_at` still) when the value is already there, and refuses bad input,
read-only keys, unknown or foreign cases and archived cases."""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from case_db import actions, events
from conftest import Client, Keys, Server

CASE_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "case not found"}]
}
USER_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "user not found"}]
}


def body(**attributes: Any) -> dict[str, Any]:
    return {"data": {"type": "case", "attributes": attributes}}


EMPTY = {"data": {"type": "case"}}


def edit(api: Client, ref: str, path: str, payload: dict[str, Any]) -> Any:
    return api.post(f"/api/v2/cases/{ref}/{path}", json=payload)


def ok(api: Client, ref: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
    r = edit(api, ref, path, payload)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.api+json"
    data: dict[str, Any] = r.json()["data"]
    return data


@pytest.fixture
def case(api: Client, project: dict[str, Any]) -> dict[str, Any]:
    return api.new_case(project["id"], "Edit me", description="first", priority="P3")


def close(api: Client, ref: str) -> dict[str, Any]:
    return ok(api, ref, "status", body(status_name="Closed"))


# Every edit: (path, body, action, check of the returned attributes and relationships) -------


def _edits(keys: Keys) -> dict[str, tuple[str, dict[str, Any], str, Callable[[dict], bool]]]:
    return {
        "title": (
            "title",
            body(title="Renamed"),
            "case.title_updated",
            lambda d: d["attributes"]["title"] == "Renamed",
        ),
        "description": (
            "description",
            body(description="second"),
            "case.description_updated",
            lambda d: d["attributes"]["description"] == "second",
        ),
        "priority": (
            "priority",
            body(priority="P1"),
            "case.priority_updated",
            lambda d: d["attributes"]["priority"] == "P1",
        ),
        "status": (
            "status",
            body(status_name="In Progress"),
            "case.status_updated",
            lambda d: d["attributes"]["status_name"] == "In Progress",
        ),
        "due_date": (
            "due_date",
            body(due_date="2030-02-28"),
            "case.due_date_updated",
            lambda d: d["attributes"]["due_date"] == "2030-02-28",
        ),
        "attributes": (
            "attributes",
            body(attributes={"team": ["red", "blue"], "env": ["prod"]}),
            "case.attributes_updated",
            lambda d: d["attributes"]["attributes"] == {"team": ["red", "blue"], "env": ["prod"]},
        ),
        "assign": (
            "assign",
            body(assignee_id=keys.user_id),
            "case.assigned",
            lambda d: (
                d["relationships"]["assignee"]["data"] == {"id": keys.user_id, "type": "user"}
            ),
        ),
    }


EDIT_NAMES = ["title", "description", "priority", "status", "due_date", "attributes", "assign"]


@pytest.mark.parametrize("name", EDIT_NAMES)
def test_edit_changes_once_then_is_a_no_op(
    api: Client, server: Server, keys: Keys, case: dict[str, Any], name: str
) -> None:
    path, payload, action, check = _edits(keys)[name]
    key = case["attributes"]["key"]
    assert "modified_at" not in case["attributes"]

    # By key, lower-cased: keys are case-insensitive.
    data = ok(api, key.lower(), path, payload)
    assert check(data)
    attrs = data["attributes"]
    assert data["id"] == case["id"]
    assert attrs["modified_at"] > attrs["created_at"]
    assert data["relationships"]["modified_by"]["data"] == {"id": keys.user_id, "type": "user"}
    assert keys.user_id in {u["id"] for u in api.get(f"/api/v2/cases/{key}").json()["included"]}
    recorded = events(server, case["id"])
    assert [e["action"] for e in recorded] == ["case.created", action]
    assert recorded[-1]["actor_id"] == keys.user_id

    # The same edit again (by UUID) changes nothing and records nothing.
    again = ok(api, case["id"], path, payload)
    assert again["attributes"]["modified_at"] == attrs["modified_at"]
    assert again == api.get(f"/api/v2/cases/{case['id']}").json()["data"]
    assert actions(server, case["id"]) == ["case.created", action]


def test_event_details_name_the_old_and_new_values(
    api: Client, server: Server, case: dict[str, Any]
) -> None:
    ok(api, case["id"], "title", body(title="Second"))
    ok(api, case["id"], "priority", body(priority="P5"))
    ok(api, case["id"], "due_date", body(due_date="2031-01-01"))
    recorded = events(server, case["id"])[1:]
    assert [e["details"] for e in recorded] == [
        {"title": {"from": "Edit me", "to": "Second"}},
        {"priority": {"from": 3, "to": 5}},
        {"due_date": {"from": None, "to": "2031-01-01"}},
    ]
    assert [e["created_at"] for e in recorded] == sorted(e["created_at"] for e in recorded)


def test_edit_leaves_other_fields_alone(api: Client, case: dict[str, Any]) -> None:
    before = case["attributes"]
    after = ok(api, case["id"], "title", body(title="Only the title"))["attributes"]
    for field in ("description", "priority", "status", "status_name", "key", "public_id"):
        assert after[field] == before[field], field


# Priority ------------------------------------------------------------------------------


def test_invalid_priority_has_datadogs_wording(api: Client, case: dict[str, Any]) -> None:
    r = edit(api, case["id"], "priority", body(priority="P1234"))
    assert r.status_code == 400
    assert r.json() == {
        "errors": [
            {
                "status": "400",
                "title": "Bad Request",
                "detail": "invalid priority P1234. Must be one of P1, P2, P3, P4, P5, NOT_DEFINED",
                "source": {"pointer": "/data/attributes/priority"},
            }
        ]
    }


def test_every_priority_is_accepted(api: Client, case: dict[str, Any]) -> None:
    for priority in ("P1", "P2", "P4", "P5", "NOT_DEFINED"):
        assert (
            ok(api, case["id"], "priority", body(priority=priority))["attributes"]["priority"]
            == priority
        )


# Status --------------------------------------------------------------------------------


def test_closing_sets_closed_at_and_reopening_clears_it(
    api: Client, server: Server, project: dict[str, Any], case: dict[str, Any]
) -> None:
    closed = close(api, case["id"])["attributes"]
    assert (closed["status"], closed["status_name"], closed["status_group"]) == (
        "CLOSED",
        "Closed",
        "SG_CLOSED",
    )
    assert closed["closed_at"] == closed["modified_at"]
    # Closed again: nothing changes, closed_at stays.
    assert close(api, case["id"])["attributes"] == closed
    progress = ok(api, case["id"], "status", body(status_name="in progress"))["attributes"]
    assert (progress["status"], progress["status_name"], progress["status_group"]) == (
        "IN_PROGRESS",
        "In Progress",
        "SG_IN_PROGRESS",
    )
    assert "closed_at" not in progress
    recorded = events(server, case["id"])
    assert [e["action"] for e in recorded].count("case.status_updated") == 2
    assert recorded[-1]["details"]["closed_at"]["to"] is None
    search = {"filter": f"status:in_progress project:{project['attributes']['key']}"}
    found = api.get("/api/v2/cases", params=search).json()["data"]
    assert [c["id"] for c in found] == [case["id"]]


def test_deprecated_status_is_accepted_and_kept_consistent(
    api: Client, case: dict[str, Any]
) -> None:
    attrs = ok(api, case["id"], "status", body(status="IN_PROGRESS"))["attributes"]
    assert (attrs["status"], attrs["status_name"], attrs["status_group"]) == (
        "IN_PROGRESS",
        "In Progress",
        "SG_IN_PROGRESS",
    )
    attrs = ok(api, case["id"], "status", body(status="CLOSED", status_name="Closed"))["attributes"]
    assert (attrs["status"], attrs["status_name"], attrs["status_group"]) == (
        "CLOSED",
        "Closed",
        "SG_CLOSED",
    )
    assert "closed_at" in attrs
    attrs = ok(api, case["id"], "status", body(status="OPEN"))["attributes"]
    assert (attrs["status"], attrs["status_name"]) == ("OPEN", "Open")
    assert "closed_at" not in attrs


def test_case_created_closed_keeps_its_closed_at(api: Client, project: dict[str, Any]) -> None:
    case = api.new_case(project["id"], "Born closed", status_name="Closed")
    again = close(api, case["id"])
    assert again["attributes"]["closed_at"] == case["attributes"]["closed_at"]
    assert "modified_at" not in again["attributes"]


# Due date ------------------------------------------------------------------------------


def test_due_date_is_set_and_cleared(api: Client, server: Server, case: dict[str, Any]) -> None:
    assert ok(api, case["id"], "due_date", body(due_date=None)) == case  # nothing to clear
    assert (
        ok(api, case["id"], "due_date", body(due_date="2024-02-29"))["attributes"]["due_date"]
        == "2024-02-29"
    )
    cleared = ok(api, case["id"], "due_date", body(due_date=None))["attributes"]
    assert "due_date" not in cleared
    assert actions(server, case["id"]).count("case.due_date_updated") == 2


# Resolved reason -----------------------------------------------------------------------


def test_resolved_reason_needs_a_closed_case(
    api: Client, server: Server, case: dict[str, Any]
) -> None:
    payload = body(security_resolved_reason="FALSE_POSITIVE")
    r = edit(api, case["id"], "resolved_reason", payload)
    assert r.status_code == 400
    error = r.json()["errors"][0]
    assert error["source"] == {"pointer": "/data/attributes/security_resolved_reason"}
    assert "not closed" in error["detail"]

    close(api, case["id"])
    attrs = ok(api, case["id"], "resolved_reason", payload)["attributes"]
    assert attrs["resolved_reason"] == "FALSE_POSITIVE"
    assert ok(api, case["id"], "resolved_reason", payload)["attributes"] == attrs  # no-op
    for reason in ("TRUE_POSITIVE", "BENIGN_POSITIVE"):
        got = ok(api, case["id"], "resolved_reason", body(security_resolved_reason=reason))
        assert got["attributes"]["resolved_reason"] == reason
    assert actions(server, case["id"]).count("case.resolved_reason_updated") == 3

    # Reopening clears the reason with closed_at, in the same event.
    reopened = ok(api, case["id"], "status", body(status_name="Open"))["attributes"]
    assert "resolved_reason" not in reopened
    last = events(server, case["id"])[-1]
    assert last["action"] == "case.status_updated"
    assert last["details"]["resolved_reason"] == {"from": "BENIGN_POSITIVE", "to": None}


# Attributes ----------------------------------------------------------------------------


def test_attributes_replace_the_whole_map(api: Client, case: dict[str, Any]) -> None:
    got = ok(api, case["id"], "attributes", body(attributes={"team": ["a", "b", "a"], "x": []}))
    assert got["attributes"]["attributes"] == {"team": ["a", "b"]}  # duplicates and empties go
    got = ok(api, case["id"], "attributes", body(attributes={"service/name": ["api"]}))
    assert got["attributes"]["attributes"] == {"service/name": ["api"]}
    got = ok(api, case["id"], "attributes", body(attributes={}))
    assert got["attributes"]["attributes"] == {}


def test_attribute_limits(api: Client, case: dict[str, Any]) -> None:
    at_limit = {f"k{i}": [f"v{j}" for j in range(100)] for i in range(100)}
    assert (
        ok(api, case["id"], "attributes", body(attributes=at_limit))["attributes"]["attributes"]
        == at_limit
    )
    longest = {"k" * 100: ["v" * 1000]}
    assert (
        ok(api, case["id"], "attributes", body(attributes=longest))["attributes"]["attributes"]
        == longest
    )


# Assign and unassign -------------------------------------------------------------------


def test_assign_and_unassign(api: Client, server: Server, keys: Keys, case: dict[str, Any]) -> None:
    email = f"bob-{uuid.uuid4().hex[:6]}@acme.test"
    out = server.cli(
        "users", "create", "--org", "acme", "--email", email, "--name", "Bob", "--json"
    )
    bob = json.loads(out.stdout)
    r = edit(api, case["attributes"]["key"], "assign", body(assignee_id=bob["id"]))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["data"]["relationships"]["assignee"]["data"] == {"id": bob["id"], "type": "user"}
    included = {u["id"]: u for u in doc["included"]}
    assert included[bob["id"]]["attributes"]["name"] == "Bob"
    assert included[bob["id"]]["attributes"]["email"] == bob["email"]

    # Another assignee replaces the first.
    data = ok(api, case["id"], "assign", body(assignee_id=keys.user_id.upper()))
    assert data["relationships"]["assignee"]["data"]["id"] == keys.user_id
    assert events(server, case["id"])[-1]["details"] == {
        "assignee_id": {"from": bob["id"], "to": keys.user_id}
    }

    data = ok(api, case["id"], "unassign", EMPTY)
    assert "assignee" not in data["relationships"]
    assert ok(api, case["id"], "unassign", EMPTY) == data  # nothing left to remove
    assert actions(server, case["id"])[1:] == ["case.assigned", "case.assigned", "case.unassigned"]


def test_assign_unknown_or_foreign_user_is_404(
    api: Client, other_api: Client, server: Server, case: dict[str, Any]
) -> None:
    foreign = server.create_keys("globex", f"g-{uuid.uuid4().hex[:6]}@globex.test")
    for user_id in (str(uuid.uuid4()), foreign.user_id):
        r = edit(api, case["id"], "assign", body(assignee_id=user_id))
        assert r.status_code == 404
        assert r.json() == USER_NOT_FOUND
    assert actions(server, case["id"]) == ["case.created"]


# 400: bad bodies, each naming what is wrong -------------------------------------------

BAD_BODIES = [
    ("title", body(title=""), "/data/attributes/title"),
    ("title", body(title="   "), "/data/attributes/title"),
    ("title", body(title="x" * 501), "/data/attributes/title"),
    ("title", body(), "/data/attributes/title"),
    ("title", body(title=5), "/data/attributes/title"),
    ("title", {"data": {"type": "case"}}, "/data/attributes"),
    ("title", {"data": {"attributes": {"title": "t"}}}, "/data/type"),
    ("description", body(description="x" * 65_537), "/data/attributes/description"),
    ("description", body(), "/data/attributes/description"),
    ("priority", body(priority="p1"), "/data/attributes/priority"),
    ("priority", body(), "/data/attributes/priority"),
    ("status", body(status_name="Done"), "/data/attributes/status_name"),
    ("status", body(status="DONE"), "/data/attributes/status"),
    ("status", body(), "/data/attributes/status_name"),
    ("status", body(status="OPEN", status_name="Closed"), "/data/attributes/status"),
    ("due_date", body(due_date="2026-13-01"), "/data/attributes/due_date"),
    ("due_date", body(due_date="2026-02-30"), "/data/attributes/due_date"),
    ("due_date", body(due_date="2026-2-1"), "/data/attributes/due_date"),
    ("due_date", body(due_date="2026-12-31T00:00:00Z"), "/data/attributes/due_date"),
    ("due_date", body(due_date="tomorrow"), "/data/attributes/due_date"),
    ("due_date", body(due_date="2026-12-31\n"), "/data/attributes/due_date"),
    ("due_date", body(due_date="0000-01-01"), "/data/attributes/due_date"),
    ("due_date", body(due_date=20261231), "/data/attributes/due_date"),
    ("due_date", body(), "/data/attributes/due_date"),
    (
        "resolved_reason",
        body(security_resolved_reason="MAYBE"),
        "/data/attributes/security_resolved_reason",
    ),
    ("resolved_reason", body(), "/data/attributes/security_resolved_reason"),
    ("attributes", body(), "/data/attributes/attributes"),
    ("attributes", body(attributes=["team"]), "/data/attributes/attributes"),
    ("attributes", body(attributes={"team": "red"}), "/data/attributes/attributes/team"),
    ("attributes", body(attributes={"team": [1]}), "/data/attributes/attributes/team/0"),
    ("attributes", body(attributes={"team": ["ok", " "]}), "/data/attributes/attributes/team/1"),
    ("attributes", body(attributes={"team": ["x" * 1001]}), "/data/attributes/attributes/team/0"),
    ("attributes", body(attributes={"bad key": ["x"]}), "/data/attributes/attributes/bad key"),
    ("attributes", body(attributes={"a/b~": ["x"]}), "/data/attributes/attributes/a~1b~0"),
    ("attributes", body(attributes={"": ["x"]}), "/data/attributes/attributes/"),
    ("attributes", body(attributes={"team\n": ["x"]}), "/data/attributes/attributes/team\n"),
    ("attributes", body(attributes={"1team": ["x"]}), "/data/attributes/attributes/1team"),
    ("attributes", body(attributes={"k" * 101: ["x"]}), "/data/attributes/attributes/" + "k" * 101),
    (
        "attributes",
        body(attributes={"team": [str(i) for i in range(101)]}),
        "/data/attributes/attributes/team",
    ),
    (
        "attributes",
        body(attributes={f"k{i}": ["x"] for i in range(101)}),
        "/data/attributes/attributes",
    ),
    ("assign", body(assignee_id="not-a-uuid"), "/data/attributes/assignee_id"),
    ("assign", body(), "/data/attributes/assignee_id"),
    ("unassign", {"data": {"type": "user"}}, "/data/type"),
    ("unassign", {}, "/data"),
]


@pytest.mark.parametrize(("path", "payload", "pointer"), BAD_BODIES)
def test_bad_body_is_400_with_a_pointer_and_changes_nothing(
    api: Client, server: Server, case: dict[str, Any], path: str, payload: Any, pointer: str
) -> None:
    r = edit(api, case["id"], path, payload)
    assert r.status_code == 400, r.text
    [error] = r.json()["errors"]
    assert error["status"] == "400"
    assert error["title"] == "Bad Request"
    assert error["source"] == {"pointer": pointer}
    assert error["detail"]
    assert api.get(f"/api/v2/cases/{case['id']}").json()["data"] == case
    assert actions(server, case["id"]) == ["case.created"]


def test_wrong_data_type_has_datadogs_wording(api: Client, case: dict[str, Any]) -> None:
    r = edit(api, case["id"], "title", {"data": {"type": "project", "attributes": {"title": "t"}}})
    assert r.status_code == 400
    assert r.json()["errors"][0]["detail"] == 'got type "project" expected one of "case"'


def test_malformed_json_and_bad_case_ref(api: Client, case: dict[str, Any]) -> None:
    r = api.post(
        f"/api/v2/cases/{case['id']}/title",
        data=b"{nope",
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["errors"][0]["source"] == {"pointer": ""}
    r = edit(api, "not a case", "title", body(title="t"))
    assert r.status_code == 400
    assert r.json()["errors"][0]["source"] == {"parameter": "case_id"}


# 403, 404, archived --------------------------------------------------------------------


ALL_EDITS = [
    ("title", body(title="t")),
    ("description", body(description="d")),
    ("priority", body(priority="P1")),
    ("status", body(status_name="Closed")),
    ("due_date", body(due_date="2030-01-01")),
    ("resolved_reason", body(security_resolved_reason="TRUE_POSITIVE")),
    ("attributes", body(attributes={"a": ["b"]})),
    ("assign", body(assignee_id=str(uuid.uuid4()))),
    ("unassign", EMPTY),
]


@pytest.mark.parametrize(("path", "payload"), ALL_EDITS)
def test_read_only_key_is_403(
    readonly_api: Client, server: Server, case: dict[str, Any], path: str, payload: Any
) -> None:
    r = edit(readonly_api, case["id"], path, payload)
    assert r.status_code == 403
    assert "cases_write" in r.json()["errors"][0]["detail"]
    assert actions(server, case["id"]) == ["case.created"]


@pytest.mark.parametrize(("path", "payload"), ALL_EDITS)
def test_unknown_or_foreign_case_is_404(
    api: Client, other_api: Client, server: Server, case: dict[str, Any], path: str, payload: Any
) -> None:
    for client, ref in (
        (api, str(uuid.uuid4())),
        (api, "NOPE-1"),
        (other_api, case["id"]),
        (other_api, case["attributes"]["key"]),
    ):
        r = edit(client, ref, path, payload)
        assert r.status_code == 404, (ref, r.text)
        assert r.json() == CASE_NOT_FOUND
    assert actions(server, case["id"]) == ["case.created"]


@pytest.mark.parametrize(("path", "payload"), ALL_EDITS)
def test_archived_case_refuses_edits(
    api: Client, keys: Keys, server: Server, case: dict[str, Any], path: str, payload: Any
) -> None:
    if path == "assign":
        payload = body(assignee_id=keys.user_id)
    archived = ok(api, case["id"], "archive", EMPTY)
    r = edit(api, case["id"], path, payload)
    assert r.status_code == 400, r.text
    assert "archived" in r.json()["errors"][0]["detail"]
    assert api.get(f"/api/v2/cases/{case['id']}").json()["data"] == archived
    assert actions(server, case["id"]) == ["case.created", "case.archived"]
    ok(api, case["id"], "unarchive", EMPTY)
    if path != "resolved_reason":  # that one also needs a closed case
        assert edit(api, case["id"], path, payload).status_code == 200


# Concurrency ---------------------------------------------------------------------------


def test_concurrent_edits_of_different_fields_never_undo_each_other(
    api: Client, server: Server, keys: Keys, case: dict[str, Any]
) -> None:
    """20 threads, half renaming, half re-prioritising, 10 edits each, then one final pair
    at once. Each field ends at its last written value, and the record shows each field's
    changes as one unbroken chain (every `from` is the previous `to`): nothing was lost."""
    priorities = ["P1", "P2", "P3", "P4", "P5"]
    errors: list[str] = []
    barrier = threading.Barrier(20)

    def worker(n: int) -> None:
        client = server.client(keys)
        barrier.wait()
        for i in range(10):
            if n % 2:
                r = edit(client, case["id"], "title", body(title=f"t{n}-{i}"))
            else:
                r = edit(client, case["id"], "priority", body(priority=priorities[(n + i) % 5]))
            if r.status_code != 200:
                errors.append(r.text)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

    final = threading.Barrier(2)
    results: list[Any] = []

    def last(path: str, payload: dict[str, Any]) -> None:
        final.wait()
        results.append(edit(api, case["id"], path, payload))

    pair = [
        threading.Thread(target=last, args=("title", body(title="final title"))),
        threading.Thread(target=last, args=("priority", body(priority="NOT_DEFINED"))),
    ]
    for t in pair:
        t.start()
    for t in pair:
        t.join()
    assert [r.status_code for r in results] == [200, 200]

    attrs = api.get(f"/api/v2/cases/{case['id']}").json()["data"]["attributes"]
    assert (attrs["title"], attrs["priority"]) == ("final title", "NOT_DEFINED")
    recorded = events(server, case["id"])[1:]
    for field, first in (("title", "Edit me"), ("priority", 3)):
        chain = [e["details"][field] for e in recorded if field in e["details"]]
        assert chain, field
        assert chain[0]["from"] == first
        for before, after in itertools.pairwise(chain):
            assert after["from"] == before["to"], field
            assert after["from"] != after["to"]
    assert len({e["created_at"] for e in recorded}) == len(recorded)
    titles = [e for e in recorded if e["action"] == "case.title_updated"]
    assert len(titles) == 101  # every title was new, so every rename was written


# The official client -------------------------------------------------------------------


def test_round_trip_through_the_official_client(
    server: Server, keys: Keys, api: Client, case: dict[str, Any]
) -> None:
    from datadog_api_client import ApiClient, Configuration
    from datadog_api_client.exceptions import ApiException
    from datadog_api_client.v2.api.case_management_api import CaseManagementApi
    from datadog_api_client.v2.model.case_assign import CaseAssign
    from datadog_api_client.v2.model.case_assign_attributes import CaseAssignAttributes
    from datadog_api_client.v2.model.case_assign_request import CaseAssignRequest
    from datadog_api_client.v2.model.case_empty import CaseEmpty
    from datadog_api_client.v2.model.case_empty_request import CaseEmptyRequest
    from datadog_api_client.v2.model.case_priority import CasePriority
    from datadog_api_client.v2.model.case_resource_type import CaseResourceType
    from datadog_api_client.v2.model.case_status import CaseStatus
    from datadog_api_client.v2.model.case_update_attributes import CaseUpdateAttributes
    from datadog_api_client.v2.model.case_update_attributes_attributes import (
        CaseUpdateAttributesAttributes,
    )
    from datadog_api_client.v2.model.case_update_attributes_request import (
        CaseUpdateAttributesRequest,
    )
    from datadog_api_client.v2.model.case_update_description import CaseUpdateDescription
    from datadog_api_client.v2.model.case_update_description_attributes import (
        CaseUpdateDescriptionAttributes,
    )
    from datadog_api_client.v2.model.case_update_description_request import (
        CaseUpdateDescriptionRequest,
    )
    from datadog_api_client.v2.model.case_update_due_date import CaseUpdateDueDate
    from datadog_api_client.v2.model.case_update_due_date_attributes import (
        CaseUpdateDueDateAttributes,
    )
    from datadog_api_client.v2.model.case_update_due_date_request import (
        CaseUpdateDueDateRequest,
    )
    from datadog_api_client.v2.model.case_update_priority import CaseUpdatePriority
    from datadog_api_client.v2.model.case_update_priority_attributes import (
        CaseUpdatePriorityAttributes,
    )
    from datadog_api_client.v2.model.case_update_priority_request import (
        CaseUpdatePriorityRequest,
    )
    from datadog_api_client.v2.model.case_update_resolved_reason import (
        CaseUpdateResolvedReason,
    )
    from datadog_api_client.v2.model.case_update_resolved_reason_attributes import (
        CaseUpdateResolvedReasonAttributes,
    )
    from datadog_api_client.v2.model.case_update_resolved_reason_request import (
        CaseUpdateResolvedReasonRequest,
    )
    from datadog_api_client.v2.model.case_update_status import CaseUpdateStatus
    from datadog_api_client.v2.model.case_update_status_attributes import (
        CaseUpdateStatusAttributes,
    )
    from datadog_api_client.v2.model.case_update_status_request import CaseUpdateStatusRequest
    from datadog_api_client.v2.model.case_update_title import CaseUpdateTitle
    from datadog_api_client.v2.model.case_update_title_attributes import (
        CaseUpdateTitleAttributes,
    )
    from datadog_api_client.v2.model.case_update_title_request import CaseUpdateTitleRequest

    config = Configuration(host=server.base_url)
    config.api_key = {"apiKeyAuth": keys.api_key, "appKeyAuth": keys.app_key}
    kind = CaseResourceType.CASE
    key = case["attributes"]["key"]
    with ApiClient(config) as client:
        cm = CaseManagementApi(client)
        got = cm.update_case_title(
            case_id=key,
            body=CaseUpdateTitleRequest(
                data=CaseUpdateTitle(
                    type=kind, attributes=CaseUpdateTitleAttributes(title="Via client")
                )
            ),
        ).data
        assert (got.id, got.attributes.title) == (case["id"], "Via client")
        got = cm.update_case_description(
            case_id=case["id"],
            body=CaseUpdateDescriptionRequest(
                data=CaseUpdateDescription(
                    type=kind, attributes=CaseUpdateDescriptionAttributes(description="More")
                )
            ),
        ).data
        assert got.attributes.description == "More"
        got = cm.update_priority(
            case_id=case["id"],
            body=CaseUpdatePriorityRequest(
                data=CaseUpdatePriority(
                    type=kind, attributes=CaseUpdatePriorityAttributes(priority=CasePriority.P2)
                )
            ),
        ).data
        assert got.attributes.priority == CasePriority.P2
        got = cm.update_case_due_date(
            case_id=case["id"],
            body=CaseUpdateDueDateRequest(
                data=CaseUpdateDueDate(
                    type=kind, attributes=CaseUpdateDueDateAttributes(due_date="2030-06-30")
                )
            ),
        ).data
        assert got.id == case["id"]
        got = cm.update_attributes(
            case_id=case["id"],
            body=CaseUpdateAttributesRequest(
                data=CaseUpdateAttributes(
                    type=kind,
                    attributes=CaseUpdateAttributesAttributes(attributes={"team": ["blue"]}),
                )
            ),
        ).data
        assert got.attributes.attributes.to_dict() == {"team": ["blue"]}
        got = cm.assign_case(
            case_id=case["id"],
            body=CaseAssignRequest(
                data=CaseAssign(
                    type=kind, attributes=CaseAssignAttributes(assignee_id=keys.user_id)
                )
            ),
        ).data
        assert got.relationships.assignee.data.id == keys.user_id
        got = cm.unassign_case(
            case_id=case["id"], body=CaseEmptyRequest(data=CaseEmpty(type=kind))
        ).data
        assert got.id == case["id"]
        got = cm.update_status(
            case_id=case["id"],
            body=CaseUpdateStatusRequest(
                data=CaseUpdateStatus(
                    type=kind, attributes=CaseUpdateStatusAttributes(status_name="Closed")
                )
            ),
        ).data
        assert (got.attributes.status, got.attributes.status_name) == (CaseStatus.CLOSED, "Closed")
        assert got.attributes.closed_at is not None
        got = cm.update_case_resolved_reason(
            case_id=case["id"],
            body=CaseUpdateResolvedReasonRequest(
                data=CaseUpdateResolvedReason(
                    type=kind,
                    attributes=CaseUpdateResolvedReasonAttributes(
                        security_resolved_reason="TRUE_POSITIVE"
                    ),
                )
            ),
        ).data
        assert got.id == case["id"]
        got = cm.update_status(
            case_id=case["id"],
            body=CaseUpdateStatusRequest(
                data=CaseUpdateStatus(
                    type=kind, attributes=CaseUpdateStatusAttributes(status=CaseStatus.IN_PROGRESS)
                )
            ),
        ).data
        assert got.attributes.status_name == "In Progress"
        with pytest.raises(ApiException) as caught:
            cm.update_case_title(
                case_id=str(uuid.uuid4()),
                body=CaseUpdateTitleRequest(
                    data=CaseUpdateTitle(type=kind, attributes=CaseUpdateTitleAttributes(title="x"))
                ),
            )
        assert caught.value.status == 404

    attrs = api.get(f"/api/v2/cases/{case['id']}").json()["data"]
    assert attrs["attributes"]["title"] == "Via client"
    assert attrs["attributes"]["description"] == "More"
    assert attrs["attributes"]["due_date"] == "2030-06-30"
    assert attrs["attributes"]["attributes"] == {"team": ["blue"]}
    assert "assignee" not in attrs["relationships"]
    assert "resolved_reason" not in attrs["attributes"]  # cleared when the case was reopened
    assert actions(server, case["id"])[1:] == [
        "case.title_updated",
        "case.description_updated",
        "case.priority_updated",
        "case.due_date_updated",
        "case.attributes_updated",
        "case.assigned",
        "case.unassigned",
        "case.status_updated",
        "case.resolved_reason_updated",
        "case.status_updated",
    ]

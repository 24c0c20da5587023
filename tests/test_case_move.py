"""MoveCaseToProject: the case takes the destination's next key, every key it had keeps
resolving to it, its public id stays, and one event records the move."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from case_db import actions, case_keys, events
from conftest import Client, Keys, Server

CASE_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "case not found"}]
}
PROJECT_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "project not found"}]
}


def move_body(project_id: Any, kind: str = "project") -> dict[str, Any]:
    return {"data": {"type": kind, "id": project_id}}


def move(api: Client, ref: str, project_id: Any) -> Any:
    return api.patch(f"/api/v2/cases/{ref}/relationships/project", json=move_body(project_id))


def moved(api: Client, ref: str, project_id: str) -> dict[str, Any]:
    r = move(api, ref, project_id)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.api+json"
    data: dict[str, Any] = r.json()["data"]
    return data


@pytest.fixture
def source(api: Client) -> dict[str, Any]:
    return api.new_project()


@pytest.fixture
def dest(api: Client) -> dict[str, Any]:
    return api.new_project()


def test_move_renumbers_and_old_key_still_resolves(
    api: Client, server: Server, keys: Keys, source: dict[str, Any], dest: dict[str, Any]
) -> None:
    src_key, dst_key = source["attributes"]["key"], dest["attributes"]["key"]
    api.new_case(source["id"], "first")
    case = api.new_case(source["id"], "second")
    api.new_case(dest["id"], "already there")
    assert case["attributes"]["key"] == f"{src_key}-2"

    data = moved(api, f"{src_key}-2".lower(), dest["id"])
    attrs = data["attributes"]
    assert data["id"] == case["id"]
    assert attrs["key"] == f"{dst_key}-2"
    assert data["relationships"]["project"]["data"] == {"id": dest["id"], "type": "project"}
    assert data["relationships"]["modified_by"]["data"]["id"] == keys.user_id
    assert attrs["modified_at"] > attrs["created_at"]
    for field in ("public_id", "title", "created_at", "status", "priority"):
        assert attrs[field] == case["attributes"][field]

    # Both keys and the UUID name the case.
    for ref in (case["id"], f"{src_key}-2", f"{dst_key}-2", f"{dst_key.lower()}-2"):
        got = api.get(f"/api/v2/cases/{ref}")
        assert got.status_code == 200
        assert got.json()["data"] == data
    assert case_keys(server, case["id"]) == sorted([f"{src_key}-2", f"{dst_key}-2"])

    [event] = [e for e in events(server, case["id"]) if e["action"] == "case.moved"]
    assert event["details"] == {
        "project_id": {"from": source["id"], "to": dest["id"]},
        "key": {"from": f"{src_key}-2", "to": f"{dst_key}-2"},
    }
    assert event["actor_id"] == keys.user_id

    # Numbering continues in both projects; the source never reuses the moved case's number.
    assert api.new_case(dest["id"])["attributes"]["key"] == f"{dst_key}-3"
    assert api.new_case(source["id"])["attributes"]["key"] == f"{src_key}-3"

    # Search by project follows the case.
    found = api.get("/api/v2/cases", params={"filter": f"project:{dst_key}"}).json()["data"]
    assert case["id"] in {c["id"] for c in found}
    found = api.get("/api/v2/cases", params={"filter": f"project:{src_key}"}).json()["data"]
    assert case["id"] not in {c["id"] for c in found}


def test_move_back_gets_a_new_key_and_keeps_all_old_ones(
    api: Client, server: Server, source: dict[str, Any], dest: dict[str, Any]
) -> None:
    src_key, dst_key = source["attributes"]["key"], dest["attributes"]["key"]
    case = api.new_case(source["id"])
    moved(api, case["id"], dest["id"])
    back = moved(api, f"{dst_key}-1", source["id"])
    assert back["attributes"]["key"] == f"{src_key}-2"
    assert case_keys(server, case["id"]) == sorted([f"{src_key}-1", f"{dst_key}-1", f"{src_key}-2"])
    for ref in (f"{src_key}-1", f"{dst_key}-1", f"{src_key}-2"):
        assert api.get(f"/api/v2/cases/{ref}").json()["data"]["id"] == case["id"]
    assert actions(server, case["id"]) == ["case.created", "case.moved", "case.moved"]


def test_move_to_its_own_project_changes_nothing(
    api: Client, server: Server, source: dict[str, Any]
) -> None:
    case = api.new_case(source["id"])
    assert moved(api, case["id"], source["id"].upper()) == case
    assert actions(server, case["id"]) == ["case.created"]
    # The project's numbering did not advance either.
    assert api.new_case(source["id"])["attributes"]["key"] == f"{source['attributes']['key']}-2"


def test_moved_case_is_still_editable_and_carries_its_history(
    api: Client, server: Server, source: dict[str, Any], dest: dict[str, Any]
) -> None:
    case = api.new_case(source["id"])
    moved(api, case["id"], dest["id"])
    r = api.post(
        f"/api/v2/cases/{source['attributes']['key']}-1/title",
        json={"data": {"type": "case", "attributes": {"title": "by old key"}}},
    )
    assert r.status_code == 200
    assert r.json()["data"]["attributes"]["key"] == f"{dest['attributes']['key']}-1"
    assert actions(server, case["id"]) == ["case.created", "case.moved", "case.title_updated"]


# Errors --------------------------------------------------------------------------------


def test_unknown_or_foreign_project_is_404(
    api: Client, other_api: Client, server: Server, source: dict[str, Any]
) -> None:
    case = api.new_case(source["id"])
    foreign = other_api.new_project()
    for project_id in (str(uuid.uuid4()), foreign["id"]):
        r = move(api, case["id"], project_id)
        assert r.status_code == 404
        assert r.json() == PROJECT_NOT_FOUND
    assert actions(server, case["id"]) == ["case.created"]


@pytest.mark.parametrize(
    ("payload", "pointer"),
    [
        (move_body("not-a-uuid"), "/data/id"),
        (move_body(42), "/data/id"),
        ({"data": {"type": "project"}}, "/data/id"),
        ({"data": {"id": "00000000-0000-0000-0000-000000000000"}}, "/data/type"),
        (move_body(str(uuid.uuid4()), kind="case"), "/data/type"),
        ({}, "/data"),
    ],
)
def test_bad_body_is_400_with_a_pointer(
    api: Client, server: Server, source: dict[str, Any], payload: Any, pointer: str
) -> None:
    case = api.new_case(source["id"])
    r = api.patch(f"/api/v2/cases/{case['id']}/relationships/project", json=payload)
    assert r.status_code == 400, r.text
    [error] = r.json()["errors"]
    assert (error["status"], error["title"]) == ("400", "Bad Request")
    assert error["source"] == {"pointer": pointer}
    assert actions(server, case["id"]) == ["case.created"]


def test_wrong_data_type_has_datadogs_wording(api: Client, source: dict[str, Any]) -> None:
    case = api.new_case(source["id"])
    r = api.patch(
        f"/api/v2/cases/{case['id']}/relationships/project",
        json=move_body(source["id"], kind="case"),
    )
    assert r.json()["errors"][0]["detail"] == 'got type "case" expected one of "project"'


def test_read_only_key_is_403(
    api: Client, readonly_api: Client, source: dict[str, Any], dest: dict[str, Any]
) -> None:
    case = api.new_case(source["id"])
    r = move(readonly_api, case["id"], dest["id"])
    assert r.status_code == 403
    assert api.get(f"/api/v2/cases/{case['id']}").json()["data"] == case


def test_unknown_or_foreign_case_is_404(
    api: Client, other_api: Client, source: dict[str, Any], dest: dict[str, Any]
) -> None:
    case = api.new_case(source["id"])
    foreign_project = other_api.new_project()
    for client, ref, project_id in (
        (api, str(uuid.uuid4()), dest["id"]),
        (api, "NOPE-9", dest["id"]),
        (other_api, case["id"], foreign_project["id"]),
        (other_api, case["attributes"]["key"], foreign_project["id"]),
    ):
        r = move(client, ref, project_id)
        assert r.status_code == 404
        assert r.json() == CASE_NOT_FOUND
    assert api.get(f"/api/v2/cases/{case['id']}").json()["data"] == case


def test_archived_case_is_not_moved(
    api: Client, server: Server, source: dict[str, Any], dest: dict[str, Any]
) -> None:
    case = api.new_case(source["id"])
    api.post(f"/api/v2/cases/{case['id']}/archive", json={"data": {"type": "case"}})
    r = move(api, case["id"], dest["id"])
    assert r.status_code == 400
    assert "archived" in r.json()["errors"][0]["detail"]
    assert actions(server, case["id"]) == ["case.created", "case.archived"]
    assert api.new_case(dest["id"])["attributes"]["key"] == f"{dest['attributes']['key']}-1"


# Concurrency ---------------------------------------------------------------------------


def test_concurrent_moves_and_creations_number_without_gaps(
    api: Client, server: Server, keys: Keys, source: dict[str, Any], dest: dict[str, Any]
) -> None:
    """10 cases moving into a project while 10 others are created in it: the project's keys
    are exactly 1..20, each case has one, and every moved case still answers to its old key."""
    cases = [api.new_case(source["id"], f"mover {i}") for i in range(10)]
    barrier = threading.Barrier(20)
    errors: list[str] = []

    def mover(case: dict[str, Any]) -> None:
        client = server.client(keys)
        barrier.wait()
        r = move(client, case["id"], dest["id"])
        if r.status_code != 200:
            errors.append(r.text)

    def creator(i: int) -> None:
        client = server.client(keys)
        barrier.wait()
        r = client.post(
            "/api/v2/cases",
            json={
                "data": {
                    "type": "case",
                    "attributes": {
                        "title": f"new {i}",
                        "type_id": "00000000-0000-0000-0000-000000000001",
                    },
                    "relationships": {"project": {"data": {"type": "project", "id": dest["id"]}}},
                }
            },
        )
        if r.status_code != 201:
            errors.append(r.text)

    threads = [threading.Thread(target=mover, args=(c,)) for c in cases]
    threads += [threading.Thread(target=creator, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

    dst_key = dest["attributes"]["key"]
    r = api.get("/api/v2/cases", params={"filter": f"project:{dst_key}", "page[size]": "100"})
    found = r.json()["data"]
    assert sorted(int(c["attributes"]["key"].rsplit("-", 1)[1]) for c in found) == list(
        range(1, 21)
    )
    for case in cases:
        got = api.get(f"/api/v2/cases/{case['attributes']['key']}").json()["data"]
        assert got["id"] == case["id"]
        assert got["attributes"]["key"].startswith(f"{dst_key}-")


# The official client -------------------------------------------------------------------


def test_move_through_the_official_client(
    server: Server, keys: Keys, api: Client, source: dict[str, Any], dest: dict[str, Any]
) -> None:
    from datadog_api_client import ApiClient, Configuration
    from datadog_api_client.exceptions import ApiException
    from datadog_api_client.v2.api.case_management_api import CaseManagementApi
    from datadog_api_client.v2.model.project_relationship import ProjectRelationship
    from datadog_api_client.v2.model.project_relationship_data import ProjectRelationshipData
    from datadog_api_client.v2.model.project_resource_type import ProjectResourceType

    case = api.new_case(source["id"])
    config = Configuration(host=server.base_url)
    config.api_key = {"apiKeyAuth": keys.api_key, "appKeyAuth": keys.app_key}
    with ApiClient(config) as client:
        cm = CaseManagementApi(client)
        got = cm.move_case_to_project(
            case_id=case["attributes"]["key"],
            body=ProjectRelationship(
                data=ProjectRelationshipData(id=dest["id"], type=ProjectResourceType.PROJECT)
            ),
        ).data
        assert got.id == case["id"]
        assert got.attributes.key == f"{dest['attributes']['key']}-1"
        assert got.relationships.project.data.id == dest["id"]
        with pytest.raises(ApiException) as caught:
            cm.move_case_to_project(
                case_id=case["id"],
                body=ProjectRelationship(
                    data=ProjectRelationshipData(
                        id=str(uuid.uuid4()), type=ProjectResourceType.PROJECT
                    )
                ),
            )
        assert caught.value.status == 404


def test_deleting_a_project_frees_the_old_keys_of_cases_moved_out(api: Client) -> None:
    key = "MV" + uuid.uuid4().hex[:6].upper().replace("0", "A")
    first = api.new_project(key=key)
    target = api.new_project()
    case = api.new_case(first["id"], "Moves away")
    assert case["attributes"]["key"] == f"{key}-1"
    moved(api, case["id"], target["id"])
    assert api.delete(f"/api/v2/cases/projects/{first['id']}").status_code == 204
    # The moved case no longer answers to the deleted project's key…
    assert api.get(f"/api/v2/cases/{key}-1").status_code == 404
    assert api.get(f"/api/v2/cases/{case['id']}").status_code == 200
    # …and a new project with the same key numbers from 1 again.
    again = api.new_project(key=key)
    assert api.new_case(again["id"], "Fresh")["attributes"]["key"] == f"{key}-1"

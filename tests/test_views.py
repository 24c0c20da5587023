"""Case views: ListCaseViews, CreateCaseView, GetCaseView, UpdateCaseView, DeleteCaseView."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from conftest import Client, Keys, Server

BASE = "/api/v2/cases/views"
VIEW_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "view not found"}]
}
PROJECT_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "project not found"}]
}
INVALID_QUERIES = ["status:(", "nosuchfield:x", "priority:P9", "status:open AND"]
VALID_QUERIES = ["status:open priority:P1", "insight.type:MONITOR", "title words"]


def body(project_id: str, name: str = "Open P1s", query: str = "status:open", **extra: Any) -> Any:
    attributes = {"name": name, "query": query, "project_id": project_id, **extra}
    return {"data": {"type": "view", "attributes": attributes}}


def update(**attributes: Any) -> Any:
    return {"data": {"type": "view", "attributes": attributes}}


def create(api: Client, project_id: str, **kw: Any) -> dict[str, Any]:
    r = api.post(BASE, json=body(project_id, **kw))
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def views_of(api: Client, project_id: str) -> list[dict[str, Any]]:
    r = api.get(BASE, params={"project_id": project_id})
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def get(api: Client, view_id: str) -> dict[str, Any]:
    r = api.get(f"{BASE}/{view_id}")
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def bad_request(r: Any, pointer: str | None = None, parameter: str | None = None) -> str:
    """Asserts a 400 naming the pointer or parameter; returns the detail."""
    assert r.status_code == 400, r.text
    (error,) = r.json()["errors"]
    assert error["status"] == "400"
    if pointer is not None:
        assert error["source"] == {"pointer": pointer}, error
    if parameter is not None:
        assert error["source"] == {"parameter": parameter}, error
    detail: str = error.get("detail", "")
    return detail


@pytest.fixture(scope="module")
def bob_api(server: Server) -> Client:
    """A second user of `acme`, with every scope."""
    return server.client(server.create_keys("acme", "bob@acme.test"))


def test_create_get_list_update_delete(api: Client, keys: Keys, project: dict[str, Any]) -> None:
    r = api.post(BASE, json=body(project["id"], "Open P1s", "status:open priority:P1"))
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"] == "application/vnd.api+json"
    created = r.json()
    view = created["data"]
    uuid.UUID(view["id"])
    assert view["type"] == "view"
    assert set(view["attributes"]) == {"name", "query", "created_at"}
    assert view["attributes"]["name"] == "Open P1s"
    assert view["attributes"]["query"] == "status:open priority:P1"
    assert view["attributes"]["created_at"].endswith("Z")
    assert view["relationships"] == {
        "project": {"data": {"id": project["id"], "type": "project"}},
        "created_by": {"data": {"id": keys.user_id, "type": "user"}},
    }
    assert api.get(f"{BASE}/{view['id']}").json() == created
    assert views_of(api, project["id"]) == [view]

    r = api.put(f"{BASE}/{view['id']}", json=update(name="Urgent"))
    assert r.status_code == 200, r.text
    renamed = r.json()["data"]
    assert renamed["attributes"]["name"] == "Urgent"
    assert renamed["attributes"]["query"] == "status:open priority:P1"
    assert renamed["attributes"]["modified_at"] > view["attributes"]["created_at"]
    assert renamed["relationships"]["modified_by"] == {"data": {"id": keys.user_id, "type": "user"}}
    assert get(api, view["id"]) == renamed

    r = api.delete(f"{BASE}/{view['id']}")
    assert r.status_code == 204, r.text
    assert r.content == b""
    r = api.get(f"{BASE}/{view['id']}")
    assert r.status_code == 404
    assert r.json() == VIEW_NOT_FOUND
    r = api.delete(f"{BASE}/{view['id']}")
    assert r.status_code == 404
    assert r.json() == VIEW_NOT_FOUND
    assert views_of(api, project["id"]) == []


def test_list_is_per_project_oldest_first(api: Client, project: dict[str, Any]) -> None:
    other = api.new_project()
    made = [create(api, project["id"], name=f"v{i}") for i in range(3)]
    theirs = create(api, other["id"], name="elsewhere")
    listed = views_of(api, project["id"])
    assert [v["id"] for v in listed] == [v["id"] for v in made]
    stamps = [v["attributes"]["created_at"] for v in listed]
    assert stamps == sorted(stamps)
    assert views_of(api, other["id"]) == [theirs]
    # An update does not move a view in the list.
    api.put(f"{BASE}/{made[0]['id']}", json=update(name="renamed"))
    assert [v["id"] for v in views_of(api, project["id"])] == [v["id"] for v in made]


def test_routes_do_not_collide_with_cases(api: Client, project: dict[str, Any]) -> None:
    case = api.new_case(project["id"])
    # /cases/views is the view collection, not GetCase("views"); cases still resolve.
    assert bad_request(api.get(BASE), parameter="project_id")
    assert api.get(f"/api/v2/cases/{case['id']}").status_code == 200
    assert api.get(f"/api/v2/cases/{case['attributes']['key']}").status_code == 200
    view = create(api, project["id"])
    assert get(api, view["id"])["type"] == "view"
    bad_request(api.get(f"{BASE}/{case['id'][:8]}"), parameter="view_id")
    # A case id under /views is no view; and /views/{id} has no POST.
    r = api.get(f"{BASE}/{case['id']}")
    assert r.status_code == 404
    assert r.json() == VIEW_NOT_FOUND
    r = api.post(f"{BASE}/{view['id']}", json=update(name="x"))
    assert r.status_code == 405
    assert api.request("PATCH", BASE, json=body(project["id"])).status_code == 405


@pytest.mark.parametrize("query", VALID_QUERIES)
def test_valid_queries_are_saved_as_given(api: Client, project: dict[str, Any], query: str) -> None:
    view = create(api, project["id"], query=query)
    assert view["attributes"]["query"] == query
    other = create(api, project["id"], query="status:open")
    r = api.put(f"{BASE}/{other['id']}", json=update(query=query))
    assert r.status_code == 200, r.text
    assert r.json()["data"]["attributes"]["query"] == query


@pytest.mark.parametrize("query", INVALID_QUERIES)
def test_invalid_queries_are_400_and_save_nothing(
    api: Client, project: dict[str, Any], query: str
) -> None:
    detail = bad_request(
        api.post(BASE, json=body(project["id"], query=query)), pointer="/data/attributes/query"
    )
    assert detail.startswith("invalid query")
    assert views_of(api, project["id"]) == []

    view = create(api, project["id"], query="status:open")
    r = api.put(f"{BASE}/{view['id']}", json=update(name="changed", query=query))
    bad_request(r, pointer="/data/attributes/query")
    # Nothing of the rejected update was saved, not even the valid name.
    assert get(api, view["id"]) == view


def test_empty_query_is_all_cases(api: Client, project: dict[str, Any]) -> None:
    """The query language accepts the empty query (every case), so a view may save it."""
    view = create(api, project["id"], query="")
    assert view["attributes"]["query"] == ""
    r = api.put(f"{BASE}/{view['id']}", json=update(query="status:open"))
    assert r.status_code == 200, r.text
    r = api.put(f"{BASE}/{view['id']}", json=update(query=""))
    assert r.status_code == 200, r.text
    assert r.json()["data"]["attributes"]["query"] == ""


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        ("", None),
        ("   ", "name must not be blank"),
        ("x" * 201, None),
    ],
)
def test_name_must_be_1_to_200_characters_not_blank(
    api: Client, project: dict[str, Any], name: str, detail: str | None
) -> None:
    got = bad_request(
        api.post(BASE, json=body(project["id"], name=name)), pointer="/data/attributes/name"
    )
    if detail is not None:
        assert got == detail
    view = create(api, project["id"], name="x" * 200)
    r = api.put(f"{BASE}/{view['id']}", json=update(name=name))
    bad_request(r, pointer="/data/attributes/name")
    assert get(api, view["id"]) == view
    assert views_of(api, project["id"]) == [view]


@pytest.mark.parametrize("missing", ["name", "query", "project_id"])
def test_required_attributes(api: Client, project: dict[str, Any], missing: str) -> None:
    payload = body(project["id"])
    del payload["data"]["attributes"][missing]
    detail = bad_request(api.post(BASE, json=payload), pointer=f"/data/attributes/{missing}")
    assert detail == f"missing required field {missing!r}"
    assert views_of(api, project["id"]) == []


def test_bad_bodies_are_400(api: Client, project: dict[str, Any]) -> None:
    payload = body(project["id"])
    payload["data"]["type"] = "case"
    detail = bad_request(api.post(BASE, json=payload), pointer="/data/type")
    assert detail == 'got type "case" expected one of "view"'
    detail = bad_request(api.post(BASE, json=body("SEC-1")), pointer="/data/attributes/project_id")
    assert detail == "'SEC-1' is not a project UUID"
    bad_request(api.post(BASE, json=body(project["id"], query=5)), pointer="/data/attributes/query")
    bad_request(
        api.post(BASE, json=body(project["id"], query="x" * 4097)),
        pointer="/data/attributes/query",
    )
    bad_request(
        api.post(BASE, json=body(project["id"], name="a\u0000b")), pointer="/data/attributes/name"
    )
    bad_request(api.post(BASE, data=b"{"), pointer="")
    view = create(api, project["id"])
    bad_request(api.put(f"{BASE}/{view['id']}", json={"data": {"type": "case"}}), "/data/type")
    bad_request(api.put(f"{BASE}/{view['id']}", json={}), pointer="/data")
    assert views_of(api, project["id"]) == [view]


def test_unknown_and_other_organisations_projects_are_404(
    api: Client, other_api: Client, project: dict[str, Any]
) -> None:
    theirs = other_api.new_project()
    for project_id in (str(uuid.uuid4()), theirs["id"]):
        r = api.post(BASE, json=body(project_id))
        assert r.status_code == 404, r.text
        assert r.json() == PROJECT_NOT_FOUND
        r = api.get(BASE, params={"project_id": project_id})
        assert r.status_code == 404
        assert r.json() == PROJECT_NOT_FOUND
    assert views_of(other_api, theirs["id"]) == []
    # From the other organisation, our project does not exist either.
    create(api, project["id"])
    r = other_api.get(BASE, params={"project_id": project["id"]})
    assert r.status_code == 404
    assert r.json() == PROJECT_NOT_FOUND
    r = other_api.post(BASE, json=body(project["id"]))
    assert r.status_code == 404
    assert r.json() == PROJECT_NOT_FOUND
    assert len(views_of(api, project["id"])) == 1


def test_other_organisations_views_are_404(
    api: Client, other_api: Client, project: dict[str, Any]
) -> None:
    view = create(api, project["id"])
    for r in (
        other_api.get(f"{BASE}/{view['id']}"),
        other_api.put(f"{BASE}/{view['id']}", json=update(name="mine now")),
        other_api.delete(f"{BASE}/{view['id']}"),
    ):
        assert r.status_code == 404, r.text
        assert r.json() == VIEW_NOT_FOUND
    assert get(api, view["id"]) == view
    r = api.get(f"{BASE}/{uuid.uuid4()}")
    assert r.status_code == 404
    assert r.json() == VIEW_NOT_FOUND
    r = api.put(f"{BASE}/{uuid.uuid4()}", json=update(name="x"))
    assert r.status_code == 404
    assert r.json() == VIEW_NOT_FOUND


def test_update_changes_only_the_attributes_given(
    api: Client, bob_api: Client, keys: Keys, project: dict[str, Any]
) -> None:
    view = create(api, project["id"], name="Mine", query="status:open", np_rule_id="rule-1")
    assert view["attributes"]["np_rule_id"] == "rule-1"

    # Nothing given, or only the current values: 200, nothing written.
    for change in ({}, {"name": "Mine", "query": "status:open", "np_rule_id": "rule-1"}):
        r = api.put(f"{BASE}/{view['id']}", json=update(**change))
        assert r.status_code == 200, r.text
        assert r.json()["data"] == view
    r = api.put(f"{BASE}/{view['id']}", json={"data": {"type": "view"}})
    assert r.status_code == 200, r.text
    assert r.json()["data"] == view

    # Another user of the organisation changes the query only.
    time.sleep(0.002)
    r = bob_api.put(f"{BASE}/{view['id']}", json=update(query="priority:P1"))
    assert r.status_code == 200, r.text
    changed = r.json()["data"]
    assert changed["attributes"] == {
        **view["attributes"],
        "query": "priority:P1",
        "modified_at": changed["attributes"]["modified_at"],
    }
    assert changed["attributes"]["modified_at"] > view["attributes"]["created_at"]
    bob = changed["relationships"]["modified_by"]["data"]["id"]
    assert bob != keys.user_id
    assert changed["relationships"]["created_by"]["data"]["id"] == keys.user_id

    # null name or query: not given; null np_rule_id: removed.
    r = api.put(f"{BASE}/{view['id']}", json=update(name=None, query=None, np_rule_id=None))
    assert r.status_code == 200, r.text
    cleared = r.json()["data"]
    assert "np_rule_id" not in cleared["attributes"]
    assert cleared["attributes"]["name"] == "Mine"
    assert cleared["attributes"]["query"] == "priority:P1"
    assert cleared["attributes"]["modified_at"] > changed["attributes"]["modified_at"]
    assert cleared["relationships"]["modified_by"]["data"]["id"] == keys.user_id
    assert get(api, view["id"]) == cleared


def test_np_rule_id_is_stored_as_given(api: Client, project: dict[str, Any]) -> None:
    # Datadog's spec types it as a plain string (no uuid format): any 1-256 characters.
    for value in (str(uuid.uuid4()), "rule-42", "x" * 256):
        view = create(api, project["id"], np_rule_id=value)
        assert view["attributes"]["np_rule_id"] == value
        assert get(api, view["id"])["attributes"]["np_rule_id"] == value
    view = create(api, project["id"], np_rule_id=None)
    assert "np_rule_id" not in view["attributes"]
    for value in ("", "x" * 257, 42):
        r = api.post(BASE, json=body(project["id"], np_rule_id=value))
        bad_request(r, pointer="/data/attributes/np_rule_id")
        r = api.put(f"{BASE}/{view['id']}", json=update(np_rule_id=value))
        bad_request(r, pointer="/data/attributes/np_rule_id")
    assert get(api, view["id"]) == view


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({}, "missing required query parameter project_id"),
        ({"project_id": ""}, "missing required query parameter project_id"),
        ({"project_id": "SEC"}, "'SEC' is not a UUID"),
        ({"project_id": [str(uuid.UUID(int=1)), str(uuid.UUID(int=2))]}, None),
    ],
)
def test_bad_list_queries_are_400(api: Client, params: dict[str, Any], detail: str | None) -> None:
    got = bad_request(api.get(BASE, params=params), parameter="project_id")
    if detail is not None:
        assert got == detail


def test_bad_view_id_is_400(api: Client) -> None:
    for method in ("GET", "DELETE"):
        bad_request(api.request(method, f"{BASE}/nope"), parameter="view_id")
    bad_request(api.put(f"{BASE}/nope", json=update(name="x")), parameter="view_id")


def test_scopes(readonly_api: Client, api: Client, project: dict[str, Any]) -> None:
    view = create(api, project["id"])
    for r in (
        readonly_api.post(BASE, json=body(project["id"])),
        readonly_api.put(f"{BASE}/{view['id']}", json=update(name="read only")),
        readonly_api.delete(f"{BASE}/{view['id']}"),
    ):
        assert r.status_code == 403, r.text
        assert "cases_write" in r.json()["errors"][0]["detail"]
    assert views_of(readonly_api, project["id"]) == [view]
    assert get(readonly_api, view["id"]) == view


def test_deleting_a_project_deletes_its_views(api: Client) -> None:
    project = api.new_project()
    view = create(api, project["id"])
    assert api.delete(f"/api/v2/cases/projects/{project['id']}").status_code == 204
    r = api.get(f"{BASE}/{view['id']}")
    assert r.status_code == 404
    assert r.json() == VIEW_NOT_FOUND
    r = api.get(BASE, params={"project_id": project["id"]})
    assert r.status_code == 404
    assert r.json() == PROJECT_NOT_FOUND

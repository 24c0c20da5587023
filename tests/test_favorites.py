"""Project favorites: ListUserCaseProjectFavorites, FavoriteCaseProject, UnfavoriteCaseProject."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from case_db import fetch
from conftest import Client, Keys, Server

dd = pytest.importorskip("datadog_api_client")

from datadog_api_client import ApiClient, Configuration  # noqa: E402
from datadog_api_client.exceptions import NotFoundException  # noqa: E402
from datadog_api_client.v2.api.case_management_api import CaseManagementApi  # noqa: E402

FAVORITES = "/api/v2/cases/projects/favorites"
PROJECT_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "project not found"}]
}


def favorite_path(project_id: str) -> str:
    return f"/api/v2/cases/projects/{project_id}/favorites"


def favorites(api: Client) -> list[str]:
    r = api.get(FAVORITES)
    assert r.status_code == 200, r.text
    assert all(
        f["type"] == "project_favorite" and set(f) == {"id", "type"} for f in r.json()["data"]
    )
    return [f["id"] for f in r.json()["data"]]


@pytest.fixture(scope="module")
def bob_api(server: Server) -> Client:
    """A second user of `acme`, with every scope."""
    return server.client(server.create_keys("acme", "bob@acme.test"))


def test_favorite_list_unfavorite(api: Client) -> None:
    before = favorites(api)
    p1, p2 = api.new_project(), api.new_project()
    for p in (p2, p1):
        r = api.post(favorite_path(p["id"]))
        assert r.status_code == 204, r.text
        assert r.content == b""
    r = api.get(FAVORITES)
    assert r.headers["Content-Type"] == "application/vnd.api+json"
    assert r.json()["data"][len(before) :] == [
        {"id": p2["id"], "type": "project_favorite"},
        {"id": p1["id"], "type": "project_favorite"},
    ]
    r = api.delete(favorite_path(p2["id"]))
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert favorites(api) == [*before, p1["id"]]
    api.delete(favorite_path(p1["id"]))
    assert favorites(api) == before


def test_idempotent(api: Client, project: dict[str, Any]) -> None:
    before = favorites(api)
    for _ in range(2):
        assert api.post(favorite_path(project["id"])).status_code == 204
    assert favorites(api) == [*before, project["id"]]
    for _ in range(2):
        assert api.delete(favorite_path(project["id"])).status_code == 204
    assert favorites(api) == before


def test_favorites_are_per_user(api: Client, bob_api: Client, project: dict[str, Any]) -> None:
    assert api.post(favorite_path(project["id"])).status_code == 204
    assert project["id"] in favorites(api)
    assert project["id"] not in favorites(bob_api)
    assert bob_api.post(favorite_path(project["id"])).status_code == 204
    assert bob_api.delete(favorite_path(project["id"])).status_code == 204
    assert project["id"] in favorites(api)  # bob's unfavorite leaves alice's favorite alone
    api.delete(favorite_path(project["id"]))


def test_uppercase_project_id(api: Client, project: dict[str, Any]) -> None:
    assert api.post(favorite_path(project["id"].upper())).status_code == 204
    assert project["id"] in favorites(api)
    assert api.delete(favorite_path(project["id"].upper())).status_code == 204
    assert project["id"] not in favorites(api)


def test_bad_project_id_is_400(api: Client) -> None:
    for method in ("POST", "DELETE"):
        r = api.request(method, favorite_path("nope"))
        assert r.status_code == 400, r.text
        assert r.json() == {
            "errors": [
                {
                    "status": "400",
                    "title": "Invalid Parameter",
                    "detail": 'invalid parameter "project_id" in "path"; expected type "uuid"',
                    "source": {"parameter": "project_id"},
                }
            ]
        }


def test_unknown_and_other_organisations_projects_are_404(api: Client, other_api: Client) -> None:
    theirs = other_api.new_project()
    before = favorites(api)
    for project_id in (str(uuid.uuid4()), theirs["id"]):
        for method in ("POST", "DELETE"):
            r = api.request(method, favorite_path(project_id))
            assert r.status_code == 404, r.text
            assert r.json() == PROJECT_NOT_FOUND
    assert favorites(api) == before
    assert other_api.post(favorite_path(theirs["id"])).status_code == 204
    assert theirs["id"] in favorites(other_api)
    assert theirs["id"] not in favorites(api)


def test_scopes(readonly_api: Client, api: Client, project: dict[str, Any]) -> None:
    assert readonly_api.get(FAVORITES).status_code == 200
    assert readonly_api.post(favorite_path(project["id"])).status_code == 403
    assert readonly_api.delete(favorite_path(project["id"])).status_code == 403
    assert project["id"] not in favorites(api)
    assert Client(api.base_url, None, None).get(FAVORITES).status_code == 401


def test_routes_do_not_collide_with_projects(api: Client, project: dict[str, Any]) -> None:
    # /projects/favorites is the favorites list, not GetProject("favorites").
    assert isinstance(api.get(FAVORITES).json()["data"], list)
    assert api.get(f"/api/v2/cases/projects/{project['id']}").status_code == 200
    assert api.delete(FAVORITES).status_code == 405
    assert api.get(favorite_path(project["id"])).status_code == 405


def test_favorites_go_with_their_project(server: Server, api: Client, bob_api: Client) -> None:
    project = api.new_project()
    for client in (api, bob_api):
        assert client.post(favorite_path(project["id"])).status_code == 204
    assert api.delete(f"/api/v2/cases/projects/{project['id']}").status_code == 204
    assert project["id"] not in favorites(api)
    assert project["id"] not in favorites(bob_api)
    rows = fetch(server, "SELECT 1 FROM project_favorites WHERE project_id = $1", project["id"])
    assert rows == []


@pytest.fixture
def cm(server: Server, keys: Keys) -> Iterator[CaseManagementApi]:
    configuration = Configuration(host=server.base_url)
    configuration.api_key = {"apiKeyAuth": keys.api_key, "appKeyAuth": keys.app_key}
    with ApiClient(configuration) as client:
        yield CaseManagementApi(client)


def test_datadog_client_round_trip(cm: CaseManagementApi, project: dict[str, Any]) -> None:
    cm.favorite_case_project(project_id=project["id"])
    listed = cm.list_user_case_project_favorites().data
    assert [(f.id, str(f.type)) for f in listed if f.id == project["id"]] == [
        (project["id"], "project_favorite")
    ]
    cm.unfavorite_case_project(project_id=project["id"])
    assert project["id"] not in [f.id for f in cm.list_user_case_project_favorites().data]
    with pytest.raises(NotFoundException):
        cm.favorite_case_project(project_id=str(uuid.uuid4()))

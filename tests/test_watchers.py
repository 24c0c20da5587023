"""Watchers: ListCaseWatchers, WatchCase, UnwatchCase under /api/v2/cases/{case_id}/watchers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from case_db import actions, events, fetch
from conftest import Client, Keys, Server

dd = pytest.importorskip("datadog_api_client")

from datadog_api_client import ApiClient, Configuration  # noqa: E402
from datadog_api_client.exceptions import NotFoundException  # noqa: E402
from datadog_api_client.v2.api.case_management_api import CaseManagementApi  # noqa: E402

CASE_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "case not found"}]
}
USER_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "user not found"}]
}


def watchers(api: Client, case_ref: str) -> list[str]:
    r = api.get(f"/api/v2/cases/{case_ref}/watchers")
    assert r.status_code == 200, r.text
    return [w["id"] for w in r.json()["data"]]


@pytest.fixture(scope="module")
def bob(server: Server) -> Keys:
    return server.create_keys("acme", "bob@acme.test")


@pytest.fixture
def case(api: Client, project: dict[str, Any]) -> dict[str, Any]:
    return api.new_case(project["id"], "Watch me")


def test_watch_list_unwatch(
    server: Server, api: Client, keys: Keys, bob: Keys, case: dict[str, Any]
) -> None:
    path = f"/api/v2/cases/{case['id']}/watchers"
    assert api.get(path).json() == {"data": [], "included": []}

    r = api.post(f"{path}/{keys.user_id}")
    assert r.status_code == 201, r.text
    assert r.content == b""
    assert api.post(f"{path}/{bob.user_id}").status_code == 201

    r = api.get(path)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/vnd.api+json"
    body = r.json()
    assert body["data"] == [
        {
            "id": keys.user_id,
            "type": "watcher",
            "relationships": {"user": {"data": {"id": keys.user_id, "type": "user"}}},
        },
        {
            "id": bob.user_id,
            "type": "watcher",
            "relationships": {"user": {"data": {"id": bob.user_id, "type": "user"}}},
        },
    ]
    assert [(u["id"], u["type"], u["attributes"]["email"]) for u in body["included"]] == [
        (keys.user_id, "user", "alice@acme.test"),
        (bob.user_id, "user", "bob@acme.test"),
    ]
    assert set(body["included"][0]["attributes"]) == {"active", "email", "handle", "name"}

    r = api.delete(f"{path}/{keys.user_id}")
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert watchers(api, case["id"]) == [bob.user_id]


def test_watching_is_idempotent_and_recorded(
    server: Server, api: Client, keys: Keys, bob: Keys, case: dict[str, Any]
) -> None:
    path = f"/api/v2/cases/{case['id']}/watchers/{bob.user_id}"
    for _ in range(2):
        assert api.post(path).status_code == 201
    assert watchers(api, case["id"]) == [bob.user_id]
    for _ in range(2):
        assert api.delete(path).status_code == 204  # not watching any more: still 204
    assert watchers(api, case["id"]) == []

    # One event per real change, by the caller, naming the watcher; the case is not modified.
    assert actions(server, case["id"]) == ["case.created", "case.watched", "case.unwatched"]
    recorded = events(server, case["id"])[1:]
    assert [e["details"] for e in recorded] == [{"user_id": bob.user_id}] * 2
    assert {e["actor_id"] for e in recorded} == {keys.user_id}
    got = api.get(f"/api/v2/cases/{case['id']}").json()["data"]
    assert "modified_at" not in got["attributes"]
    assert "modified_by" not in got["relationships"]


def test_watch_by_case_key_and_uppercase_uuid(
    api: Client, keys: Keys, case: dict[str, Any]
) -> None:
    key = case["attributes"]["key"].lower()
    assert api.post(f"/api/v2/cases/{key}/watchers/{keys.user_id.upper()}").status_code == 201
    assert watchers(api, case["attributes"]["key"]) == [keys.user_id]


def test_a_watched_case_can_be_archived_and_still_watched(
    api: Client, keys: Keys, bob: Keys, case: dict[str, Any]
) -> None:
    path = f"/api/v2/cases/{case['id']}"
    assert api.post(f"{path}/watchers/{keys.user_id}").status_code == 201
    assert api.post(f"{path}/archive", json={"data": {"type": "case"}}).status_code == 200
    assert api.post(f"{path}/watchers/{bob.user_id}").status_code == 201
    assert api.delete(f"{path}/watchers/{keys.user_id}").status_code == 204
    assert watchers(api, case["id"]) == [bob.user_id]


def test_bad_user_uuid_is_400(api: Client, case: dict[str, Any]) -> None:
    for method in ("POST", "DELETE"):
        r = api.request(method, f"/api/v2/cases/{case['id']}/watchers/not-a-uuid")
        assert r.status_code == 400, r.text
        assert r.json() == {
            "errors": [
                {
                    "status": "400",
                    "title": "Invalid Parameter",
                    "detail": 'invalid parameter "user_uuid" in "path"; expected type "uuid"',
                    "source": {"parameter": "user_uuid"},
                }
            ]
        }


def test_bad_case_id_is_400(api: Client, keys: Keys) -> None:
    r = api.get("/api/v2/cases/not a case/watchers")
    assert r.status_code == 400
    assert r.json()["errors"][0]["source"] == {"parameter": "case_id"}
    r = api.post(f"/api/v2/cases/nope/watchers/{keys.user_id}")
    assert r.status_code == 400


def test_unknown_user_is_404(api: Client, case: dict[str, Any]) -> None:
    for method in ("POST", "DELETE"):
        r = api.request(method, f"/api/v2/cases/{case['id']}/watchers/{uuid.uuid4()}")
        assert r.status_code == 404, r.text
        assert r.json() == USER_NOT_FOUND
    assert watchers(api, case["id"]) == []


def test_user_of_another_organisation_is_404(
    server: Server, api: Client, case: dict[str, Any]
) -> None:
    gina = server.create_keys("globex", "gina@globex.test")
    r = api.post(f"/api/v2/cases/{case['id']}/watchers/{gina.user_id}")
    assert r.status_code == 404
    assert r.json() == USER_NOT_FOUND


def test_unknown_case_is_404(api: Client, keys: Keys) -> None:
    for method, suffix in (
        ("GET", ""),
        ("POST", f"/{keys.user_id}"),
        ("DELETE", f"/{keys.user_id}"),
    ):
        for ref in (str(uuid.uuid4()), "NOPE-1"):
            r = api.request(method, f"/api/v2/cases/{ref}/watchers{suffix}")
            assert r.status_code == 404, (method, ref, r.text)
            assert r.json() == CASE_NOT_FOUND


def test_case_of_another_organisation_is_404(
    server: Server, other_api: Client, api: Client, keys: Keys, case: dict[str, Any]
) -> None:
    gina = server.create_keys("globex", "gina@globex.test")
    base = f"/api/v2/cases/{case['id']}/watchers"
    assert api.post(f"{base}/{keys.user_id}").status_code == 201
    for method, path in (
        ("GET", base),
        ("POST", f"{base}/{gina.user_id}"),
        ("DELETE", f"{base}/{keys.user_id}"),
    ):
        r = other_api.request(method, path)
        assert r.status_code == 404, (method, r.text)
        assert r.json() == CASE_NOT_FOUND
    assert watchers(api, case["id"]) == [keys.user_id]


def test_scopes(readonly_api: Client, api: Client, keys: Keys, case: dict[str, Any]) -> None:
    base = f"/api/v2/cases/{case['id']}/watchers"
    assert readonly_api.get(base).status_code == 200
    assert readonly_api.post(f"{base}/{keys.user_id}").status_code == 403
    assert readonly_api.delete(f"{base}/{keys.user_id}").status_code == 403
    assert watchers(api, case["id"]) == []
    anonymous = Client(api.base_url, None, None)
    assert anonymous.get(base).status_code == 401


def test_watchers_go_with_the_project(
    server: Server, api: Client, keys: Keys, case: dict[str, Any]
) -> None:
    assert api.post(f"/api/v2/cases/{case['id']}/watchers/{keys.user_id}").status_code == 201
    project_id = case["relationships"]["project"]["data"]["id"]
    assert api.delete(f"/api/v2/cases/projects/{project_id}").status_code == 204
    assert api.get(f"/api/v2/cases/{case['id']}/watchers").status_code == 404
    assert fetch(server, "SELECT 1 FROM case_watchers WHERE case_id = $1", case["id"]) == []


@pytest.fixture
def cm(server: Server, keys: Keys) -> Iterator[CaseManagementApi]:
    configuration = Configuration(host=server.base_url)
    configuration.api_key = {"apiKeyAuth": keys.api_key, "appKeyAuth": keys.app_key}
    with ApiClient(configuration) as client:
        yield CaseManagementApi(client)


def test_datadog_client_round_trip(
    cm: CaseManagementApi, keys: Keys, bob: Keys, case: dict[str, Any]
) -> None:
    assert cm.list_case_watchers(case_id=case["id"]).data == []
    cm.watch_case(case_id=case["id"], user_uuid=keys.user_id)
    cm.watch_case(case_id=case["attributes"]["key"], user_uuid=bob.user_id)
    got = cm.list_case_watchers(case_id=case["id"])
    assert [(w.id, str(w.type), w.relationships.user.data.id) for w in got.data] == [
        (keys.user_id, "watcher", keys.user_id),
        (bob.user_id, "watcher", bob.user_id),
    ]
    cm.unwatch_case(case_id=case["id"], user_uuid=keys.user_id)
    assert [w.id for w in cm.list_case_watchers(case_id=case["id"]).data] == [bob.user_id]
    with pytest.raises(NotFoundException):
        cm.watch_case(case_id=case["id"], user_uuid=str(uuid.uuid4()))

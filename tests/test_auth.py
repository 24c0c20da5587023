"""Authentication and authorisation: key pairs, scopes, revocation and organisation isolation."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
import requests
from conftest import Client, Server, case_body

from opencase.app import API_ROUTES

INSIGHT = {"type": "MONITOR", "ref": "/monitors/1", "resource_id": "1"}
INSIGHTS_BODY = {"data": {"type": "case", "attributes": {"insights": [INSIGHT]}}}
WRITE_SCOPES = {"cases_write", "cases_shared_settings_write", "event_correlation_config_write"}


def _raw(server: Server, method: str, path: str, headers: dict[str, str]) -> requests.Response:
    return requests.request(method, server.base_url + path, headers=headers, timeout=30)


# Missing, unknown and mismatched keys ---------------------------------------------------


@pytest.mark.parametrize(
    ("present", "missing"),
    [
        ({}, "DD-API-KEY"),
        ({"DD-APPLICATION-KEY": "app"}, "DD-API-KEY"),
        ({"DD-API-KEY": "api"}, "DD-APPLICATION-KEY"),
        ({"DD-API-KEY": "", "DD-APPLICATION-KEY": "app"}, "DD-API-KEY"),
    ],
)
def test_missing_header_is_401_naming_the_header(
    server: Server, keys: Any, present: dict[str, str], missing: str
) -> None:
    headers = {
        name: (keys.api_key if name == "DD-API-KEY" else keys.app_key) if value else value
        for name, value in present.items()
    }
    r = _raw(server, "GET", "/api/v2/cases/projects", headers)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/vnd.api+json"
    assert r.json() == {
        "errors": [
            {
                "status": "401",
                "title": "Unauthorized",
                "detail": f"missing {missing} header",
                "source": {"header": missing},
            }
        ]
    }


def test_missing_keys_on_a_write_is_401_before_the_body_is_read(server: Server) -> None:
    r = requests.post(server.base_url + "/api/v2/cases", data=b"{not json", timeout=30)
    assert r.status_code == 401
    assert r.json()["errors"][0]["source"] == {"header": "DD-API-KEY"}


def _forbidden(r: requests.Response, detail: str) -> None:
    assert r.status_code == 403, r.text
    assert r.headers["content-type"] == "application/vnd.api+json"
    assert r.json() == {"errors": [{"status": "403", "title": "Forbidden", "detail": detail}]}


def test_unknown_api_key_is_403(server: Server, keys: Any) -> None:
    r = Client(server.base_url, "0" * 32, keys.app_key).get("/api/v2/cases/projects")
    _forbidden(r, "invalid API key")


def test_unknown_app_key_is_403(server: Server, keys: Any) -> None:
    r = Client(server.base_url, keys.api_key, "0" * 40).get("/api/v2/cases/projects")
    _forbidden(r, "invalid application key")


def test_keys_swapped_are_403(server: Server, keys: Any) -> None:
    r = Client(server.base_url, keys.app_key, keys.api_key).get("/api/v2/cases/projects")
    _forbidden(r, "invalid API key")


def test_app_key_of_another_org_is_403(server: Server, keys: Any) -> None:
    foreign = server.create_keys("initech", "peter@initech.test")
    r = Client(server.base_url, keys.api_key, foreign.app_key).get("/api/v2/cases/projects")
    _forbidden(r, "application key does not belong to the API key's organisation")
    r = Client(server.base_url, foreign.api_key, keys.app_key).get("/api/v2/cases/projects")
    _forbidden(r, "application key does not belong to the API key's organisation")
    # Each pair on its own is fine.
    assert (
        Client(server.base_url, foreign.api_key, foreign.app_key)
        .get("/api/v2/cases/projects")
        .status_code
        == 200
    )


def test_any_api_key_of_the_org_pairs_with_any_app_key_of_the_org(server: Server) -> None:
    first = server.create_keys("umbrella", "ada@umbrella.test")
    second = server.create_keys("umbrella", "bob@umbrella.test")
    assert first.org_id == second.org_id
    r = Client(server.base_url, first.api_key, second.app_key).get("/api/v2/cases/projects")
    assert r.status_code == 200


# Scopes -----------------------------------------------------------------------------------


def test_read_only_key_reads(readonly_api: Client, api: Client, project: dict[str, Any]) -> None:
    case = api.new_case(project["id"], "Readable")
    for path in [
        "/api/v2/cases",
        f"/api/v2/cases/{case['id']}",
        f"/api/v2/cases/{case['attributes']['key']}",
        "/api/v2/cases/projects",
        f"/api/v2/cases/projects/{project['id']}",
    ]:
        r = readonly_api.get(path)
        assert r.status_code == 200, (path, r.text)
    assert readonly_api.get(f"/api/v2/cases/{case['id']}").json()["data"]["id"] == case["id"]


def test_read_only_key_cannot_write(
    readonly_api: Client, api: Client, project: dict[str, Any]
) -> None:
    case = api.new_case(project["id"], "Read only")
    pid, cid = project["id"], case["id"]
    attempts: list[tuple[str, str, Any]] = [
        ("POST", "/api/v2/cases", case_body(pid, "Nope")),
        (
            "POST",
            "/api/v2/cases/projects",
            {"data": {"type": "project", "attributes": {"name": "n", "key": "RONLY"}}},
        ),
        (
            "PATCH",
            f"/api/v2/cases/projects/{pid}",
            {"data": {"type": "project", "attributes": {"name": "Renamed"}}},
        ),
        ("DELETE", f"/api/v2/cases/projects/{pid}", None),
        ("PUT", f"/api/v2/cases/{cid}/insights", INSIGHTS_BODY),
        ("DELETE", f"/api/v2/cases/{cid}/insights", INSIGHTS_BODY),
        ("POST", f"/api/v2/cases/{cid}/archive", {"data": {"type": "case"}}),
    ]
    for method, path, body in attempts:
        r = readonly_api.request(method, path, json=body)
        _forbidden(r, "the application key lacks the cases_write scope")
    # Nothing changed.
    assert api.get(f"/api/v2/cases/projects/{pid}").json()["data"] == project
    got = api.get(f"/api/v2/cases/{cid}").json()["data"]
    assert got["attributes"]["insights"] == []
    assert "archived_at" not in got["attributes"]
    keys = [p["attributes"]["key"] for p in api.get("/api/v2/cases/projects").json()["data"]]
    assert "RONLY" not in keys
    found = api.get("/api/v2/cases", params={"filter": f"project:{project['attributes']['key']}"})
    assert found.json()["meta"]["total_cases"] == 1


@pytest.mark.parametrize(
    "route",
    [r for r in API_ROUTES if r.scope in WRITE_SCOPES],
    ids=lambda r: r.operation_id,
)
def test_every_write_route_refuses_a_read_only_key(readonly_api: Client, route: Any) -> None:
    # Unknown ids and a malformed body: the scope is checked before either matters.
    path = re.sub(r"\{[a-z_]+\}", lambda _: str(uuid.uuid4()), route.path)
    r = readonly_api.request(route.method, path, data=b"not even json")
    _forbidden(r, f"the application key lacks the {route.scope} scope")


# Revocation -------------------------------------------------------------------------------


def _key_ids(server: Server, secret_prefix: str, kind: str) -> list[str]:
    listed = json.loads(server.cli("keys", "list", "--json").stdout)
    return [k["id"] for k in listed if k["kind"] == kind and k["prefix"] == secret_prefix[:8]]


@pytest.mark.parametrize("kind", ["api", "app"])
def test_revoked_key_is_403(server: Server, kind: str) -> None:
    fresh = server.create_keys("acme", f"revoke-{kind}@acme.test")
    client = server.client(fresh)
    assert client.get("/api/v2/cases/projects").status_code == 200
    key_id = fresh.raw[f"{kind}_key_id"]
    assert _key_ids(server, fresh.api_key if kind == "api" else fresh.app_key, kind) == [key_id]
    out = server.cli("keys", "revoke", key_id)
    assert out.returncode == 0
    r = client.get("/api/v2/cases/projects")
    _forbidden(r, "invalid API key" if kind == "api" else "invalid application key")
    # Revoking again finds no active key.
    assert server.cli("keys", "revoke", key_id, check=False).returncode != 0


# Unauthenticated routes ------------------------------------------------------------------


def test_health_needs_no_key(server: Server) -> None:
    r = requests.get(server.base_url + "/healthz", timeout=30)
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "engine": server.engine}


def test_openapi_needs_no_key(server: Server) -> None:
    r = requests.get(server.base_url + "/api/v2/openapi.json", timeout=30)
    assert r.status_code == 200
    assert r.json()["openapi"].startswith("3.1")


def test_bad_keys_do_not_matter_on_open_routes(server: Server) -> None:
    headers = {"DD-API-KEY": "bad", "DD-APPLICATION-KEY": "bad"}
    assert _raw(server, "GET", "/healthz", headers).status_code == 200
    assert _raw(server, "GET", "/api/v2/openapi.json", headers).status_code == 200


# Organisation isolation ------------------------------------------------------------------

CASE_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "case not found"}]
}
PROJECT_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "project not found"}]
}


def test_other_org_cannot_see_project(
    other_api: Client, api: Client, project: dict[str, Any]
) -> None:
    pid = project["id"]
    r = other_api.get(f"/api/v2/cases/projects/{pid}")
    assert r.status_code == 404
    assert r.json() == PROJECT_NOT_FOUND
    patch = {"data": {"type": "project", "attributes": {"name": "Stolen"}}}
    r = other_api.patch(f"/api/v2/cases/projects/{pid}", json=patch)
    assert (r.status_code, r.json()) == (404, PROJECT_NOT_FOUND)
    r = other_api.delete(f"/api/v2/cases/projects/{pid}")
    assert (r.status_code, r.json()) == (404, PROJECT_NOT_FOUND)
    listed = other_api.get("/api/v2/cases/projects").json()["data"]
    assert pid not in [p["id"] for p in listed]
    # Creating a case in it fails as if it did not exist.
    r = other_api.post("/api/v2/cases", json=case_body(pid, "Intruder"))
    assert r.status_code == 404
    assert r.json() == PROJECT_NOT_FOUND
    # The owner still sees it unchanged.
    assert api.get(f"/api/v2/cases/projects/{pid}").json()["data"] == project


def test_other_org_cannot_see_case(other_api: Client, api: Client, project: dict[str, Any]) -> None:
    case = api.new_case(project["id"], "Secret")
    for ref in (case["id"], case["attributes"]["key"], case["attributes"]["key"].lower()):
        r = other_api.get(f"/api/v2/cases/{ref}")
        assert r.status_code == 404, ref
        assert r.json() == CASE_NOT_FOUND
    r = other_api.put(f"/api/v2/cases/{case['id']}/insights", json=INSIGHTS_BODY)
    assert (r.status_code, r.json()) == (404, CASE_NOT_FOUND)
    r = other_api.delete(f"/api/v2/cases/{case['id']}/insights", json=INSIGHTS_BODY)
    assert (r.status_code, r.json()) == (404, CASE_NOT_FOUND)
    r = other_api.post(f"/api/v2/cases/{case['id']}/archive", json={"data": {"type": "case"}})
    assert (r.status_code, r.json()) == (404, CASE_NOT_FOUND)
    found = other_api.get("/api/v2/cases", params={"filter": "Secret"}).json()
    assert case["id"] not in [c["id"] for c in found["data"]]
    got = api.get(f"/api/v2/cases/{case['id']}").json()["data"]
    assert got["attributes"]["insights"] == []
    assert "archived_at" not in got["attributes"]


def test_unknown_ids_are_the_same_404(api: Client) -> None:
    r = api.get(f"/api/v2/cases/{uuid.uuid4()}")
    assert (r.status_code, r.json()) == (404, CASE_NOT_FOUND)
    r = api.get(f"/api/v2/cases/projects/{uuid.uuid4()}")
    assert (r.status_code, r.json()) == (404, PROJECT_NOT_FOUND)

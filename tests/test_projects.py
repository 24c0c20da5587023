"""Projects: create, list, get, update and delete under /api/v2/cases/projects."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from conftest import Client, random_key

BASE = "/api/v2/cases/projects"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def create_body(key: Any, name: Any = "Security", **extra: Any) -> dict[str, Any]:
    return {"data": {"type": "project", "attributes": {"name": name, "key": key, **extra}}}


def patch_body(**attributes: Any) -> dict[str, Any]:
    return {"data": {"type": "project", "attributes": attributes}}


def bad_request(detail: str, pointer: str) -> dict[str, Any]:
    return {
        "errors": [
            {
                "status": "400",
                "title": "Bad Request",
                "detail": detail,
                "source": {"pointer": pointer},
            }
        ]
    }


PROJECT_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "project not found"}]
}


# Create -----------------------------------------------------------------------------------


def test_create_project(api: Client) -> None:
    key = random_key("s")
    r = api.post(BASE, json=create_body(key, "Security team"))
    assert r.status_code == 201, r.text
    assert r.headers["content-type"] == "application/vnd.api+json"
    data = r.json()["data"]
    assert set(r.json()) == {"data"}
    assert data["type"] == "project"
    assert str(uuid.UUID(data["id"])) == data["id"]
    attrs = data["attributes"]
    assert RFC3339.match(attrs.pop("created_at"))
    assert attrs == {
        "key": key.upper(),
        "name": "Security team",
        "enabled_custom_case_types": [],
        "restricted": False,
    }
    # It reads back identically.
    got = api.get(f"{BASE}/{data['id']}")
    assert got.status_code == 200
    assert got.json() == r.json()


def test_create_project_strips_the_key(api: Client) -> None:
    key = random_key("W")[:7]
    r = api.post(BASE, json=create_body(f" {key.lower()} "))
    assert r.status_code == 201, r.text
    assert r.json()["data"]["attributes"]["key"] == key


def test_create_project_with_enabled_case_types(api: Client) -> None:
    type_id = str(uuid.uuid4())
    r = api.post(
        BASE,
        json=create_body(random_key(), enabled_custom_case_types=[type_id.upper(), type_id]),
    )
    assert r.status_code == 201, r.text
    assert r.json()["data"]["attributes"]["enabled_custom_case_types"] == [type_id]


def test_create_project_with_bad_case_type(api: Client) -> None:
    r = api.post(
        BASE,
        json=create_body(random_key(), enabled_custom_case_types=[str(uuid.uuid4()), "nope"]),
    )
    assert r.status_code == 400
    assert r.json() == bad_request(
        "'nope' is not a case type UUID", "/data/attributes/enabled_custom_case_types/1"
    )


def test_duplicate_key_is_409(api: Client) -> None:
    key = random_key("D")
    first = api.post(BASE, json=create_body(key))
    assert first.status_code == 201
    for again in (key, key.lower()):
        r = api.post(BASE, json=create_body(again, "Another name"))
        assert r.status_code == 409
        assert r.json() == {
            "errors": [
                {
                    "status": "409",
                    "title": "Conflict",
                    "detail": f"a project with key {key} already exists",
                    "source": {"pointer": "/data/attributes/key"},
                }
            ]
        }
    same_key = [p for p in api.get(BASE).json()["data"] if p["attributes"]["key"] == key]
    assert [p["id"] for p in same_key] == [first.json()["data"]["id"]]


def test_same_key_in_another_org(api: Client, other_api: Client) -> None:
    key = random_key("O")
    mine = api.post(BASE, json=create_body(key))
    theirs = other_api.post(BASE, json=create_body(key))
    assert mine.status_code == 201
    assert theirs.status_code == 201, theirs.text
    assert mine.json()["data"]["id"] != theirs.json()["data"]["id"]
    assert theirs.json()["data"]["attributes"]["key"] == key


@pytest.mark.parametrize("key", ["CASE", "case", "Case"])
def test_key_case_is_reserved(api: Client, key: str) -> None:
    r = api.post(BASE, json=create_body(key))
    assert r.status_code == 400
    assert r.json() == bad_request('key cannot be "CASE"', "/data/attributes/key")


@pytest.mark.parametrize(
    ("key", "detail"),
    [
        ("", "Expected `str` of length >= 1"),
        ("ABCDEFGHIJK", "Expected `str` of length <= 10"),
        ("   ", "key must be 1 to 10 letters or digits, starting with a letter"),
        ("1ABC", "key must be 1 to 10 letters or digits, starting with a letter"),
        ("AB-C", "key must be 1 to 10 letters or digits, starting with a letter"),
        ("AB C", "key must be 1 to 10 letters or digits, starting with a letter"),
        ("AB_C", "key must be 1 to 10 letters or digits, starting with a letter"),
        ("ÄB", "key must be 1 to 10 letters or digits, starting with a letter"),
        (12, "Expected `str`, got `int`"),
        (None, "Expected `str`, got `null`"),
    ],
)
def test_invalid_key_is_400(api: Client, key: Any, detail: str) -> None:
    r = api.post(BASE, json=create_body(key))
    assert r.status_code == 400
    assert r.json() == bad_request(detail, "/data/attributes/key")


def test_longest_key_is_accepted(api: Client) -> None:
    key = random_key("L") + "XY"
    assert len(key) == 10
    r = api.post(BASE, json=create_body(key))
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        ("", "Expected `str` of length >= 1"),
        ("   ", "name must not be blank"),
        ("\t\n", "name must not be blank"),
        ("n" * 201, "Expected `str` of length <= 200"),
    ],
)
def test_invalid_name_is_400(api: Client, name: str, detail: str) -> None:
    r = api.post(BASE, json=create_body(random_key(), name))
    assert r.status_code == 400
    assert r.json() == bad_request(detail, "/data/attributes/name")


def test_missing_key_is_400(api: Client) -> None:
    r = api.post(BASE, json={"data": {"type": "project", "attributes": {"name": "x"}}})
    assert r.status_code == 400
    assert r.json() == bad_request("missing required field 'key'", "/data/attributes/key")


def test_create_with_wrong_type_is_400(api: Client) -> None:
    body = {"data": {"type": "case", "attributes": {"name": "x", "key": random_key()}}}
    r = api.post(BASE, json=body)
    assert r.status_code == 400
    assert r.json() == bad_request('got type "case" expected one of "project"', "/data/type")


# List and get -----------------------------------------------------------------------------


def test_list_is_sorted_by_key_and_only_own_org(api: Client, other_api: Client) -> None:
    created = [api.new_project(key) for key in ("ZLIST" + random_key("")[:3], random_key("A"))]
    foreign = other_api.new_project()
    r = api.get(BASE)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.api+json"
    data = r.json()["data"]
    keys = [p["attributes"]["key"] for p in data]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    ids = [p["id"] for p in data]
    for project in created:
        assert project in data
    assert foreign["id"] not in ids
    theirs = [p["id"] for p in other_api.get(BASE).json()["data"]]
    assert foreign["id"] in theirs
    assert not set(theirs) & set(ids)


def test_get_project(api: Client, project: dict[str, Any]) -> None:
    r = api.get(f"{BASE}/{project['id']}")
    assert r.status_code == 200
    assert r.json() == {"data": project}
    # Upper-case UUIDs name the same project.
    r = api.get(f"{BASE}/{project['id'].upper()}")
    assert r.status_code == 200
    assert r.json()["data"]["id"] == project["id"]


def test_get_unknown_project_is_404(api: Client) -> None:
    r = api.get(f"{BASE}/{uuid.uuid4()}")
    assert r.status_code == 404
    assert r.json() == PROJECT_NOT_FOUND


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("bad_id", ["not-a-uuid", "123", "0000000-0000-0000-0000-000000000001"])
def test_non_uuid_project_id_is_400(api: Client, method: str, bad_id: str) -> None:
    body = patch_body(name="x") if method == "PATCH" else None
    r = api.request(method, f"{BASE}/{bad_id}", json=body)
    assert r.status_code == 400
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


# Update -----------------------------------------------------------------------------------


def test_patch_name(api: Client, project: dict[str, Any]) -> None:
    assert "modified_at" not in project["attributes"]
    r = api.patch(f"{BASE}/{project['id']}", json=patch_body(name="Renamed"))
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["id"] == project["id"]
    attrs = data["attributes"]
    assert attrs["name"] == "Renamed"
    assert attrs["key"] == project["attributes"]["key"]
    assert attrs["created_at"] == project["attributes"]["created_at"]
    assert RFC3339.match(attrs["modified_at"])
    assert attrs["modified_at"] >= attrs["created_at"]
    assert api.get(f"{BASE}/{project['id']}").json() == r.json()
    # The same name again changes nothing, not even modified_at.
    again = api.patch(f"{BASE}/{project['id']}", json=patch_body(name="Renamed"))
    assert again.status_code == 200
    assert again.json() == r.json()


def test_patch_without_change_leaves_modified_at_absent(
    api: Client, project: dict[str, Any]
) -> None:
    for body in (
        patch_body(),
        {"data": {"type": "project"}},
        patch_body(name=project["attributes"]["name"]),
        patch_body(name=None),
        patch_body(enabled_custom_case_types=[]),
    ):
        r = api.patch(f"{BASE}/{project['id']}", json=body)
        assert r.status_code == 200, (body, r.text)
        assert r.json() == {"data": project}
    assert api.get(f"{BASE}/{project['id']}").json() == {"data": project}


def test_patch_enabled_case_types(api: Client, project: dict[str, Any]) -> None:
    type_id = str(uuid.uuid4())
    r = api.patch(f"{BASE}/{project['id']}", json=patch_body(enabled_custom_case_types=[type_id]))
    assert r.status_code == 200
    attrs = r.json()["data"]["attributes"]
    assert attrs["enabled_custom_case_types"] == [type_id]
    assert attrs["name"] == project["attributes"]["name"]
    assert "modified_at" in attrs


def test_patch_wrong_type_is_400(api: Client, project: dict[str, Any]) -> None:
    body = {"data": {"type": "case", "attributes": {"name": "x"}}}
    r = api.patch(f"{BASE}/{project['id']}", json=body)
    assert r.status_code == 400
    assert r.json() == bad_request('got type "case" expected one of "project"', "/data/type")
    assert api.get(f"{BASE}/{project['id']}").json() == {"data": project}


@pytest.mark.parametrize(
    ("name", "detail"),
    [
        ("", "Expected `str` of length >= 1"),
        ("  ", "name must not be blank"),
        (5, "Expected `str | null`, got `int`"),
    ],
)
def test_patch_invalid_name_is_400(
    api: Client, project: dict[str, Any], name: Any, detail: str
) -> None:
    r = api.patch(f"{BASE}/{project['id']}", json=patch_body(name=name))
    assert r.status_code == 400
    assert r.json() == bad_request(detail, "/data/attributes/name")
    assert api.get(f"{BASE}/{project['id']}").json() == {"data": project}


def test_patch_cannot_change_the_key(api: Client, project: dict[str, Any]) -> None:
    r = api.patch(f"{BASE}/{project['id']}", json=patch_body(key="OTHER"))
    # Unknown attributes are ignored; the key stays.
    assert r.status_code == 200
    assert r.json() == {"data": project}


def test_patch_unknown_project_is_404(api: Client) -> None:
    r = api.patch(f"{BASE}/{uuid.uuid4()}", json=patch_body(name="x"))
    assert r.status_code == 404
    assert r.json() == PROJECT_NOT_FOUND


# Delete -----------------------------------------------------------------------------------


def test_delete_project(api: Client, project: dict[str, Any]) -> None:
    r = api.delete(f"{BASE}/{project['id']}")
    assert r.status_code == 204
    assert r.content == b""
    assert "content-type" not in r.headers
    r = api.get(f"{BASE}/{project['id']}")
    assert (r.status_code, r.json()) == (404, PROJECT_NOT_FOUND)
    r = api.delete(f"{BASE}/{project['id']}")
    assert (r.status_code, r.json()) == (404, PROJECT_NOT_FOUND)
    assert project["id"] not in [p["id"] for p in api.get(BASE).json()["data"]]


def test_delete_project_removes_its_cases(api: Client, project: dict[str, Any]) -> None:
    cases = [api.new_case(project["id"], f"Doomed {i}") for i in range(3)]
    assert api.delete(f"{BASE}/{project['id']}").status_code == 204
    not_found = {
        "errors": [{"status": "404", "code": "resource_not_found", "title": "case not found"}]
    }
    for case in cases:
        for ref in (case["id"], case["attributes"]["key"]):
            r = api.get(f"/api/v2/cases/{ref}")
            assert (r.status_code, r.json()) == (404, not_found)
    found = api.get("/api/v2/cases", params={"filter": "Doomed", "page[size]": "100"}).json()
    assert not {c["id"] for c in cases} & {c["id"] for c in found["data"]}


def test_key_is_free_again_after_delete(api: Client) -> None:
    key = random_key("F")
    first = api.new_project(key)
    assert api.delete(f"{BASE}/{first['id']}").status_code == 204
    second = api.new_project(key)
    assert second["id"] != first["id"]
    assert second["attributes"]["key"] == key
    # Its cases are numbered afresh.
    case = api.new_case(second["id"])
    assert case["attributes"]["key"] == f"{key}-1"

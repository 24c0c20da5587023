"""Cases: creation (defaults, numbering, validation), reading by UUID or key, case types."""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

import pytest
from conftest import STANDARD_TYPE, Client, Keys, Server, case_body, random_key

RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")


def total_cases(api: Client) -> int:
    r = api.get("/api/v2/cases", params={"page[size]": 1})
    assert r.status_code == 200, r.text
    return int(r.json()["meta"]["total_cases"])


def fresh_org(server: Server) -> Client:
    """A client of a brand-new organisation (no cases, no projects)."""
    return server.client(server.create_keys(f"org-{uuid.uuid4().hex[:10]}", "owner@org.test"))


def only_error(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    errors = r.json()["errors"]
    assert len(errors) == 1, errors
    error: dict[str, Any] = errors[0]
    return error


# --------------------------------------------------------------------------- creation


def test_create_defaults(api: Client, keys: Keys, project: dict[str, Any]) -> None:
    r = api.post("/api/v2/cases", json=case_body(project["id"], "Disk full"))
    assert r.status_code == 201, r.text
    body = r.json()
    data = body["data"]
    assert data["type"] == "case"
    uuid.UUID(data["id"])
    a = data["attributes"]
    assert a["title"] == "Disk full"
    assert a["description"] == ""
    assert a["priority"] == "NOT_DEFINED"
    assert a["status"] == "OPEN"
    assert a["status_name"] == "Open"
    assert a["status_group"] == "SG_OPEN"
    assert a["type"] == "STANDARD"
    assert a["type_id"] == STANDARD_TYPE
    assert a["insights"] == []
    assert a["comment_count"] == 0
    assert a["creation_source"] == "MANUAL"
    assert a["internal_id"] == data["id"]
    assert a["merge_status"] == "NOT_MERGED"
    assert a["attributes"] == {}
    assert a["custom_attributes"] == {}
    assert isinstance(a["public_id"], str) and a["public_id"].isdigit()
    assert a["key"] == f"{project['attributes']['key']}-1"
    assert RFC3339_UTC.match(a["created_at"]), a["created_at"]
    for absent in ("modified_at", "modified_by", "assignee", "archived_at", "closed_at"):
        assert absent not in a, absent
    rels = data["relationships"]
    assert rels["project"] == {"data": {"id": project["id"], "type": "project"}}
    assert rels["created_by"] == {"data": {"id": keys.user_id, "type": "user"}}
    assert "modified_by" not in rels
    assert "assignee" not in rels
    assert body["included"] == [
        {
            "id": keys.user_id,
            "type": "user",
            "attributes": {
                "active": True,
                "email": "alice@acme.test",
                "handle": "alice@acme.test",
                "name": "alice",
            },
        }
    ]


def test_create_with_attributes(api: Client, project: dict[str, Any]) -> None:
    case = api.new_case(project["id"], "Full", description="Details", priority="P2")
    a = case["attributes"]
    assert (a["description"], a["priority"]) == ("Details", "P2")
    got = api.get(f"/api/v2/cases/{case['id']}").json()["data"]["attributes"]
    assert (got["title"], got["description"], got["priority"]) == ("Full", "Details", "P2")


def test_keys_count_per_project(api: Client) -> None:
    one, two = api.new_project(), api.new_project()
    k1, k2 = one["attributes"]["key"], two["attributes"]["key"]
    keys = [
        api.new_case(one["id"])["attributes"]["key"],
        api.new_case(one["id"])["attributes"]["key"],
        api.new_case(two["id"])["attributes"]["key"],
        api.new_case(one["id"])["attributes"]["key"],
        api.new_case(two["id"])["attributes"]["key"],
    ]
    assert keys == [f"{k1}-1", f"{k1}-2", f"{k2}-1", f"{k1}-3", f"{k2}-2"]


def test_public_id_counts_per_organisation(server: Server) -> None:
    first = fresh_org(server)
    p1, p2 = first.new_project(), first.new_project()
    ids = [
        first.new_case(p1["id"])["attributes"]["public_id"],
        first.new_case(p2["id"])["attributes"]["public_id"],
        first.new_case(p1["id"])["attributes"]["public_id"],
    ]
    assert ids == ["1", "2", "3"]
    second = fresh_org(server)
    p = second.new_project(key=p1["attributes"]["key"])  # same key, other organisation
    case = second.new_case(p["id"])
    assert case["attributes"]["public_id"] == "1"
    assert case["attributes"]["key"] == f"{p1['attributes']['key']}-1"
    assert first.new_case(p2["id"])["attributes"]["public_id"] == "4"


def test_create_closed(api: Client, project: dict[str, Any]) -> None:
    case = api.new_case(project["id"], "Born closed", status_name="Closed")
    a = case["attributes"]
    assert (a["status"], a["status_name"], a["status_group"]) == ("CLOSED", "Closed", "SG_CLOSED")
    assert RFC3339_UTC.match(a["closed_at"])
    got = api.get(f"/api/v2/cases/{case['id']}").json()["data"]["attributes"]
    assert got["closed_at"] == a["closed_at"]
    assert got["status_group"] == "SG_CLOSED"


def test_create_in_progress(api: Client, project: dict[str, Any]) -> None:
    a = api.new_case(project["id"], status_name="In Progress")["attributes"]
    assert (a["status"], a["status_name"], a["status_group"]) == (
        "IN_PROGRESS",
        "In Progress",
        "SG_IN_PROGRESS",
    )
    assert "closed_at" not in a


def test_create_invalid_status_name(api: Client, project: dict[str, Any]) -> None:
    r = api.post("/api/v2/cases", json=case_body(project["id"], status_name="Done-ish"))
    error = only_error(r, 400)
    assert error["source"] == {"pointer": "/data/attributes/status_name"}
    assert "Done-ish" in error["detail"]


def test_assignee_of_the_org(server: Server, api: Client, project: dict[str, Any]) -> None:
    bob = server.create_keys("acme", "bob@acme.test")
    body = case_body(project["id"], "Assigned")
    body["data"]["relationships"]["assignee"] = {"data": {"id": bob.user_id, "type": "user"}}
    r = api.post("/api/v2/cases", json=body)
    assert r.status_code == 201, r.text
    data = r.json()["data"]
    assert data["relationships"]["assignee"] == {"data": {"id": bob.user_id, "type": "user"}}
    included = {u["id"]: u for u in r.json()["included"]}
    assert included[bob.user_id]["attributes"]["email"] == "bob@acme.test"
    got = api.get(f"/api/v2/cases/{data['id']}").json()
    assert got["data"]["relationships"]["assignee"]["data"]["id"] == bob.user_id
    assert bob.user_id in {u["id"] for u in got["included"]}


def test_included_users_in_the_order_named(
    server: Server, api: Client, project: dict[str, Any]
) -> None:
    """`included` lists the users a case names in a fixed order (creator, last modifier,
    assignee; each once), on both engines and on every read path."""
    bob = server.create_keys("acme", "bob@acme.test")
    carol = server.create_keys("acme", "carol@acme.test")
    body = case_body(project["id"], "Named")
    body["data"]["relationships"]["assignee"] = {"data": {"id": bob.user_id, "type": "user"}}
    case = api.post("/api/v2/cases", json=body).json()["data"]
    creator = case["relationships"]["created_by"]["data"]["id"]
    r = server.client(carol).put(
        f"/api/v2/cases/{case['id']}/insights",
        json={"data": {"type": "case", "attributes": {"insights": [
            {"type": "MONITOR", "ref": "/monitors/1", "resource_id": "1"}]}}},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    expected = [creator, carol.user_id, bob.user_id]
    assert [u["id"] for u in r.json()["included"]] == expected
    got = api.get(f"/api/v2/cases/{case['id']}").json()
    assert [u["id"] for u in got["included"]] == expected


# --------------------------------------------------------------------------- reading


def test_get_by_id_and_key(api: Client, project: dict[str, Any]) -> None:
    case = api.new_case(project["id"], "Find me")
    key = case["attributes"]["key"]
    for ref in (case["id"], case["id"].upper(), key, key.lower()):
        r = api.get(f"/api/v2/cases/{ref}")
        assert r.status_code == 200, (ref, r.text)
        assert r.json()["data"] == case, ref
        assert r.json()["included"][0]["id"] == case["relationships"]["created_by"]["data"]["id"]


def test_unknown_case_is_404(api: Client, project: dict[str, Any]) -> None:
    api.new_case(project["id"])
    key = project["attributes"]["key"]
    for ref in (f"{key}-999", f"{key.lower()}-2", "NOSUCHPROJ-1", str(uuid.uuid4())):
        r = api.get(f"/api/v2/cases/{ref}")
        assert r.status_code == 404, (ref, r.text)
        assert r.json() == {
            "errors": [{"status": "404", "code": "resource_not_found", "title": "case not found"}]
        }


@pytest.mark.parametrize("ref", ["garbage", "ABC-", "12-3", "not-a-uuid-at-all", "a b"])
def test_garbage_case_id_is_400(api: Client, ref: str) -> None:
    error = only_error(api.get(f"/api/v2/cases/{ref}"), 400)
    assert error["source"] == {"parameter": "case_id"}


def test_other_org_case_is_404(api: Client, other_api: Client, project: dict[str, Any]) -> None:
    case = api.new_case(project["id"], "Private")
    for ref in (case["id"], case["attributes"]["key"]):
        r = other_api.get(f"/api/v2/cases/{ref}")
        assert r.status_code == 404, r.text
        assert r.json()["errors"][0]["title"] == "case not found"
    # Even when the other organisation has a project with the same key.
    theirs = other_api.new_project(key=project["attributes"]["key"])
    their_case = other_api.new_case(theirs["id"], "Theirs")
    assert their_case["attributes"]["key"] == case["attributes"]["key"]
    got = other_api.get(f"/api/v2/cases/{case['attributes']['key']}").json()["data"]
    assert got["id"] == their_case["id"]
    got = api.get(f"/api/v2/cases/{case['attributes']['key']}").json()["data"]
    assert got["id"] == case["id"]


# --------------------------------------------------------------------------- validation


def _mutate(project_id: str, change: Any) -> dict[str, Any]:
    body = copy.deepcopy(case_body(project_id, "Valid title"))
    change(body["data"])
    return body


def _set_attr(name: str, value: Any) -> Any:
    return lambda d: d["attributes"].__setitem__(name, value)


def _del_attr(name: str) -> Any:
    return lambda d: d["attributes"].pop(name)


def _set_project(value: Any) -> Any:
    return lambda d: d["relationships"]["project"]["data"].__setitem__("id", value)


def _set_assignee(value: Any) -> Any:
    return lambda d: d["relationships"].__setitem__(
        "assignee", {"data": {"id": value, "type": "user"}}
    )


BAD_REQUESTS: list[tuple[str, Any, str]] = [
    ("missing title", _del_attr("title"), "/data/attributes/title"),
    ("empty title", _set_attr("title", ""), "/data/attributes/title"),
    ("blank title", _set_attr("title", "   "), "/data/attributes/title"),
    ("long title", _set_attr("title", "x" * 501), "/data/attributes/title"),
    ("title not a string", _set_attr("title", 12), "/data/attributes/title"),
    ("long description", _set_attr("description", "d" * 65_537), "/data/attributes/description"),
    ("missing type_id", _del_attr("type_id"), "/data/attributes/type_id"),
    ("bad type_id", _set_attr("type_id", "standard"), "/data/attributes/type_id"),
    ("bad priority", _set_attr("priority", "P1234"), "/data/attributes/priority"),
    ("bad status_name", _set_attr("status_name", "Nope"), "/data/attributes/status_name"),
    ("wrong type", lambda d: d.__setitem__("type", "project"), "/data/type"),
    ("missing type", lambda d: d.pop("type"), "/data/type"),
    ("missing attributes", lambda d: d.pop("attributes"), "/data/attributes"),
    ("missing relationships", lambda d: d.pop("relationships"), "/data/relationships"),
    (
        "missing project",
        lambda d: d["relationships"].pop("project"),
        "/data/relationships/project",
    ),
    (
        "project not a UUID",
        _set_project("not-a-uuid"),
        "/data/relationships/project/data/id",
    ),
    (
        "assignee not a UUID",
        _set_assignee("bob"),
        "/data/relationships/assignee/data/id",
    ),
]


@pytest.mark.parametrize(
    ("change", "pointer"), [p[1:] for p in BAD_REQUESTS], ids=[p[0] for p in BAD_REQUESTS]
)
def test_create_rejects_invalid_body(
    api: Client, project: dict[str, Any], change: Any, pointer: str
) -> None:
    before = total_cases(api)
    error = only_error(api.post("/api/v2/cases", json=_mutate(project["id"], change)), 400)
    assert error["status"] == "400"
    assert error["source"] == {"pointer": pointer}, error
    assert error.get("detail"), error
    assert total_cases(api) == before
    # Nothing was consumed: the project's first case still gets number 1.
    assert api.new_case(project["id"])["attributes"]["key"] == f"{project['attributes']['key']}-1"


def test_invalid_priority_detail(api: Client, project: dict[str, Any]) -> None:
    body = case_body(project["id"], priority="P1234")
    error = only_error(api.post("/api/v2/cases", json=body), 400)
    assert error == {
        "status": "400",
        "title": "Bad Request",
        "detail": "invalid priority P1234. Must be one of P1, P2, P3, P4, P5, NOT_DEFINED",
        "source": {"pointer": "/data/attributes/priority"},
    }


def test_wrong_data_type_detail(api: Client, project: dict[str, Any]) -> None:
    body = case_body(project["id"])
    body["data"]["type"] = "project"
    error = only_error(api.post("/api/v2/cases", json=body), 400)
    assert error["detail"] == 'got type "project" expected one of "case"'


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b'{"data": null}', b'{"data": []}'])
def test_malformed_body(api: Client, body: bytes) -> None:
    before = total_cases(api)
    r = api.post("/api/v2/cases", data=body, headers={"Content-Type": "application/json"})
    only_error(r, 400)
    assert total_cases(api) == before


NOT_FOUND: list[tuple[str, Any, str]] = [
    ("unknown project", _set_project(str(uuid.uuid4())), "project not found"),
    ("unknown type_id", _set_attr("type_id", str(uuid.uuid4())), "case_type not found"),
    ("unknown assignee", _set_assignee(str(uuid.uuid4())), "user not found"),
]


@pytest.mark.parametrize(
    ("change", "title"), [p[1:] for p in NOT_FOUND], ids=[p[0] for p in NOT_FOUND]
)
def test_create_refers_to_unknown(
    api: Client, project: dict[str, Any], change: Any, title: str
) -> None:
    before = total_cases(api)
    r = api.post("/api/v2/cases", json=_mutate(project["id"], change))
    assert r.status_code == 404, r.text
    assert r.json() == {"errors": [{"status": "404", "code": "resource_not_found", "title": title}]}
    assert total_cases(api) == before
    assert api.new_case(project["id"])["attributes"]["key"] == f"{project['attributes']['key']}-1"


def test_project_and_assignee_of_other_org_are_404(
    server: Server, api: Client, other_api: Client, project: dict[str, Any]
) -> None:
    theirs = other_api.new_project()
    r = api.post("/api/v2/cases", json=case_body(theirs["id"]))
    assert r.status_code == 404, r.text
    assert r.json()["errors"][0]["title"] == "project not found"
    gina = server.create_keys("globex", "gina@globex.test")
    r = api.post("/api/v2/cases", json=_mutate(project["id"], _set_assignee(gina.user_id)))
    assert r.status_code == 404, r.text
    assert r.json()["errors"][0]["title"] == "user not found"
    # Neither attempt created anything in either organisation.
    key = theirs["attributes"]["key"]
    assert other_api.new_case(theirs["id"])["attributes"]["key"] == f"{key}-1"
    assert api.new_case(project["id"])["attributes"]["key"] == f"{project['attributes']['key']}-1"


def test_create_needs_write_scope(
    readonly_api: Client, api: Client, project: dict[str, Any]
) -> None:
    before = total_cases(api)
    r = readonly_api.post("/api/v2/cases", json=case_body(project["id"]))
    assert r.status_code == 403, r.text
    assert total_cases(api) == before


def test_create_needs_keys(server: Server, api: Client, project: dict[str, Any]) -> None:
    before = total_cases(api)
    r = server.client(None).post("/api/v2/cases", json=case_body(project["id"]))
    assert r.status_code == 401, r.text
    assert total_cases(api) == before


# --------------------------------------------------------------------------- case types


def test_builtin_case_types(api: Client) -> None:
    r = api.get("/api/v2/cases/types")
    assert r.status_code == 200, r.text
    types = {t["id"]: t for t in r.json()["data"]}
    expected = {
        "00000000-0000-0000-0000-000000000001": "Standard",
        "00000000-0000-0000-0000-000000000002": "Event Management",
        "00000000-0000-0000-0000-000000000003": "Security",
        "00000000-0000-0000-0000-000000000004": "Change Request",
        "00000000-0000-0000-0000-000000000005": "Error Tracking",
    }
    for type_id, name in expected.items():
        assert types[type_id]["type"] == "case_type"
        assert types[type_id]["attributes"]["name"] == name
        assert types[type_id]["attributes"]["internal"] is True


@pytest.mark.parametrize(
    ("type_id", "legacy"),
    [
        ("00000000-0000-0000-0000-000000000003", "SECURITY"),
        ("00000000-0000-0000-0000-000000000005", "ERROR_TRACKING_ISSUE"),
    ],
)
def test_create_with_builtin_type(
    api: Client, project: dict[str, Any], type_id: str, legacy: str
) -> None:
    r = api.post("/api/v2/cases", json=_mutate(project["id"], _set_attr("type_id", type_id)))
    assert r.status_code == 201, r.text
    a = r.json()["data"]["attributes"]
    assert (a["type_id"], a["type"]) == (type_id, legacy)


def test_project_key_prefix_is_the_project_key(api: Client) -> None:
    key = random_key("K")
    p = api.new_project(key=key.lower())
    assert p["attributes"]["key"] == key
    assert api.new_case(p["id"])["attributes"]["key"] == f"{key}-1"

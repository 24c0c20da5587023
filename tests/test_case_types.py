"""Case types: GetAllCaseTypes, CreateCaseType, UpdateCaseType and DeleteCaseType over HTTP on
both engines, cases of custom types, and a round trip through the official client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from case_db import fetch
from conftest import STANDARD_TYPE, Client, Keys, Server, case_body
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException, NotFoundException
from datadog_api_client.v2.api.case_management_type_api import CaseManagementTypeApi
from datadog_api_client.v2.model.case_type_create import CaseTypeCreate
from datadog_api_client.v2.model.case_type_create_request import CaseTypeCreateRequest
from datadog_api_client.v2.model.case_type_resource_attributes import (
    CaseTypeResourceAttributes,
)
from datadog_api_client.v2.model.case_type_resource_type import CaseTypeResourceType
from datadog_api_client.v2.model.case_type_update import CaseTypeUpdate
from datadog_api_client.v2.model.case_type_update_request import CaseTypeUpdateRequest

BASE = "/api/v2/cases/types"
STATUSES = [
    {"name": "Open", "status_group": "SG_OPEN"},
    {"name": "In Progress", "status_group": "SG_IN_PROGRESS"},
    {"name": "Closed", "status_group": "SG_CLOSED"},
]
NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "case_type not found"}]
}


def body(**attributes: Any) -> dict[str, Any]:
    return {"data": {"type": "case_type", "attributes": attributes}}


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


def bad_parameter(detail: str, parameter: str, title: str = "Bad Request") -> dict[str, Any]:
    return {
        "errors": [
            {"status": "400", "title": title, "detail": detail, "source": {"parameter": parameter}}
        ]
    }


def new_type(api: Client, name: str = "Investigation", **attributes: Any) -> dict[str, Any]:
    r = api.post(BASE, json=body(name=name, **attributes))
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def listed(api: Client) -> dict[str, dict[str, Any]]:
    r = api.get(BASE)
    assert r.status_code == 200, r.text
    return {t["id"]: t for t in r.json()["data"]}


# Create and list --------------------------------------------------------------------------


def test_create_case_type(api: Client) -> None:
    r = api.post(
        BASE,
        json=body(name="Investigation", description="Investigations done here", emoji="🕵🏻‍♂️"),
    )
    assert r.status_code == 201, r.text
    assert r.headers["content-type"] == "application/vnd.api+json"
    data = r.json()["data"]
    assert str(uuid.UUID(data["id"])) == data["id"]
    assert r.json() == {
        "data": {
            "id": data["id"],
            "type": "case_type",
            "attributes": {
                "name": "Investigation",
                "description": "Investigations done here",
                "emoji": "🕵🏻‍♂️",
                "internal": False,
                "statuses_config": STATUSES,
            },
        }
    }
    # Listed after the built-in types, exactly as created.
    types = list(listed(api).values())
    assert [t["attributes"]["internal"] for t in types[:5]] == [True] * 5
    assert data in types[5:]


def test_name_is_the_only_required_attribute(api: Client) -> None:
    data = new_type(api, "Bare")
    assert data["attributes"]["description"] == ""
    assert data["attributes"]["emoji"] == ""


def test_custom_types_list_in_creation_order(api: Client) -> None:
    first, second = new_type(api, "First"), new_type(api, "Second")
    ids = list(listed(api))
    assert ids.index(first["id"]) < ids.index(second["id"])


@pytest.mark.parametrize(
    ("attributes", "detail", "pointer"),
    [
        ({}, "missing required field 'name'", "/data/attributes/name"),
        ({"name": ""}, "Expected `str` of length >= 1", "/data/attributes/name"),
        ({"name": " \t"}, "name must not be blank", "/data/attributes/name"),
        ({"name": "n" * 201}, "Expected `str` of length <= 200", "/data/attributes/name"),
        ({"name": 7}, "Expected `str`, got `int`", "/data/attributes/name"),
        (
            {"name": "x", "description": "d" * 4001},
            "Expected `str` of length <= 4000",
            "/data/attributes/description",
        ),
        (
            {"name": "x", "emoji": "e" * 33},
            "Expected `str` of length <= 32",
            "/data/attributes/emoji",
        ),
    ],
)
def test_create_invalid_is_400(
    api: Client, attributes: dict[str, Any], detail: str, pointer: str
) -> None:
    before = listed(api)
    r = api.post(BASE, json=body(**attributes))
    assert r.status_code == 400
    assert r.json() == bad_request(detail, pointer)
    assert listed(api) == before


def test_create_with_wrong_type_is_400(api: Client) -> None:
    r = api.post(BASE, json={"data": {"type": "case", "attributes": {"name": "x"}}})
    assert r.status_code == 400
    assert r.json() == bad_request('got type "case" expected one of "case_type"', "/data/type")


def test_types_are_per_organisation(api: Client, other_api: Client) -> None:
    mine = new_type(api, "Mine")
    assert mine["id"] not in listed(other_api)
    theirs = new_type(other_api, "Theirs")
    assert theirs["id"] not in listed(api)


# Cases of custom types --------------------------------------------------------------------


def test_case_of_a_custom_type(api: Client, project: dict[str, Any]) -> None:
    case_type = new_type(api, "Fraud")
    r = api.post("/api/v2/cases", json=case_body(project["id"], type_id=case_type["id"]))
    assert r.status_code == 201, r.text
    a = r.json()["data"]["attributes"]
    assert (a["type_id"], a["type"]) == (case_type["id"], "STANDARD")


def test_case_of_another_organisations_type_is_404(
    api: Client, other_api: Client, project: dict[str, Any]
) -> None:
    theirs = new_type(other_api, "Theirs")
    r = api.post("/api/v2/cases", json=case_body(project["id"], type_id=theirs["id"]))
    assert (r.status_code, r.json()) == (404, NOT_FOUND)


# Update -----------------------------------------------------------------------------------


def test_update_changes_only_what_is_given(api: Client) -> None:
    case_type = new_type(api, "Before", description="kept", emoji="🔍")
    r = api.put(f"{BASE}/{case_type['id']}", json=body(name="After"))
    assert r.status_code == 200, r.text
    expected = {**case_type["attributes"], "name": "After"}
    assert r.json() == {"data": {**case_type, "attributes": expected}}
    assert listed(api)[case_type["id"]]["attributes"] == expected
    r = api.put(f"{BASE}/{case_type['id']}", json=body(description="", emoji="🧪"))
    assert r.status_code == 200, r.text
    assert r.json()["data"]["attributes"] == {**expected, "description": "", "emoji": "🧪"}


def test_update_with_the_same_values_changes_nothing(api: Client, server: Server) -> None:
    case_type = new_type(api, "Same", description="d", emoji="e")
    for payload in (
        body(name="Same", description="d", emoji="e"),
        body(),
        {"data": {"type": "case_type"}},
    ):
        r = api.put(f"{BASE}/{case_type['id']}", json=payload)
        assert r.status_code == 200, r.text
        assert r.json() == {"data": case_type}
    rows = fetch(server, "SELECT modified_at FROM case_types WHERE id = $1", case_type["id"])
    assert rows == [{"modified_at": None}]


@pytest.mark.parametrize(
    ("attributes", "detail", "pointer"),
    [
        ({"name": ""}, "Expected `str` of length >= 1", "/data/attributes/name"),
        ({"name": "   "}, "name must not be blank", "/data/attributes/name"),
        ({"emoji": "e" * 33}, "Expected `str` of length <= 32", "/data/attributes/emoji"),
        ({"description": 1}, "Expected `str | null`, got `int`", "/data/attributes/description"),
    ],
)
def test_update_invalid_is_400(
    api: Client, attributes: dict[str, Any], detail: str, pointer: str
) -> None:
    case_type = new_type(api, "Unchanged")
    r = api.put(f"{BASE}/{case_type['id']}", json=body(**attributes))
    assert r.status_code == 400
    assert r.json() == bad_request(detail, pointer)
    assert listed(api)[case_type["id"]] == case_type


def test_update_with_wrong_type_is_400(api: Client) -> None:
    case_type = new_type(api)
    r = api.put(f"{BASE}/{case_type['id']}", json={"data": {"type": "case"}})
    assert r.json() == bad_request('got type "case" expected one of "case_type"', "/data/type")


def test_builtin_types_cannot_be_changed(api: Client) -> None:
    r = api.put(f"{BASE}/{STANDARD_TYPE}", json=body(name="Mine now"))
    assert r.status_code == 400
    assert r.json() == bad_parameter(
        "case type Standard is built in and cannot be updated", "case_type_id"
    )
    r = api.delete(f"{BASE}/{STANDARD_TYPE}")
    assert r.status_code == 400
    assert r.json() == bad_parameter(
        "case type Standard is built in and cannot be deleted", "case_type_id"
    )
    assert listed(api)[STANDARD_TYPE]["attributes"]["name"] == "Standard"


def test_update_unknown_or_foreign_type_is_404(api: Client, other_api: Client) -> None:
    theirs = new_type(other_api, "Theirs")
    for type_id in (str(uuid.uuid4()), theirs["id"]):
        r = api.put(f"{BASE}/{type_id}", json=body(name="x"))
        assert (r.status_code, r.json()) == (404, NOT_FOUND)
    assert listed(other_api)[theirs["id"]] == theirs


def test_bad_type_id_is_400(api: Client) -> None:
    detail = 'invalid parameter "case_type_id" in "path"; expected type "uuid"'
    expected = bad_parameter(detail, "case_type_id", title="Invalid Parameter")
    for r in (
        api.put(f"{BASE}/nope", json=body(name="x")),
        api.delete(f"{BASE}/nope"),
    ):
        assert (r.status_code, r.json()) == (400, expected)


# Delete -----------------------------------------------------------------------------------


def test_delete_case_type(api: Client, project: dict[str, Any], server: Server) -> None:
    case_type = new_type(api, "Short-lived")
    case = api.new_case(project["id"], type_id=case_type["id"])
    r = api.delete(f"{BASE}/{case_type['id']}")
    assert r.status_code == 204
    assert r.content == b""
    assert "content-type" not in r.headers
    assert case_type["id"] not in listed(api)
    # Soft: the row stays, marked deleted.
    [row] = fetch(server, "SELECT deleted_at FROM case_types WHERE id = $1", case_type["id"])
    assert row["deleted_at"] is not None
    # Its cases keep it and stay editable.
    got = api.get(f"/api/v2/cases/{case['id']}").json()["data"]
    assert got["attributes"]["type_id"] == case_type["id"]
    r = api.post(
        f"/api/v2/cases/{case['id']}/title",
        json={"data": {"type": "case", "attributes": {"title": "Still editable"}}},
    )
    assert r.status_code == 200, r.text
    # New cases cannot use it; it cannot be changed or deleted again.
    r = api.post("/api/v2/cases", json=case_body(project["id"], type_id=case_type["id"]))
    assert (r.status_code, r.json()) == (404, NOT_FOUND)
    r = api.put(f"{BASE}/{case_type['id']}", json=body(name="Back"))
    assert (r.status_code, r.json()) == (404, NOT_FOUND)
    r = api.delete(f"{BASE}/{case_type['id']}")
    assert (r.status_code, r.json()) == (404, NOT_FOUND)


def test_delete_unknown_or_foreign_type_is_404(api: Client, other_api: Client) -> None:
    theirs = new_type(other_api, "Theirs")
    for type_id in (str(uuid.uuid4()), theirs["id"]):
        r = api.delete(f"{BASE}/{type_id}")
        assert (r.status_code, r.json()) == (404, NOT_FOUND)
    assert theirs["id"] in listed(other_api)


# Keys and scopes --------------------------------------------------------------------------


def test_update_needs_the_shared_settings_scope(server: Server, api: Client) -> None:
    case_type = new_type(api, "Guarded")
    writer = server.client(server.create_keys("acme", "writer@acme.test", "cases_read,cases_write"))
    for client in (writer, server.client(server.create_keys("acme", "ro@acme.test", "cases_read"))):
        r = client.put(f"{BASE}/{case_type['id']}", json=body(name="x"))
        assert r.status_code == 403
        assert r.json() == {
            "errors": [
                {
                    "status": "403",
                    "title": "Forbidden",
                    "detail": "the application key lacks the cases_shared_settings_write scope",
                }
            ]
        }
    assert listed(api)[case_type["id"]] == case_type


def test_list_create_and_delete_need_a_valid_key_pair_only(readonly_api: Client) -> None:
    """As in Datadog's spec, these three operations name no scope."""
    assert readonly_api.get(BASE).status_code == 200
    case_type = new_type(readonly_api, "By a reader")
    assert readonly_api.delete(f"{BASE}/{case_type['id']}").status_code == 204


def test_bad_or_missing_keys(server: Server, api: Client) -> None:
    case_type = new_type(api, "Keys")
    bad = Client(server.base_url, "0" * 32, "0" * 40)
    anonymous = server.client(None)
    for method, path, payload in (
        ("GET", BASE, None),
        ("POST", BASE, body(name="x")),
        ("PUT", f"{BASE}/{case_type['id']}", body(name="x")),
        ("DELETE", f"{BASE}/{case_type['id']}", None),
    ):
        assert bad.request(method, path, json=payload).status_code == 403, (method, path)
        assert anonymous.request(method, path, json=payload).status_code == 401, (method, path)
    assert listed(api)[case_type["id"]] == case_type


# The official client ----------------------------------------------------------------------


@pytest.fixture
def types_api(server: Server, keys: Keys) -> Iterator[CaseManagementTypeApi]:
    configuration = Configuration(host=server.base_url)
    configuration.api_key = {"apiKeyAuth": keys.api_key, "appKeyAuth": keys.app_key}
    for op in list(configuration.unstable_operations.values):
        if "case" in op:
            configuration.unstable_operations[op] = True
    with ApiClient(configuration) as client:
        yield CaseManagementTypeApi(client)


def test_round_trip_through_the_official_client(types_api: CaseManagementTypeApi) -> None:
    created = types_api.create_case_type(
        body=CaseTypeCreateRequest(
            data=CaseTypeCreate(
                type=CaseTypeResourceType.CASE_TYPE,
                attributes=CaseTypeResourceAttributes(
                    name="Investigation",
                    description="Investigations done in case management",
                    emoji="🕵🏻‍♂️",
                ),
            )
        )
    ).data
    assert not getattr(created, "_unparsed", False)
    assert created.attributes.name == "Investigation"
    assert created.attributes.emoji == "🕵🏻‍♂️"
    all_types = types_api.get_all_case_types().data
    assert [t.id for t in all_types][:1] == [STANDARD_TYPE]
    assert created.id in [t.id for t in all_types]

    updated = types_api.update_case_type(
        case_type_id=created.id,
        body=CaseTypeUpdateRequest(
            data=CaseTypeUpdate(
                type=CaseTypeResourceType.CASE_TYPE,
                attributes=CaseTypeResourceAttributes(name="Inquiry"),
            )
        ),
    ).data
    assert (updated.id, updated.attributes.name) == (created.id, "Inquiry")
    assert updated.attributes.description == "Investigations done in case management"

    types_api.delete_case_type(case_type_id=created.id)
    assert created.id not in [t.id for t in types_api.get_all_case_types().data]
    with pytest.raises(NotFoundException):
        types_api.delete_case_type(case_type_id=created.id)
    with pytest.raises(ApiException) as info:
        types_api.delete_case_type(case_type_id=STANDARD_TYPE)
    assert info.value.status == 400

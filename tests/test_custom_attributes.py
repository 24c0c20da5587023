"""Custom attribute configs (GetAllCustomAttributes, GetAllCustomAttributeConfigsByCaseType,
Create/Update/DeleteCustomAttributeConfig) and case values (UpdateCaseCustomAttribute,
DeleteCaseCustomAttribute, CreateCase with custom_attributes) over HTTP on both engines, and a
round trip through the official client."""

from __future__ import annotations

import random
import string
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from case_db import actions, events, fetch
from conftest import STANDARD_TYPE, Client, Keys, Server, case_body
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import NotFoundException
from datadog_api_client.v2.api.case_management_api import CaseManagementApi
from datadog_api_client.v2.api.case_management_attribute_api import (
    CaseManagementAttributeApi,
)
from datadog_api_client.v2.model.case_resource_type import CaseResourceType
from datadog_api_client.v2.model.case_update_custom_attribute import (
    CaseUpdateCustomAttribute,
)
from datadog_api_client.v2.model.case_update_custom_attribute_request import (
    CaseUpdateCustomAttributeRequest,
)
from datadog_api_client.v2.model.custom_attribute_config_attributes_create import (
    CustomAttributeConfigAttributesCreate,
)
from datadog_api_client.v2.model.custom_attribute_config_create import (
    CustomAttributeConfigCreate,
)
from datadog_api_client.v2.model.custom_attribute_config_create_request import (
    CustomAttributeConfigCreateRequest,
)
from datadog_api_client.v2.model.custom_attribute_config_resource_type import (
    CustomAttributeConfigResourceType,
)
from datadog_api_client.v2.model.custom_attribute_config_update import (
    CustomAttributeConfigUpdate,
)
from datadog_api_client.v2.model.custom_attribute_config_update_attributes import (
    CustomAttributeConfigUpdateAttributes,
)
from datadog_api_client.v2.model.custom_attribute_config_update_request import (
    CustomAttributeConfigUpdateRequest,
)
from datadog_api_client.v2.model.custom_attribute_select_option import (
    CustomAttributeSelectOption,
)
from datadog_api_client.v2.model.custom_attribute_type import CustomAttributeType
from datadog_api_client.v2.model.custom_attribute_type_data import CustomAttributeTypeData
from datadog_api_client.v2.model.custom_attribute_value import CustomAttributeValue

TYPES = "/api/v2/cases/types"
ALL = f"{TYPES}/custom_attributes"
TYPE_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "case_type not found"}]
}
CONFIG_NOT_FOUND = {
    "errors": [
        {"status": "404", "code": "resource_not_found", "title": "custom_attribute not found"}
    ]
}
CASE_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "case not found"}]
}
REGIONS = ["us-east-1", "eu-west-3", "ap-south-1"]


def configs_path(type_id: str) -> str:
    return f"{TYPES}/{type_id}/custom_attributes"


def config_body(**attributes: Any) -> dict[str, Any]:
    return {"data": {"type": "custom_attribute", "attributes": attributes}}


def value_body(type: Any, is_multi: Any, value: Any) -> dict[str, Any]:
    return {
        "data": {"type": "case", "attributes": {"type": type, "is_multi": is_multi, "value": value}}
    }


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


def unknown_key(key: str, case: dict[str, Any]) -> dict[str, Any]:
    a = case["attributes"]
    return {
        "errors": [
            {
                "status": "404",
                "code": "resource_not_found",
                "title": f'custom attribute not found: no custom attribute with key "{key}" is'
                f" configured for case type {a['type_id']} of case {a['key']}",
                "meta": {"key": "invalid_key"},
            }
        ]
    }


def random_attr_key(prefix: str = "k") -> str:
    return prefix + "_" + "".join(random.choices(string.ascii_lowercase + string.digits, k=8))


def new_type(api: Client, name: str = "Cloud") -> dict[str, Any]:
    r = api.post(TYPES, json={"data": {"type": "case_type", "attributes": {"name": name}}})
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def new_config(
    api: Client, type_id: str, type: str = "TEXT", is_multi: bool = False, **attributes: Any
) -> dict[str, Any]:
    attributes.setdefault("key", random_attr_key(type.lower()))
    attributes.setdefault("display_name", f"A {type} attribute")
    r = api.post(
        configs_path(type_id), json=config_body(type=type, is_multi=is_multi, **attributes)
    )
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def type_configs(api: Client, type_id: str) -> list[dict[str, Any]]:
    r = api.get(configs_path(type_id))
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


@pytest.fixture
def case_type(api: Client) -> dict[str, Any]:
    return new_type(api)


@pytest.fixture
def kinds(api: Client, case_type: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One config of each type and arity on `case_type`, by name such as "NUMBER" or "SELECT*"."""
    out = {}
    for type in ("URL", "TEXT", "NUMBER", "SELECT"):
        for multi in (False, True):
            extra: dict[str, Any] = {}
            if type == "SELECT":
                extra["type_data"] = {"options": [{"value": v} for v in REGIONS]}
            name = type + ("*" if multi else "")
            out[name] = new_config(api, case_type["id"], type, multi, **extra)
    return out


@pytest.fixture
def case(api: Client, project: dict[str, Any], case_type: dict[str, Any]) -> dict[str, Any]:
    return api.new_case(project["id"], "With attributes", type_id=case_type["id"])


def set_value(api: Client, case_id: str, key: str, body: dict[str, Any]) -> Any:
    return api.post(f"/api/v2/cases/{case_id}/custom_attributes/{key}", json=body)


def cases_in(api: Client, project: dict[str, Any]) -> int:
    r = api.get("/api/v2/cases", params={"filter": f"project:{project['attributes']['key']}"})
    assert r.status_code == 200, r.text
    total: int = r.json()["meta"]["total_cases"]
    return total


def get_case(api: Client, case_id: str) -> dict[str, Any]:
    r = api.get(f"/api/v2/cases/{case_id}")
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


# Configs: create and list -----------------------------------------------------------------


def test_create_config(api: Client, case_type: dict[str, Any]) -> None:
    r = api.post(
        configs_path(case_type["id"]),
        json=config_body(
            key="aws_region",
            display_name="AWS Region",
            description="AWS Region, must be a valid region supported by AWS",
            type="NUMBER",
            is_multi=True,
        ),
    )
    assert r.status_code == 201, r.text
    assert r.headers["content-type"] == "application/vnd.api+json"
    data = r.json()["data"]
    assert str(uuid.UUID(data["id"])) == data["id"]
    assert r.json() == {
        "data": {
            "id": data["id"],
            "type": "custom_attribute",
            "attributes": {
                "case_type_id": case_type["id"],
                "key": "aws_region",
                "display_name": "AWS Region",
                "description": "AWS Region, must be a valid region supported by AWS",
                "type": "NUMBER",
                "is_multi": True,
            },
        }
    }
    assert type_configs(api, case_type["id"]) == [data]
    assert data in api.get(ALL).json()["data"]


def test_select_config_lists_its_options(api: Client, case_type: dict[str, Any]) -> None:
    options = [{"value": v} for v in REGIONS]
    config = new_config(api, case_type["id"], "SELECT", type_data={"options": options})
    assert config["attributes"]["type_data"] == {"options": options}
    # A SELECT made without options (the client cannot send any on creation) lists none.
    bare = new_config(api, case_type["id"], "SELECT")
    assert bare["attributes"]["type_data"] == {"options": []}


def test_configs_list_by_type_in_creation_order(api: Client, case_type: dict[str, Any]) -> None:
    other_type = new_type(api, "Other")
    first = new_config(api, case_type["id"])
    elsewhere = new_config(api, other_type["id"])
    second = new_config(api, case_type["id"], "URL")
    assert type_configs(api, case_type["id"]) == [first, second]
    assert type_configs(api, other_type["id"]) == [elsewhere]
    everything = api.get(ALL).json()["data"]
    positions = [everything.index(c) for c in (first, elsewhere, second)]
    assert positions == sorted(positions)


def test_builtin_types_carry_configs(api: Client) -> None:
    config = new_config(api, STANDARD_TYPE, "NUMBER")
    assert config["attributes"]["case_type_id"] == STANDARD_TYPE
    assert config in type_configs(api, STANDARD_TYPE)
    assert config in api.get(ALL).json()["data"]


def test_all_custom_attributes_is_not_a_case_type_id(api: Client) -> None:
    """/types/custom_attributes is its own route, not /types/{case_type_id} (literal wins)."""
    r = api.get(ALL)
    assert r.status_code == 200, r.text
    assert isinstance(r.json()["data"], list)
    r = api.put(ALL, json={"data": {"type": "case_type", "attributes": {"name": "x"}}})
    assert r.status_code == 405


def test_keys_are_unique_per_case_type(api: Client, case_type: dict[str, Any]) -> None:
    key = random_attr_key("dup")
    new_config(api, case_type["id"], key=key)
    r = api.post(
        configs_path(case_type["id"]),
        json=config_body(key=key, display_name="Again", type="NUMBER", is_multi=True),
    )
    assert r.status_code == 409
    assert r.json() == {
        "errors": [
            {
                "status": "409",
                "title": "Conflict",
                "detail": f"a custom attribute with key {key} already exists for this case type",
                "source": {"pointer": "/data/attributes/key"},
            }
        ]
    }
    assert len(type_configs(api, case_type["id"])) == 1
    # The same key in another type is another attribute.
    new_config(api, new_type(api)["id"], key=key)


KEY_RULE = "key must be 1 to 64 lowercase letters, digits or underscores, starting with a letter"


@pytest.mark.parametrize(
    ("attributes", "detail", "pointer"),
    [
        ({"key": "AWS"}, KEY_RULE, "/data/attributes/key"),
        ({"key": "1st"}, KEY_RULE, "/data/attributes/key"),
        ({"key": "aws-region"}, KEY_RULE, "/data/attributes/key"),
        ({"key": "a" * 65}, "Expected `str` of length <= 64", "/data/attributes/key"),
        ({"key": ""}, "Expected `str` of length >= 1", "/data/attributes/key"),
        ({"display_name": "  "}, "display_name must not be blank", "/data/attributes/display_name"),
        (
            {"type": "DATE"},
            "invalid type DATE. Must be one of URL, TEXT, NUMBER, SELECT",
            "/data/attributes/type",
        ),
        ({"is_multi": "yes"}, "Expected `bool`, got `str`", "/data/attributes/is_multi"),
        (
            {"type_data": {"options": [{"value": "a"}]}},
            "options apply to SELECT attributes only, not TEXT",
            "/data/attributes/type_data/options",
        ),
        (
            {"type": "SELECT", "type_data": {"options": [{"value": "a"}, {"value": "a"}]}},
            "duplicate option a",
            "/data/attributes/type_data/options/1/value",
        ),
        (
            {"type": "SELECT", "type_data": {"options": [{"value": " "}]}},
            "an option must be 1 to 200 characters and not blank",
            "/data/attributes/type_data/options/0/value",
        ),
        (
            {"type": "SELECT", "type_data": {"options": [{}]}},
            "missing required field 'value'",
            "/data/attributes/type_data/options/0/value",
        ),
    ],
)
def test_create_invalid_config_is_400(
    api: Client, case_type: dict[str, Any], attributes: dict[str, Any], detail: str, pointer: str
) -> None:
    full = {"key": "valid_key", "display_name": "Valid", "type": "TEXT", "is_multi": False}
    r = api.post(configs_path(case_type["id"]), json=config_body(**{**full, **attributes}))
    assert r.status_code == 400
    assert r.json() == bad_request(detail, pointer)
    assert type_configs(api, case_type["id"]) == []


@pytest.mark.parametrize("field", ["key", "display_name", "type", "is_multi"])
def test_create_config_missing_field_is_400(
    api: Client, case_type: dict[str, Any], field: str
) -> None:
    full = {"key": "valid_key", "display_name": "Valid", "type": "TEXT", "is_multi": False}
    del full[field]
    r = api.post(configs_path(case_type["id"]), json=config_body(**full))
    assert r.json() == bad_request(f"missing required field {field!r}", f"/data/attributes/{field}")


def test_create_config_with_wrong_data_type_is_400(api: Client, case_type: dict[str, Any]) -> None:
    r = api.post(configs_path(case_type["id"]), json={"data": {"type": "case", "attributes": {}}})
    assert r.json() == bad_request(
        'got type "case" expected one of "custom_attribute"', "/data/type"
    )


def test_configs_of_unknown_foreign_or_deleted_types_are_404(
    api: Client, other_api: Client
) -> None:
    theirs = new_type(other_api, "Theirs")
    theirs_config = new_config(other_api, theirs["id"])
    deleted = new_type(api, "Deleted")
    deleted_config = new_config(api, deleted["id"])
    assert api.delete(f"{TYPES}/{deleted['id']}").status_code == 204
    for type_id, config in (
        (str(uuid.uuid4()), theirs_config),
        (theirs["id"], theirs_config),
        (deleted["id"], deleted_config),
    ):
        path = configs_path(type_id)
        for r in (
            api.get(path),
            api.post(
                path, json=config_body(key="k", display_name="K", type="TEXT", is_multi=False)
            ),
            api.put(f"{path}/{config['id']}", json=config_body(display_name="x")),
            api.delete(f"{path}/{config['id']}"),
        ):
            assert (r.status_code, r.json()) == (404, TYPE_NOT_FOUND), (type_id, r.request.method)
    assert type_configs(other_api, theirs["id"]) == [theirs_config]
    everything = api.get(ALL).json()["data"]
    assert theirs_config not in everything
    assert deleted_config not in everything  # the configs of a deleted type are not listed


def test_bad_path_ids_are_400(api: Client, case_type: dict[str, Any]) -> None:
    def invalid(name: str) -> dict[str, Any]:
        detail = f'invalid parameter "{name}" in "path"; expected type "uuid"'
        return {
            "errors": [
                {
                    "status": "400",
                    "title": "Invalid Parameter",
                    "detail": detail,
                    "source": {"parameter": name},
                }
            ]
        }

    assert api.get(configs_path("nope")).json() == invalid("case_type_id")
    path = f"{configs_path(case_type['id'])}/nope"
    r = api.put(path, json=config_body(display_name="x"))
    assert (r.status_code, r.json()) == (400, invalid("custom_attribute_id"))
    r = api.delete(path)
    assert (r.status_code, r.json()) == (400, invalid("custom_attribute_id"))


# Configs: update --------------------------------------------------------------------------


def test_update_config(api: Client, case_type: dict[str, Any]) -> None:
    config = new_config(api, case_type["id"], description="old")
    path = f"{configs_path(case_type['id'])}/{config['id']}"
    r = api.put(path, json=config_body(display_name="Renamed", description="Updated description."))
    assert r.status_code == 200, r.text
    expected = {
        **config["attributes"],
        "display_name": "Renamed",
        "description": "Updated description.",
    }
    assert r.json() == {"data": {**config, "attributes": expected}}
    assert type_configs(api, case_type["id"]) == [r.json()["data"]]
    # map_from is kept and shown; an empty string clears it.
    r = api.put(path, json=config_body(map_from="jira.priority"))
    assert r.json()["data"]["attributes"] == {**expected, "map_from": "jira.priority"}
    r = api.put(path, json=config_body(map_from=""))
    assert r.json()["data"]["attributes"] == expected


def test_update_config_type_and_options(api: Client, case_type: dict[str, Any]) -> None:
    config = new_config(api, case_type["id"], "TEXT")
    path = f"{configs_path(case_type['id'])}/{config['id']}"
    options = {"options": [{"value": "low"}, {"value": "high"}]}
    r = api.put(path, json=config_body(type="SELECT", type_data=options))
    assert r.status_code == 200, r.text
    assert r.json()["data"]["attributes"] == {
        **config["attributes"],
        "type": "SELECT",
        "type_data": options,
    }
    # Options can be replaced; leaving type_data out keeps them.
    r = api.put(path, json=config_body(type_data={"options": [{"value": "mid"}]}))
    assert r.json()["data"]["attributes"]["type_data"] == {"options": [{"value": "mid"}]}
    r = api.put(path, json=config_body(display_name="Level"))
    assert r.json()["data"]["attributes"]["type_data"] == {"options": [{"value": "mid"}]}
    # Another type drops them.
    r = api.put(path, json=config_body(type="NUMBER"))
    assert r.status_code == 200, r.text
    assert "type_data" not in r.json()["data"]["attributes"]
    assert r.json()["data"]["attributes"]["type"] == "NUMBER"


def test_update_config_with_the_same_values_changes_nothing(
    api: Client, server: Server, case_type: dict[str, Any]
) -> None:
    config = new_config(api, case_type["id"], description="same")
    path = f"{configs_path(case_type['id'])}/{config['id']}"
    for payload in (
        config_body(display_name=config["attributes"]["display_name"], description="same"),
        config_body(type="TEXT"),
        config_body(),
        {"data": {"type": "custom_attribute"}},
    ):
        r = api.put(path, json=payload)
        assert r.status_code == 200, r.text
        assert r.json() == {"data": config}
    rows = fetch(
        server, "SELECT modified_at FROM custom_attribute_configs WHERE id = $1", config["id"]
    )
    assert rows == [{"modified_at": None}]


@pytest.mark.parametrize(
    ("attributes", "detail", "pointer"),
    [
        ({"display_name": " "}, "display_name must not be blank", "/data/attributes/display_name"),
        (
            {"type": "BOOLEAN"},
            "invalid type BOOLEAN. Must be one of URL, TEXT, NUMBER, SELECT",
            "/data/attributes/type",
        ),
        (
            {"type_data": {"options": [{"value": "x"}]}},
            "options apply to SELECT attributes only, not TEXT",
            "/data/attributes/type_data/options",
        ),
        (
            {"description": "d" * 4001},
            "Expected `str` of length <= 4000",
            "/data/attributes/description",
        ),
    ],
)
def test_update_invalid_config_is_400(
    api: Client, case_type: dict[str, Any], attributes: dict[str, Any], detail: str, pointer: str
) -> None:
    config = new_config(api, case_type["id"])
    r = api.put(f"{configs_path(case_type['id'])}/{config['id']}", json=config_body(**attributes))
    assert r.status_code == 400
    assert r.json() == bad_request(detail, pointer)
    assert type_configs(api, case_type["id"]) == [config]


def test_update_or_delete_unknown_config_is_404(
    api: Client, other_api: Client, case_type: dict[str, Any]
) -> None:
    config = new_config(api, case_type["id"])
    other_type = new_type(api, "Other")
    theirs = new_config(other_api, new_type(other_api)["id"])
    for type_id, config_id in (
        (case_type["id"], str(uuid.uuid4())),
        (other_type["id"], config["id"]),  # a config is reached through its own type only
        (case_type["id"], theirs["id"]),
    ):
        path = f"{configs_path(type_id)}/{config_id}"
        r = api.put(path, json=config_body(display_name="x"))
        assert (r.status_code, r.json()) == (404, CONFIG_NOT_FOUND)
        r = api.delete(path)
        assert (r.status_code, r.json()) == (404, CONFIG_NOT_FOUND)
    assert type_configs(api, case_type["id"]) == [config]


def test_update_config_needs_the_shared_settings_scope(
    server: Server, api: Client, readonly_api: Client, case_type: dict[str, Any]
) -> None:
    config = new_config(api, case_type["id"])
    writer = server.client(server.create_keys("acme", "writer@acme.test", "cases_read,cases_write"))
    for client in (readonly_api, writer):
        r = client.put(
            f"{configs_path(case_type['id'])}/{config['id']}", json=config_body(display_name="x")
        )
        assert r.status_code == 403
        assert r.json()["errors"][0]["detail"] == (
            "the application key lacks the cases_shared_settings_write scope"
        )
    assert type_configs(api, case_type["id"]) == [config]


def test_config_list_create_and_delete_need_a_valid_key_pair_only(
    readonly_api: Client, api: Client, case_type: dict[str, Any]
) -> None:
    """As in Datadog's spec, these operations name no scope."""
    assert readonly_api.get(ALL).status_code == 200
    config = new_config(readonly_api, case_type["id"])
    assert type_configs(readonly_api, case_type["id"]) == [config]
    r = readonly_api.delete(f"{configs_path(case_type['id'])}/{config['id']}")
    assert r.status_code == 204
    assert type_configs(api, case_type["id"]) == []


def test_config_operations_need_keys(server: Server, case_type: dict[str, Any]) -> None:
    bad = Client(server.base_url, "0" * 32, "0" * 40)
    path = configs_path(case_type["id"])
    body = config_body(key="k", display_name="K", type="TEXT", is_multi=False)
    for client, status in ((bad, 403), (server.client(None), 401)):
        assert client.get(ALL).status_code == status
        assert client.get(path).status_code == status
        assert client.post(path, json=body).status_code == status
        assert client.put(f"{path}/{uuid.uuid4()}", json=body).status_code == status
        assert client.delete(f"{path}/{uuid.uuid4()}").status_code == status


# Configs: delete --------------------------------------------------------------------------


def test_delete_config(api: Client, case_type: dict[str, Any]) -> None:
    keep, gone = new_config(api, case_type["id"]), new_config(api, case_type["id"])
    r = api.delete(f"{configs_path(case_type['id'])}/{gone['id']}")
    assert r.status_code == 204
    assert r.content == b""
    assert type_configs(api, case_type["id"]) == [keep]
    assert gone not in api.get(ALL).json()["data"]
    r = api.delete(f"{configs_path(case_type['id'])}/{gone['id']}")
    assert (r.status_code, r.json()) == (404, CONFIG_NOT_FOUND)
    # Its key is free again.
    new_config(api, case_type["id"], key=gone["attributes"]["key"])


# Case values ------------------------------------------------------------------------------

GOOD_VALUES = {
    "URL": "https://status.aws.amazon.com/",
    "URL*": ["http://a.example/x?y=1", "https://b.example"],
    "TEXT": "eu outage",
    "TEXT*": ["one", "two words"],
    "NUMBER": 42,
    "NUMBER*": [1.5, -3, 0],
    "SELECT": "eu-west-3",
    "SELECT*": ["ap-south-1", "us-east-1"],
}


def test_set_every_kind_of_value(
    api: Client, server: Server, case: dict[str, Any], kinds: dict[str, dict[str, Any]]
) -> None:
    expected: dict[str, Any] = {}
    for name, config in kinds.items():
        a = config["attributes"]
        r = set_value(
            api, case["id"], a["key"], value_body(a["type"], a["is_multi"], GOOD_VALUES[name])
        )
        assert r.status_code == 200, (name, r.text)
        expected[a["key"]] = {
            "type": a["type"],
            "is_multi": a["is_multi"],
            "value": GOOD_VALUES[name],
        }
        data = r.json()["data"]
        assert data["attributes"]["custom_attributes"] == expected
        assert data["attributes"]["modified_at"] is not None
        assert data["relationships"]["modified_by"]["data"]["id"]
    assert get_case(api, case["id"])["attributes"]["custom_attributes"] == expected
    assert actions(server, case["id"]) == ["case.created"] + ["case.custom_attribute_updated"] * 8
    # The record names the old and new values.
    last = events(server, case["id"])[-1]["details"]["custom_attributes"]
    assert last["to"] == expected
    assert set(last["from"]) == set(expected) - {kinds["SELECT*"]["attributes"]["key"]}


def test_set_by_case_key_and_replace(
    api: Client, server: Server, case: dict[str, Any], kinds: dict[str, dict[str, Any]]
) -> None:
    key = kinds["NUMBER"]["attributes"]["key"]
    ref = case["attributes"]["key"].lower()
    assert set_value(api, ref, key, value_body("NUMBER", False, 1)).status_code == 200
    r = set_value(api, ref, key, value_body("NUMBER", False, 2.25))
    assert r.json()["data"]["attributes"]["custom_attributes"] == {
        key: {"type": "NUMBER", "is_multi": False, "value": 2.25}
    }
    assert actions(server, case["id"]).count("case.custom_attribute_updated") == 2


def test_setting_the_same_value_changes_nothing(
    api: Client, server: Server, case: dict[str, Any], kinds: dict[str, dict[str, Any]]
) -> None:
    key = kinds["SELECT*"]["attributes"]["key"]
    first = set_value(api, case["id"], key, value_body("SELECT", True, ["us-east-1"])).json()
    again = set_value(api, case["id"], key, value_body("SELECT", True, ["us-east-1"]))
    assert again.status_code == 200
    assert again.json() == first
    assert actions(server, case["id"]) == ["case.created", "case.custom_attribute_updated"]


MULTI = "is multi-valued: is_multi must be true"
SINGLE = "is single-valued: is_multi must be false"


@pytest.mark.parametrize(
    ("name", "type", "is_multi", "value", "detail", "where"),
    [
        ("NUMBER", "TEXT", False, "x", "has type NUMBER, not TEXT", "type"),
        ("NUMBER", "NUMBER", True, [1], SINGLE, "is_multi"),
        ("NUMBER*", "NUMBER", False, 1, MULTI, "is_multi"),
        ("NUMBER", "NUMBER", False, [1], "takes a single value, not an array", "value"),
        ("NUMBER*", "NUMBER", True, 1, "takes an array of values, got number", "value"),
        (
            "TEXT*",
            "TEXT",
            True,
            [],
            "a multi-valued attribute takes 1 to 100 values; to clear it, delete the custom "
            "attribute",
            "value",
        ),
        ("TEXT*", "TEXT", True, ["a"] * 101, None, "value"),
        ("NUMBER", "NUMBER", False, "42", "expected a number, got string", "value"),
        ("NUMBER*", "NUMBER", True, [1, "2"], "expected a number, got string", "value/1"),
        ("NUMBER", "NUMBER", False, 2**60, None, "value"),
        ("TEXT", "TEXT", False, 7, "expected a string, got number", "value"),
        ("TEXT", "TEXT", False, "   ", "text must be 1 to 4000 characters and not blank", "value"),
        ("TEXT", "TEXT", False, "t" * 4001, None, "value"),
        ("TEXT*", "TEXT", True, ["a", "b", "a"], "duplicate value a", "value/2"),
        ("URL", "URL", False, "ftp://files.example/x", None, "value"),
        ("URL", "URL", False, "not a url", None, "value"),
        ("URL", "URL", False, "https://", None, "value"),
        ("URL*", "URL", True, ["https://ok.example", "javascript:alert(1)"], None, "value/1"),
        (
            "SELECT",
            "SELECT",
            False,
            "mars-1",
            "invalid value mars-1. Must be one of us-east-1, eu-west-3, ap-south-1",
            "value",
        ),
        ("SELECT*", "SELECT", True, ["us-east-1", "US-EAST-1"], None, "value/1"),
    ],
)
def test_invalid_value_is_400_and_changes_nothing(
    api: Client,
    server: Server,
    case: dict[str, Any],
    kinds: dict[str, dict[str, Any]],
    name: str,
    type: str,
    is_multi: bool,
    value: Any,
    detail: str | None,
    where: str,
) -> None:
    key = kinds[name]["attributes"]["key"]
    r = set_value(api, case["id"], key, value_body(type, is_multi, value))
    assert r.status_code == 400, r.text
    (error,) = r.json()["errors"]
    assert error["source"] == {"pointer": f"/data/attributes/{where}"}
    if detail is not None:
        assert error["detail"].endswith(detail), error["detail"]
    assert get_case(api, case["id"]) == case
    assert actions(server, case["id"]) == ["case.created"]


@pytest.mark.parametrize(
    ("attributes", "detail", "pointer"),
    [
        (
            {"type": "DATE", "is_multi": False, "value": "x"},
            "invalid type DATE. Must be one of URL, TEXT, NUMBER, SELECT",
            "/data/attributes/type",
        ),
        ({"type": "TEXT", "is_multi": False, "value": None}, None, "/data/attributes/value"),
        ({"type": "TEXT", "is_multi": False, "value": True}, None, "/data/attributes/value"),
        ({"type": "TEXT", "is_multi": False, "value": {"a": 1}}, None, "/data/attributes/value"),
        (
            {"type": "TEXT", "value": "x"},
            "missing required field 'is_multi'",
            "/data/attributes/is_multi",
        ),
        (
            {"type": "TEXT", "is_multi": False},
            "missing required field 'value'",
            "/data/attributes/value",
        ),
    ],
)
def test_malformed_value_body_is_400(
    api: Client,
    case: dict[str, Any],
    kinds: dict[str, dict[str, Any]],
    attributes: dict[str, Any],
    detail: str | None,
    pointer: str,
) -> None:
    key = kinds["TEXT"]["attributes"]["key"]
    r = set_value(api, case["id"], key, {"data": {"type": "case", "attributes": attributes}})
    assert r.status_code == 400
    (error,) = r.json()["errors"]
    assert error["source"] == {"pointer": pointer}
    if detail is not None:
        assert error["detail"] == detail
    r = set_value(api, case["id"], key, {"data": {"type": "project", "attributes": attributes}})
    assert r.json() == bad_request('got type "project" expected one of "case"', "/data/type")


def test_unknown_key_is_404_with_datadogs_meta(
    api: Client, case: dict[str, Any], kinds: dict[str, dict[str, Any]]
) -> None:
    r = set_value(api, case["id"], "no_such_key", value_body("TEXT", False, "x"))
    assert (r.status_code, r.json()) == (404, unknown_key("no_such_key", case))
    r = api.delete(f"/api/v2/cases/{case['id']}/custom_attributes/no_such_key")
    assert (r.status_code, r.json()) == (404, unknown_key("no_such_key", case))
    # A key configured on another type is unknown here.
    standard = new_config(api, STANDARD_TYPE)
    key = standard["attributes"]["key"]
    r = set_value(api, case["id"], key, value_body("TEXT", False, "x"))
    assert (r.status_code, r.json()) == (404, unknown_key(key, case))


def test_unknown_or_foreign_case_is_404(
    api: Client, other_api: Client, case: dict[str, Any], kinds: dict[str, dict[str, Any]]
) -> None:
    key = kinds["TEXT"]["attributes"]["key"]
    for client, ref in ((api, str(uuid.uuid4())), (api, "NOPE-1"), (other_api, case["id"])):
        r = set_value(client, ref, key, value_body("TEXT", False, "x"))
        assert (r.status_code, r.json()) == (404, CASE_NOT_FOUND)
        r = client.delete(f"/api/v2/cases/{ref}/custom_attributes/{key}")
        assert (r.status_code, r.json()) == (404, CASE_NOT_FOUND)
    assert get_case(api, case["id"]) == case


def test_case_values_need_cases_write(
    api: Client, readonly_api: Client, case: dict[str, Any], kinds: dict[str, dict[str, Any]]
) -> None:
    key = kinds["TEXT"]["attributes"]["key"]
    set_value(api, case["id"], key, value_body("TEXT", False, "kept"))
    before = get_case(api, case["id"])
    forbidden = {
        "errors": [
            {
                "status": "403",
                "title": "Forbidden",
                "detail": "the application key lacks the cases_write scope",
            }
        ]
    }
    r = set_value(readonly_api, case["id"], key, value_body("TEXT", False, "x"))
    assert (r.status_code, r.json()) == (403, forbidden)
    r = readonly_api.delete(f"/api/v2/cases/{case['id']}/custom_attributes/{key}")
    assert (r.status_code, r.json()) == (403, forbidden)
    assert get_case(api, case["id"]) == before


def test_archived_case_refuses_custom_attribute_changes(
    api: Client, case: dict[str, Any], kinds: dict[str, dict[str, Any]]
) -> None:
    key = kinds["TEXT"]["attributes"]["key"]
    set_value(api, case["id"], key, value_body("TEXT", False, "kept"))
    r = api.post(f"/api/v2/cases/{case['id']}/archive", json={"data": {"type": "case"}})
    assert r.status_code == 200, r.text
    archived = r.json()["data"]
    r = set_value(api, case["id"], key, value_body("TEXT", False, "changed"))
    assert r.status_code == 400
    assert "archived" in r.json()["errors"][0]["detail"]
    r = api.delete(f"/api/v2/cases/{case['id']}/custom_attributes/{key}")
    assert r.status_code == 400
    assert get_case(api, case["id"]) == archived


def test_delete_value(
    api: Client, server: Server, case: dict[str, Any], kinds: dict[str, dict[str, Any]]
) -> None:
    text, number = kinds["TEXT"]["attributes"]["key"], kinds["NUMBER"]["attributes"]["key"]
    set_value(api, case["id"], text, value_body("TEXT", False, "bye"))
    set_value(api, case["id"], number, value_body("NUMBER", False, 7))
    r = api.delete(f"/api/v2/cases/{case['id']}/custom_attributes/{text}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.api+json"
    assert r.json()["data"]["attributes"]["custom_attributes"] == {
        number: {"type": "NUMBER", "is_multi": False, "value": 7}
    }
    assert get_case(api, case["id"]) == r.json()["data"]
    # Deleting a configured key the case does not hold changes nothing.
    again = api.delete(f"/api/v2/cases/{case['id']}/custom_attributes/{text}")
    assert again.status_code == 200
    assert again.json() == r.json()
    assert actions(server, case["id"]) == [
        "case.created",
        "case.custom_attribute_updated",
        "case.custom_attribute_updated",
        "case.custom_attribute_deleted",
    ]


def test_values_outlive_their_config_until_deleted(
    api: Client, case_type: dict[str, Any], case: dict[str, Any]
) -> None:
    config = new_config(api, case_type["id"], "NUMBER")
    key = config["attributes"]["key"]
    set_value(api, case["id"], key, value_body("NUMBER", False, 3))
    assert api.delete(f"{configs_path(case_type['id'])}/{config['id']}").status_code == 204
    held = get_case(api, case["id"])["attributes"]["custom_attributes"]
    assert held == {key: {"type": "NUMBER", "is_multi": False, "value": 3}}
    # It can no longer be set, but it can be removed.
    r = set_value(api, case["id"], key, value_body("NUMBER", False, 4))
    assert (r.status_code, r.json()) == (404, unknown_key(key, case))
    r = api.delete(f"/api/v2/cases/{case['id']}/custom_attributes/{key}")
    assert r.status_code == 200, r.text
    assert r.json()["data"]["attributes"]["custom_attributes"] == {}


def test_cases_of_a_deleted_type_keep_their_attributes_editable(
    api: Client, project: dict[str, Any]
) -> None:
    case_type = new_type(api, "Retired")
    config = new_config(api, case_type["id"], "TEXT")
    key = config["attributes"]["key"]
    case = api.new_case(project["id"], type_id=case_type["id"])
    assert api.delete(f"{TYPES}/{case_type['id']}").status_code == 204
    r = set_value(api, case["id"], key, value_body("TEXT", False, "still works"))
    assert r.status_code == 200, r.text
    assert r.json()["data"]["attributes"]["custom_attributes"][key]["value"] == "still works"


# Creating cases with custom attributes -----------------------------------------------------


def test_create_case_with_custom_attributes(
    api: Client,
    server: Server,
    project: dict[str, Any],
    case_type: dict[str, Any],
    kinds: dict[str, dict[str, Any]],
) -> None:
    given = {
        c["attributes"]["key"]: {
            "type": c["attributes"]["type"],
            "is_multi": c["attributes"]["is_multi"],
            "value": GOOD_VALUES[name],
        }
        for name, c in kinds.items()
    }
    r = api.post(
        "/api/v2/cases",
        json=case_body(project["id"], type_id=case_type["id"], custom_attributes=given),
    )
    assert r.status_code == 201, r.text
    case = r.json()["data"]
    assert case["attributes"]["custom_attributes"] == given
    assert get_case(api, case["id"]) == case
    assert actions(server, case["id"]) == ["case.created"]


def test_create_case_of_a_builtin_type_with_custom_attributes(
    api: Client, project: dict[str, Any]
) -> None:
    config = new_config(api, STANDARD_TYPE, "NUMBER", True)
    key = config["attributes"]["key"]
    value = {"type": "NUMBER", "is_multi": True, "value": [1, 2]}
    case = api.new_case(project["id"], custom_attributes={key: value})
    assert case["attributes"]["custom_attributes"] == {key: value}


@pytest.mark.parametrize(
    ("value", "detail", "where"),
    [
        ("x", "expected an object with type, is_multi and value, got string", ""),
        ({"type": "TEXT", "is_multi": False}, "missing required field 'value'", "/value"),
        ({"is_multi": False, "value": "x"}, "missing required field 'type'", "/type"),
        (
            {"type": "DATE", "is_multi": False, "value": "x"},
            "invalid type DATE. Must be one of URL, TEXT, NUMBER, SELECT",
            "/type",
        ),
        (
            {"type": "TEXT", "is_multi": "no", "value": "x"},
            "expected a boolean, got string",
            "/is_multi",
        ),
        ({"type": "NUMBER", "is_multi": False, "value": 1}, None, "/type"),
        ({"type": "TEXT", "is_multi": True, "value": ["x"]}, None, "/is_multi"),
        ({"type": "TEXT", "is_multi": False, "value": ""}, None, "/value"),
    ],
)
def test_create_case_with_invalid_custom_attributes_is_400(
    api: Client,
    project: dict[str, Any],
    case_type: dict[str, Any],
    kinds: dict[str, dict[str, Any]],
    value: Any,
    detail: str | None,
    where: str,
) -> None:
    key = kinds["TEXT"]["attributes"]["key"]
    r = api.post(
        "/api/v2/cases",
        json=case_body(project["id"], type_id=case_type["id"], custom_attributes={key: value}),
    )
    assert r.status_code == 400, r.text
    (error,) = r.json()["errors"]
    assert error["source"] == {"pointer": f"/data/attributes/custom_attributes/{key}{where}"}
    if detail is not None:
        assert error["detail"] == detail
    assert cases_in(api, project) == 0


def test_create_case_with_an_unconfigured_key_is_400(
    api: Client, project: dict[str, Any], case_type: dict[str, Any]
) -> None:
    value = {"type": "TEXT", "is_multi": False, "value": "x"}
    r = api.post(
        "/api/v2/cases",
        json=case_body(project["id"], type_id=case_type["id"], custom_attributes={"a/b": value}),
    )
    assert r.status_code == 400
    assert r.json() == bad_request(
        f"custom attribute a/b is not configured for case type {case_type['id']}",
        "/data/attributes/custom_attributes/a~1b",
    )


# The official client ----------------------------------------------------------------------


@pytest.fixture
def client_config(server: Server, keys: Keys) -> Iterator[ApiClient]:
    configuration = Configuration(host=server.base_url)
    configuration.api_key = {"apiKeyAuth": keys.api_key, "appKeyAuth": keys.app_key}
    for op in list(configuration.unstable_operations.values):
        if "case" in op:
            configuration.unstable_operations[op] = True
    with ApiClient(configuration) as client:
        yield client


def test_round_trip_through_the_official_client(
    client_config: ApiClient, api: Client, project: dict[str, Any], case_type: dict[str, Any]
) -> None:
    attrs_api = CaseManagementAttributeApi(client_config)
    cases_api = CaseManagementApi(client_config)
    key = random_attr_key("region")
    created = attrs_api.create_custom_attribute_config(
        case_type_id=case_type["id"],
        body=CustomAttributeConfigCreateRequest(
            data=CustomAttributeConfigCreate(
                type=CustomAttributeConfigResourceType.CUSTOM_ATTRIBUTE,
                attributes=CustomAttributeConfigAttributesCreate(
                    key=key,
                    display_name="AWS Region",
                    description="AWS Region, must be a valid region supported by AWS",
                    type=CustomAttributeType.SELECT,
                    is_multi=True,
                ),
            )
        ),
    ).data
    assert not getattr(created, "_unparsed", False)
    assert (created.attributes.key, created.attributes.case_type_id) == (key, case_type["id"])
    assert created.attributes.type == CustomAttributeType.SELECT

    updated = attrs_api.update_custom_attribute_config(
        case_type_id=case_type["id"],
        custom_attribute_id=created.id,
        body=CustomAttributeConfigUpdateRequest(
            data=CustomAttributeConfigUpdate(
                type=CustomAttributeConfigResourceType.CUSTOM_ATTRIBUTE,
                attributes=CustomAttributeConfigUpdateAttributes(
                    description="Updated description.",
                    type_data=CustomAttributeTypeData(
                        options=[CustomAttributeSelectOption(value=v) for v in REGIONS]
                    ),
                ),
            )
        ),
    ).data
    assert updated.attributes.description == "Updated description."
    by_type = attrs_api.get_all_custom_attribute_configs_by_case_type(case_type_id=case_type["id"])
    assert [c.id for c in by_type.data] == [created.id]
    assert created.id in [c.id for c in attrs_api.get_all_custom_attributes().data]

    case = api.new_case(project["id"], type_id=case_type["id"])
    response = cases_api.update_case_custom_attribute(
        case_id=case["id"],
        custom_attribute_key=key,
        body=CaseUpdateCustomAttributeRequest(
            data=CaseUpdateCustomAttribute(
                type=CaseResourceType.CASE,
                attributes=CustomAttributeValue(
                    type=CustomAttributeType.SELECT, is_multi=True, value=["eu-west-3"]
                ),
            )
        ),
    )
    held = response.data.attributes.custom_attributes[key]
    assert (held.type, held.is_multi, held.value) == (
        CustomAttributeType.SELECT,
        True,
        ["eu-west-3"],
    )
    number = new_config(api, case_type["id"], "NUMBER")["attributes"]["key"]
    response = cases_api.update_case_custom_attribute(
        case_id=case["id"],
        custom_attribute_key=number,
        body=CaseUpdateCustomAttributeRequest(
            data=CaseUpdateCustomAttribute(
                type=CaseResourceType.CASE,
                attributes=CustomAttributeValue(
                    type=CustomAttributeType.NUMBER, is_multi=False, value=42.5
                ),
            )
        ),
    )
    held = cases_api.get_case(case_id=case["id"]).data.attributes.custom_attributes[number]
    assert not getattr(held, "_unparsed", False)
    assert (held.type, held.is_multi, held.value) == (CustomAttributeType.NUMBER, False, 42.5)
    # An integral number reads back through the client too.
    set_value(api, case["id"], number, value_body("NUMBER", False, 42))
    held = cases_api.get_case(case_id=case["id"]).data.attributes.custom_attributes[number]
    assert not getattr(held, "_unparsed", False)
    assert held.value == 42
    api.delete(f"/api/v2/cases/{case['id']}/custom_attributes/{number}")
    response = cases_api.delete_case_custom_attribute(case_id=case["id"], custom_attribute_key=key)
    assert response.data.attributes.custom_attributes == {}
    with pytest.raises(NotFoundException):
        cases_api.delete_case_custom_attribute(case_id=case["id"], custom_attribute_key="nope")

    attrs_api.delete_custom_attribute_config(
        case_type_id=case_type["id"], custom_attribute_id=created.id
    )
    left = attrs_api.get_all_custom_attribute_configs_by_case_type(case_type_id=case_type["id"])
    assert created.id not in [c.id for c in left.data]

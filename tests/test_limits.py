"""Limits at the HTTP edge, the same for every operation: JSON depth, field bounds, parameters."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
import requests
from conftest import Client, Server
from hypothesis import given, settings
from hypothesis import strategies as st

from opencase.app import API_ROUTES
from opencase.http.limits import JSON_DEPTH_MAX, QUERY_PARAM_MAX, too_deep

DEEP = "JSON nests deeper than 32 levels of objects and arrays"
BODY_ROUTES = [r for r in API_ROUTES if r.body is not None]


def _path(template: str) -> str:
    return re.sub(r"\{\w+\}", lambda _: str(uuid.uuid4()), template)


def _nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"v": value}
    return value


def _case_count(api: Client, project: dict[str, Any]) -> int:
    r = api.get("/api/v2/cases", params={"filter": f"project:{project['attributes']['key']}"})
    assert r.status_code == 200, r.text
    total: int = r.json()["meta"]["total_cases"]
    return total


def test_ten_thousand_nested_objects_are_a_400_that_names_the_limit(
    api: Client, project: dict[str, Any]
) -> None:
    """The request the issue reported: it answered 500 (RecursionError in the decoder)."""
    body = '{"data":' * 10_000 + "1" + "}" * 10_000
    r = api.post("/api/v2/cases", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/vnd.api+json"
    assert r.json() == {
        "errors": [
            {"status": "400", "title": "Bad Request", "detail": DEEP, "source": {"pointer": ""}}
        ]
    }
    assert _case_count(api, project) == 0


@pytest.mark.parametrize("route", BODY_ROUTES, ids=lambda r: r.operation_id)
def test_every_operation_with_a_body_refuses_deep_json(api: Client, route: Any) -> None:
    for body in ("[" * 10_000 + "]" * 10_000, "[" * 10_000, '{"a":' * 33 + "1" + "}" * 33):
        r = api.request(
            route.method,
            _path(route.path),
            data=body,
            headers={"Content-Type": "application/json"},
        )
        assert r.status_code == 400, (route.operation_id, r.text)
        assert r.json()["errors"][0]["detail"] == DEEP


def test_the_depth_limit_is_inclusive(api: Client, project: dict[str, Any]) -> None:
    """32 levels reach the decoder (which finds this value wrong); 33 do not."""
    attributes = {"title": "Deep", "type_id": "00000000-0000-0000-0000-000000000001"}
    for depth, refused_for_depth in ((32, False), (33, True)):
        # {"data": {"attributes": {"custom_attributes": {"k": <nested>}}}} adds 4 levels.
        value = _nested(depth - 4)
        body = {
            "data": {
                "type": "case",
                "attributes": {**attributes, "custom_attributes": {"k": value}},
                "relationships": {"project": {"data": {"id": project["id"], "type": "project"}}},
            }
        }
        r = api.post("/api/v2/cases", json=body)
        assert r.status_code == 400, r.text
        assert (r.json()["errors"][0]["detail"] == DEEP) is refused_for_depth
    assert _case_count(api, project) == 0


def test_brackets_inside_strings_are_not_depth(api: Client, project: dict[str, Any]) -> None:
    title = '[{"' * 50 + '\\"' + "]}" * 50
    r = api.post(
        "/api/v2/cases",
        json={
            "data": {
                "type": "case",
                "attributes": {"title": title, "type_id": "00000000-0000-0000-0000-000000000001"},
                "relationships": {"project": {"data": {"id": project["id"], "type": "project"}}},
            }
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["data"]["attributes"]["title"] == title


def test_a_uuid_field_longer_than_any_uuid_is_refused_at_its_pointer(
    api: Client, project: dict[str, Any]
) -> None:
    r = api.post(
        "/api/v2/cases",
        json={
            "data": {
                "type": "case",
                "attributes": {"title": "x", "type_id": "a" * 10_000},
                "relationships": {"project": {"data": {"id": project["id"], "type": "project"}}},
            }
        },
    )
    assert r.status_code == 400
    error = r.json()["errors"][0]
    assert error["source"] == {"pointer": "/data/attributes/type_id"}
    assert error["detail"] == "Expected `str` of length <= 45"  # the input is not echoed


def test_a_query_parameter_longer_than_the_limit_is_refused(api: Client) -> None:
    for name in ("page[cursor]", "unknown"):
        r = api.get("/api/v2/cases", params={name: "x" * (QUERY_PARAM_MAX + 1)})
        assert r.status_code == 400
        assert r.json()["errors"][0] == {
            "status": "400",
            "title": "Bad Request",
            "detail": f"{name} is longer than {QUERY_PARAM_MAX} characters",
            "source": {"parameter": name},
        }


def test_unknown_query_parameters_are_ignored(api: Client, project: dict[str, Any]) -> None:
    """As by Datadog: a parameter no operation knows changes nothing (the fuzzer relies on it)."""
    r = api.get(f"/api/v2/cases/projects/{project['id']}", params={"utm_source": "mail"})
    assert r.status_code == 200
    assert r.json()["data"]["id"] == project["id"]


def test_an_empty_parameter_is_as_if_left_out(api: Client, project: dict[str, Any]) -> None:
    """`name=` (an emptied form field) is absence, for every parameter (found by the fuzzer:
    `sort[field]=` and `relationship=` were taken as absent, `page[size]=` was a 400)."""
    api.new_case(project["id"])
    key = project["attributes"]["key"]
    blank = {"filter": f"project:{key}", "sort[field]": "", "page[size]": "", "page[cursor]": ""}
    r = api.get("/api/v2/cases", params=blank)
    assert r.status_code == 200, r.text
    assert r.json() == api.get("/api/v2/cases", params={"filter": f"project:{key}"}).json()
    case_id = r.json()["data"][0]["id"]
    link_params = {"entity_type": "CASE", "entity_id": case_id}
    r = api.get("/api/v2/cases/link", params={**link_params, "relationship": ""})
    assert r.status_code == 200, r.text
    assert r.json() == api.get("/api/v2/cases/link", params=link_params).json()
    # A required parameter given empty is missing.
    r = api.get("/api/v2/cases/link", params={**link_params, "entity_id": ""})
    assert r.status_code == 400
    assert r.json()["errors"][0]["detail"] == "missing required query parameter entity_id"


def test_optional_parameters_are_documented_as_allowing_empty(server: Server) -> None:
    doc = requests.get(server.base_url + "/api/v2/openapi.json", timeout=30).json()
    for route in API_ROUTES:
        for p in doc["paths"][route.path][route.method.lower()]["parameters"]:
            if p["in"] == "query":
                assert p.get("allowEmptyValue", False) is not p["required"], (route.path, p)


def _unbounded(doc: dict[str, Any], node: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """Where a request schema lets a string, array or object grow without a stated bound."""
    schemas = doc["components"]["schemas"]
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        return _unbounded(doc, schemas[name], name, seen)
    found: list[str] = []
    for sub in node.get("anyOf", []):
        found += _unbounded(doc, sub, where, seen)
    kind = node.get("type")
    if kind == "string" and not {"maxLength", "enum", "const"} & set(node):
        found.append(where)
    elif kind == "array":
        if "maxItems" not in node:
            found.append(where)
        found += _unbounded(doc, node["items"], where + "[]", seen)
    elif kind == "object":
        for name, sub in node.get("properties", {}).items():
            found += _unbounded(doc, sub, f"{where}.{name}", seen)
        if "properties" not in node and "maxProperties" not in node:
            found.append(where)
    return found


def test_every_request_string_array_and_object_states_its_bound(server: Server) -> None:
    """The document states each bound (and the fuzzer then checks that each is enforced)."""
    doc = requests.get(server.base_url + "/api/v2/openapi.json", timeout=30).json()
    unbounded: list[str] = []
    for route in API_ROUTES:
        op = doc["paths"][route.path][route.method.lower()]
        for p in op["parameters"]:
            schema = p["schema"]
            if schema.get("type") == "string" and not {"maxLength", "enum", "format"} & set(schema):
                unbounded.append(f"{route.operation_id} {p['name']}")
        if route.body is not None:
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            unbounded += _unbounded(doc, schema, route.operation_id, set())
    # Path parameters reach no storage unparsed: each is a UUID or a key the route parses.
    assert [u for u in unbounded if not u.endswith(("case_id", "custom_attribute_key"))] == []


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


# Quotes and backslashes come out escaped (\" and \\), brackets inside strings verbatim.
_TRICKY = st.sampled_from(['"', "\\", "[", "]", "{", "}", "a"])
JSON = st.recursive(
    st.none() | st.integers() | st.text(_TRICKY, max_size=6),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(_TRICKY, max_size=4), children, max_size=3)
    ),
    max_leaves=60,
)


@settings(max_examples=300, deadline=None)
@given(value=JSON, limit=st.integers(min_value=1, max_value=8))
def test_too_deep_agrees_with_the_real_depth(value: Any, limit: int) -> None:
    raw = json.dumps(value).encode()
    assert too_deep(raw, limit) is (_depth(value) > limit)


def test_too_deep_on_pathological_bodies() -> None:
    assert too_deep(b"[" * 10_000)
    assert too_deep(b"[" * (JSON_DEPTH_MAX + 1) + b"]" * (JSON_DEPTH_MAX + 1))
    assert not too_deep(b"[" * JSON_DEPTH_MAX + b"]" * JSON_DEPTH_MAX)
    assert not too_deep(b"[]" * 100_000)
    assert not too_deep(json.dumps(["]" * 100, "[" * 100]).encode())

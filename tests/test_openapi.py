"""GET /api/v2/openapi.json: a complete, self-consistent OpenAPI 3.1 document of the routes."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from conftest import Client, Server, reference_contract

import opencase
from opencase.app import API_ROUTES

METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}
META_PATHS = {
    "/healthz": "Health",
    "/readyz": "Ready",
    "/metrics": "Metrics",
    "/api/v2/openapi.json": "OpenAPI",
}


@pytest.fixture(scope="module")
def doc(server: Server) -> dict[str, Any]:
    r = requests.get(server.base_url + "/api/v2/openapi.json", timeout=30)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/")
    body: dict[str, Any] = r.json()
    return body


def _operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): op
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def _schema(doc: dict[str, Any], ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    """The component a {"$ref": ...} names (or the schema itself)."""
    ref = ref_or_schema.get("$ref")
    if ref is None:
        return ref_or_schema
    prefix = "#/components/schemas/"
    assert ref.startswith(prefix), ref
    schema: dict[str, Any] = doc["components"]["schemas"][ref[len(prefix) :]]
    return schema


def _property(doc: dict[str, Any], schema: dict[str, Any], name: str) -> dict[str, Any]:
    """The schema of one property, through $ref and nullable anyOf wrappers."""
    prop = _schema(doc, schema["properties"][name])
    if "anyOf" in prop:
        (inner,) = [s for s in prop["anyOf"] if s.get("type") != "null"]
        prop = _schema(doc, inner)
    if prop.get("type") == "array":
        prop = _schema(doc, prop["items"])
    return prop


def test_document_header(doc: dict[str, Any]) -> None:
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["title"] == "opencase"
    assert doc["info"]["version"] == opencase.__version__
    assert isinstance(doc["paths"], dict)
    assert doc["paths"]
    assert isinstance(doc["components"]["schemas"], dict)
    assert doc["components"]["schemas"]
    assert doc["components"]["securitySchemes"] == {
        "apiKeyAuth": {"type": "apiKey", "in": "header", "name": "DD-API-KEY"},
        "appKeyAuth": {"type": "apiKey", "in": "header", "name": "DD-APPLICATION-KEY"},
    }


def test_every_route_is_documented(doc: dict[str, Any]) -> None:
    ops = _operations(doc)
    for route in API_ROUTES:
        op = ops.get((route.method, route.path))
        assert op is not None, f"{route.method} {route.path} is missing"
        assert op["operationId"] == route.operation_id
        assert op["summary"] == route.summary
        assert op["tags"] == [route.tag]
        assert str(route.status) in op["responses"]
        assert op["security"] == [{"apiKeyAuth": [], "appKeyAuth": []}]
        assert op["x-required-scope"] == route.scope


def test_every_documented_api_operation_is_a_route(doc: dict[str, Any]) -> None:
    routes = {(r.method, r.path): r.operation_id for r in API_ROUTES}
    documented = {
        key: op["operationId"]
        for key, op in _operations(doc).items()
        if key[1].startswith("/api/v2/") and key[1] not in META_PATHS
    }
    assert documented == routes
    for path, operation_id in META_PATHS.items():
        op = doc["paths"][path]["get"]
        assert op["operationId"] == operation_id
        assert op["security"] == []


def test_operation_ids_are_unique(doc: dict[str, Any]) -> None:
    ids = [op["operationId"] for op in _operations(doc).values()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[A-Z][A-Za-z]+", i) for i in ids), ids


def test_path_parameters_match_the_path(doc: dict[str, Any]) -> None:
    for (method, path), op in _operations(doc).items():
        declared = [p["name"] for p in op["parameters"] if p["in"] == "path"]
        assert declared == re.findall(r"\{(\w+)\}", path), (method, path)
        for p in op["parameters"]:
            assert p["in"] in {"path", "query"}
            # Path parameters are required; of the query parameters, only ListCaseLinks' two
            # and ListCaseViews' project_id.
            required_query = {
                "/api/v2/cases/link": {"entity_type", "entity_id"},
                "/api/v2/cases/views": {"project_id"},
            }.get(path, set())
            assert p["required"] is (p["in"] == "path" or p["name"] in required_query)
            assert isinstance(p["schema"], dict)
            if p["name"] == "project_id":
                assert p["schema"] == {"type": "string", "format": "uuid"}


def test_every_ref_resolves(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert refs
    prefix = "#/components/schemas/"
    for ref in refs:
        assert ref.startswith(prefix), ref
        assert ref[len(prefix) :] in schemas, ref
    # Every component is used somewhere.
    assert {r[len(prefix) :] for r in refs} == set(schemas)


def test_schemas_are_well_formed(doc: dict[str, Any]) -> None:
    for name, schema in doc["components"]["schemas"].items():
        if schema.get("type") == "object":
            assert set(schema.get("required", [])) <= set(schema["properties"]), name


def test_request_bodies(doc: dict[str, Any]) -> None:
    ops = _operations(doc)
    for route in API_ROUTES:
        op = ops[route.method, route.path]
        if route.body is None:
            assert "requestBody" not in op, route.operation_id
            continue
        body = op["requestBody"]
        assert body["required"] is True
        schema = _schema(doc, body["content"]["application/json"]["schema"])
        assert schema["type"] == "object"
        assert schema["required"] == ["data"]
        data = _property(doc, schema, "data")
        # The resource type the route checks is the only one the schema allows.
        type_schema = _schema(doc, data["properties"]["type"])
        assert type_schema["enum"] == [route.resource_type], route.operation_id
        assert "413" in op["responses"]
        assert "400" in op["responses"]


def test_responses(doc: dict[str, Any]) -> None:
    ops = _operations(doc)
    for route in API_ROUTES:
        op = ops[route.method, route.path]
        ok = op["responses"][str(route.status)]
        if route.response is None:
            assert "content" not in ok, route.operation_id
        else:
            schema = ok["content"]["application/vnd.api+json"]["schema"]
            assert _schema(doc, schema)["type"] == "object"
        for status in ("400", "401", "403"):
            error = op["responses"][status]["content"]["application/vnd.api+json"]["schema"]
            assert error == {"$ref": "#/components/schemas/ErrorResponse"}


def _keys_match(schema: dict[str, Any], returned: dict[str, Any], what: str) -> None:
    """Every returned member is documented, and every required one was returned."""
    assert set(returned) <= set(schema["properties"]), (
        what,
        set(returned) - set(schema["properties"]),
    )
    assert set(schema.get("required", [])) <= set(returned), what


def test_case_response_schema_matches_a_real_case(
    doc: dict[str, Any], api: Client, project: dict[str, Any]
) -> None:
    case = api.new_case(project["id"], "Documented", description="d", priority="P2")
    insight = {"type": "MONITOR", "ref": "/monitors/1", "resource_id": "1"}
    r = api.put(
        f"/api/v2/cases/{case['id']}/insights",
        json={"data": {"type": "case", "attributes": {"insights": [insight]}}},
    )
    assert r.status_code == 200
    r = api.post(f"/api/v2/cases/{case['id']}/archive", json={"data": {"type": "case"}})
    assert r.status_code == 200
    real = r.json()
    attrs = real["data"]["attributes"]
    assert {"modified_at", "archived_at", "insights"} <= set(attrs)

    response = doc["components"]["schemas"]["CaseResponse"]
    get_op = doc["paths"]["/api/v2/cases/{case_id}"]["get"]
    assert get_op["responses"]["200"]["content"]["application/vnd.api+json"]["schema"] == {
        "$ref": "#/components/schemas/CaseResponse"
    }
    _keys_match(response, real, "CaseResponse")
    resource = _property(doc, response, "data")
    _keys_match(resource, real["data"], "CaseResource")
    attributes = _property(doc, resource, "attributes")
    _keys_match(attributes, attrs, "CaseAttributes")
    _keys_match(_property(doc, attributes, "insights"), attrs["insights"][0], "InsightOut")
    relationships = _property(doc, resource, "relationships")
    _keys_match(relationships, real["data"]["relationships"], "CaseRelationships")
    user = _property(doc, response, "included")
    assert real["included"]
    for included in real["included"]:
        _keys_match(user, included, "UserResource")
        _keys_match(_property(doc, user, "attributes"), included["attributes"], "UserAttributes")


def test_project_and_search_schemas_match_real_responses(
    doc: dict[str, Any], api: Client, project: dict[str, Any]
) -> None:
    api.new_case(project["id"])
    schemas = doc["components"]["schemas"]
    renamed = api.patch(
        f"/api/v2/cases/projects/{project['id']}",
        json={"data": {"type": "project", "attributes": {"name": "Schema"}}},
    ).json()
    _keys_match(schemas["ProjectResponse"], renamed, "ProjectResponse")
    resource = _property(doc, schemas["ProjectResponse"], "data")
    _keys_match(resource, renamed["data"], "ProjectResource")
    attributes = _property(doc, resource, "attributes")
    _keys_match(attributes, renamed["data"]["attributes"], "ProjectAttributes")
    assert "modified_at" in renamed["data"]["attributes"]

    found = api.get(
        "/api/v2/cases", params={"filter": f"project:{project['attributes']['key']}"}
    ).json()
    search = doc["paths"]["/api/v2/cases"]["get"]["responses"]["200"]
    cases = _schema(doc, search["content"]["application/vnd.api+json"]["schema"])
    _keys_match(cases, found, "SearchResponse")
    meta = _property(doc, cases, "meta")
    _keys_match(meta, found["meta"], "SearchMeta")
    _keys_match(_property(doc, meta, "page"), found["meta"]["page"], "SearchPageMeta")


def test_error_schema_matches_a_real_error(doc: dict[str, Any], api: Client) -> None:
    schemas = doc["components"]["schemas"]
    real = api.post("/api/v2/cases", json={"data": {"type": "case"}}).json()
    _keys_match(schemas["ErrorResponse"], real, "ErrorResponse")
    error = _property(doc, schemas["ErrorResponse"], "errors")
    _keys_match(error, real["errors"][0], "ErrorObject")
    _keys_match(_property(doc, error, "source"), real["errors"][0]["source"], "ErrorSource")


# opencase's own operations beside the contract's: reading back the notebook that
# CreateCaseNotebook assembles (Datadog keeps notebooks in its Notebooks product).
OPENCASE_OPERATIONS = {("GET", "/api/v2/cases/{case_id}/relationships/notebook"): "GetCaseNotebook"}


def test_operations_exist_in_datadogs_contract(doc: dict[str, Any]) -> None:
    """Each API operation has the method, path and operationId Datadog's spec gives it, but
    for opencase's own few (OPENCASE_OPERATIONS); all 75 of the contract are served."""
    reference = reference_contract()
    theirs = {
        (method.upper(), path): op["operationId"]
        for path, item in reference["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }
    ours = {
        key: op["operationId"]
        for key, op in _operations(doc).items()
        if key[1] not in META_PATHS and key not in OPENCASE_OPERATIONS
    }
    assert {k: theirs.get(k) for k in ours} == ours
    assert set(ours) == set(theirs) and len(ours) == 75

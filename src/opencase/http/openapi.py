"""The OpenAPI 3.1 document of what this server serves, built from the route table."""

from __future__ import annotations

import re
from typing import Any

import msgspec

import opencase
from opencase.http.errors import TITLES
from opencase.http.routing import Route


class ErrorSource(msgspec.Struct, frozen=True, omit_defaults=True):
    pointer: str | None = None
    parameter: str | None = None
    header: str | None = None


class ErrorObject(msgspec.Struct, frozen=True, omit_defaults=True):
    status: str
    title: str
    detail: str | None = None
    code: str | None = None
    source: ErrorSource | None = None
    meta: dict[str, str] | None = None


class ErrorResponse(msgspec.Struct, frozen=True):
    errors: list[ErrorObject]


_PATH_PARAM = re.compile(r"\{(\w+)\}")
_UUID = {"type": "string", "format": "uuid"}
_PATH_PARAM_DOC = {
    "case_id": ("The case's UUID or key (such as SEC-12, case-insensitive).", {"type": "string"}),
    "project_id": ("The project's UUID.", _UUID),
    "cell_id": ("The UUID of a timeline cell (a comment).", _UUID),
    "user_uuid": ("The UUID of a user of the organisation.", _UUID),
    "link_id": ("The UUID of a case link.", _UUID),
    "view_id": ("The UUID of a case view.", _UUID),
    "rule_id": ("The UUID of an automation rule.", _UUID),
    "notification_rule_id": ("The UUID of a notification rule.", _UUID),
    "maintenance_window_id": ("The UUID of a maintenance window.", _UUID),
    "case_type_id": ("The UUID of a case type.", _UUID),
    "custom_attribute_id": ("The UUID of a custom attribute config.", _UUID),
    "custom_attribute_key": (
        "The key of a custom attribute config (such as aws_region).",
        {"type": "string"},
    ),
}
_JSONAPI = "application/vnd.api+json"


def _error_statuses(route: Route) -> list[int]:
    statuses = [400]
    if route.auth:
        statuses += [401, 403]
    if "{" in route.path or route.body is not None:
        statuses.append(404)
    if route.body is not None:
        statuses.append(413)
    return sorted(set(statuses) | set(route.errors))


def build_document(routes: list[Route]) -> dict[str, Any]:
    types: list[Any] = [ErrorResponse]
    for r in routes:
        types += [t for t in (r.body, r.response) if t is not None]
    schemas, components = msgspec.json.schema_components(
        types, ref_template="#/components/schemas/{name}"
    )
    schema_of = dict(zip(map(id, types), schemas, strict=True))
    error_ref = schema_of[id(ErrorResponse)]
    paths: dict[str, dict[str, Any]] = {}
    for r in routes:
        params: list[dict[str, Any]] = []
        for name in _PATH_PARAM.findall(r.path):
            description, schema = _PATH_PARAM_DOC.get(name, (name, {"type": "string"}))
            params.append(
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "description": description,
                    "schema": schema,
                }
            )
        for p in r.query:
            param = {
                "name": p.name,
                "in": "query",
                "required": p.required,
                "description": p.description,
                "schema": p.schema,
            }
            if not p.required:  # `name=` is as if left out (routing._given)
                param["allowEmptyValue"] = True
            params.append(param)
        responses: dict[str, Any] = {}
        ok: dict[str, Any] = {"description": r.summary}
        if r.response is not None:
            ok["content"] = {_JSONAPI: {"schema": schema_of[id(r.response)]}}
        responses[str(r.status)] = ok
        for status in _error_statuses(r):
            responses[str(status)] = {
                "description": TITLES[status],
                "content": {_JSONAPI: {"schema": error_ref}},
            }
        op: dict[str, Any] = {
            "operationId": r.operation_id,
            "summary": r.summary,
            "tags": [r.tag],
            "parameters": params,
            "responses": responses,
        }
        if r.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schema_of[id(r.body)]}},
            }
        if r.auth:
            op["security"] = [{"apiKeyAuth": [], "appKeyAuth": []}]
            op["x-required-scope"] = r.scope
        else:
            op["security"] = []
        paths.setdefault(r.path, {})[r.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "opencase",
            "version": opencase.__version__,
            "description": "Case management with Datadog's Case Management API v2 wire format.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "apiKeyAuth": {"type": "apiKey", "in": "header", "name": "DD-API-KEY"},
                "appKeyAuth": {"type": "apiKey", "in": "header", "name": "DD-APPLICATION-KEY"},
            },
        },
    }

"""Fuzzing against Datadog's contract: where opencase's answers differ from its spec, and why.

Requests are generated from `../shared/reference/datadog-case-management-openapi.yaml` (not
from opencase's own document) for every operation opencase serves, and each response is held
to that spec: status code, content type, body schema. Every difference found is either fixed
or one of the deliberate decisions below, each pinned by the test named with it; anything
else fails this test, and the report lists, per operation, which decisions it exercised.
OPENCASE_FUZZ_EXAMPLES sets the examples per operation, as for tests/test_fuzz.py.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import schemathesis
from conftest import Keys, Server, reference_contract, reference_contract_path
from fuzzing import World, name_real_resources
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi.checks import JsonSchemaError, UndefinedContentType, UndefinedStatusCode

from opencase.app import API_ROUTES

EXAMPLES = int(os.environ.get("OPENCASE_FUZZ_EXAMPLES", "10"))

# Status codes opencase answers where Datadog's spec lists none for the operation.
DELIBERATE_STATUSES = {
    400: "bad input is a JSON:API 400 on every operation, as the recorded service answers, "
    "though the spec omits it on some (test_comments.py::test_cell_id_must_be_a_uuid, "
    "test_limits.py)",
    404: "an unknown or other organisation's resource is a plain 404 on every operation "
    "(test_auth.py::test_unknown_ids_are_the_same_404)",
    409: "a second project with a taken key, or a type still in use, conflicts "
    "(test_projects.py, test_case_types.py)",
    413: "a body over OPENCASE_MAX_BODY_BYTES (test_wire.py)",
}
# The spec says application/json; the recorded service answers application/vnd.api+json
# (ENDPOINTS.md), and so does opencase (test_auth.py checks the header on errors,
# test_wire.py on success).
DELIBERATE_CONTENT_TYPE = "application/vnd.api+json"
# Body differences, by where in the body and which keyword of the spec's schema they break.
DELIBERATE_SCHEMA = {
    "schema errors/* (type)": 'the spec\'s APIErrorResponse is {"errors": ["Bad Request"]};'
    " the recorded service answers JSON:API error objects (ENDPOINTS.md), as opencase does"
    " everywhere (test_errors_are_objects_where_the_spec_says_strings below)",
    "schema data/*/attributes/type (enum)": "the spec's timeline holds COMMENT cells only;"
    " opencase's shows every event of the case's record, typed by action, such as"
    " CASE_CREATED (README, test_timeline.py::test_new_case_shows_its_creation)",
}


def _kind(failure: Any) -> str:
    if isinstance(failure, UndefinedStatusCode):
        return f"status {failure.status_code}"
    if isinstance(failure, UndefinedContentType):
        return f"content-type {failure.content_type}"
    if isinstance(failure, JsonSchemaError):
        where = "/".join("*" if isinstance(p, int) else str(p) for p in failure.instance_path)
        return f"schema {where} ({failure.schema_path[-1]})"
    return f"{type(failure).__name__}: {failure.title}"


def _declared(kind: str) -> bool:
    if kind.startswith("status "):
        return int(kind.split()[1]) in DELIBERATE_STATUSES
    return kind == f"content-type {DELIBERATE_CONTENT_TYPE}" or kind in DELIBERATE_SCHEMA


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _differences(operation: Any, world: World, counts: Counter[str]) -> set[str]:
    """How one operation's answers to requests generated from the spec differ from it."""
    kinds: set[str] = set()

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: schemathesis.Case) -> None:
        counts["cases"] += 1
        name_real_resources(case, world)
        response = case.call()
        counts["2xx"] += response.status_code < 300
        # Judge the body by the schema the spec gives application/json: the content type
        # alone would otherwise hide every shape difference.
        if response.headers.get("content-type") == [DELIBERATE_CONTENT_TYPE]:
            kinds.add(f"content-type {DELIBERATE_CONTENT_TYPE}")
            response.headers["content-type"] = ["application/json"]
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            kinds.update(_kind(failure) for failure in group.exceptions)

    run()
    return kinds


def test_every_served_operation_against_datadogs_contract(
    server: Server, fuzz_keys: Keys, fuzz_world: World
) -> None:
    schema = schemathesis.openapi.from_path(reference_contract_path())
    auth = {"DD-API-KEY": fuzz_keys.api_key, "DD-APPLICATION-KEY": fuzz_keys.app_key}
    schema.config.update(base_url=server.base_url, headers=auth, request_timeout=30)
    schema.config.generation.update(with_security_parameters=False)
    served = {(r.method, r.path) for r in API_ROUTES}
    found: dict[str, set[str]] = {}
    unserved: list[str] = []
    counts = Counter[str]()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in served:
            found[operation.label] = _differences(operation, fuzz_world, counts)
        else:
            unserved.append(operation.label)

    report = [
        f"{len(served)} operations served; {counts['cases']} requests generated from Datadog's"
        f" contract, {counts['2xx']} answered 2xx; differences per operation:"
    ]
    report += [
        f"  {op}: {', '.join(sorted(kinds))}" for op, kinds in sorted(found.items()) if kinds
    ]
    report.append(f"not served yet ({len(unserved)}): {', '.join(sorted(unserved))}")
    print("\n".join(report))
    undeclared = {
        label: sorted(k for k in kinds if not _declared(k))
        for label, kinds in found.items()
        if any(not _declared(k) for k in kinds)
    }
    assert undeclared == {}, "\n".join(report)


def test_errors_are_objects_where_the_spec_says_strings(api: Any) -> None:
    """Spec and recorded behaviour differ; opencase follows the recorded service."""
    spec = reference_contract()["components"]["schemas"]["APIErrorResponse"]
    assert spec["properties"]["errors"]["items"]["type"] == "string"
    r = api.get("/api/v2/cases/00000000-0000-4000-8000-000000000000")
    assert r.status_code == 404
    (error,) = r.json()["errors"]
    assert isinstance(error, dict)
    assert error["status"] == "404"


def test_content_type_is_jsonapi_where_the_spec_says_json(api: Any) -> None:
    """Spec and recorded behaviour differ; opencase follows the recorded service."""
    op = reference_contract()["paths"]["/api/v2/cases/projects"]["get"]
    assert set(op["responses"]["200"]["content"]) == {"application/json"}
    r = api.get("/api/v2/cases/projects")
    assert r.status_code == 200
    assert r.headers["content-type"] == DELIBERATE_CONTENT_TYPE

"""Property-based fuzzing of every operation, from the OpenAPI document the server serves.

schemathesis generates valid and invalid requests for each operation (its examples, coverage
and fuzzing phases) and checks every response: no 5xx, a documented status code and content
type, a body matching the documented schema, and schema-invalid requests rejected with 4xx.

Requests carry a real key pair of an organisation of their own (`fuzzco`), so what the fuzzer
creates or deletes is invisible to the other tests. Most requests name resources that exist:
the path parameters of positive cases are swapped, three times in four, for the ids of a
project, case, comment, view, link, case type and custom attribute made for the run (else
almost everything would answer 404 and the handlers behind would go unexercised).

Bounded and deterministic for CI (Hypothesis derandomised: the same requests on every run):
OPENCASE_FUZZ_EXAMPLES (default 10) examples per operation and phase. A longer run:

    OPENCASE_FUZZ_EXAMPLES=500 pytest tests/test_fuzz.py

Not checked: `positive_data_acceptance`, as many rules cannot be said in a schema (a project
key not yet taken, a query that parses, a case type that is not built in), so a valid-looking
request may rightly be refused with 400, 404 or 409. Nor `ignored_auth`, which takes the
configured key pair for a generated one; every route authenticates in the one responder, and
tests/test_auth.py proves that from the outside.
"""

from __future__ import annotations

import os
import zlib
from typing import Any

import pytest
import schemathesis
from conftest import Client, Keys, Server, random_key
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import ignored_auth, positive_data_acceptance
from schemathesis.core.parameters import ParameterLocation

EXAMPLES = int(os.environ.get("OPENCASE_FUZZ_EXAMPLES", "10"))


def seed_world(api: Client, user_id: str) -> dict[str, str]:
    """Resources for path parameters to name: one of each kind, all of one organisation."""
    project = api.new_project(random_key())
    case = api.new_case(project["id"], "Fuzzed", description="seed", priority="P2")
    ok = {200, 201}

    def post(path: str, body: dict[str, Any]) -> Any:
        r = api.post(path, json=body)
        assert r.status_code in ok, r.text
        return r.json()["data"]

    insight = {"type": "MONITOR", "ref": "/monitors/1", "resource_id": "1"}
    r = api.put(
        f"/api/v2/cases/{case['id']}/insights",
        json={"data": {"type": "case", "attributes": {"insights": [insight]}}},
    )
    assert r.status_code == 200, r.text
    (comment,) = post(  # the timeline cell the comment became
        f"/api/v2/cases/{case['id']}/comment",
        {"data": {"type": "case", "attributes": {"comment": "seed"}}},
    )
    case_type = post(
        "/api/v2/cases/types",
        {"data": {"type": "case_type", "attributes": {"name": "Fuzz type " + random_key()}}},
    )
    attribute = post(
        f"/api/v2/cases/types/{case_type['id']}/custom_attributes",
        {
            "data": {
                "type": "custom_attribute",
                "attributes": {
                    "key": "fuzz_region",
                    "display_name": "Region",
                    "type": "TEXT",
                    "is_multi": False,
                },
            }
        },
    )
    view = post(
        "/api/v2/cases/views",
        {
            "data": {
                "type": "view",
                "attributes": {"name": "Fuzz", "query": "status:open", "project_id": project["id"]},
            }
        },
    )
    other = api.new_case(project["id"], "Linked")
    link = post(
        "/api/v2/cases/link",
        {
            "data": {
                "type": "link",
                "attributes": {
                    "parent_entity_type": "CASE",
                    "parent_entity_id": case["id"],
                    "child_entity_type": "CASE",
                    "child_entity_id": other["id"],
                    "relationship": "BLOCKS",
                },
            }
        },
    )
    return {
        "case_id": case["id"],
        "project_id": project["id"],
        "cell_id": comment["id"],
        "user_uuid": user_id,
        "link_id": link["id"],
        "view_id": view["id"],
        "case_type_id": case_type["id"],
        "custom_attribute_id": attribute["id"],
        "custom_attribute_key": "fuzz_region",
    }


@pytest.fixture(scope="session")
def fuzz_keys(server: Server) -> Keys:
    return server.create_keys("fuzzco", "fuzzer@fuzzco.test")


@pytest.fixture
def served_schema(server: Server, fuzz_keys: Keys) -> Any:
    """opencase's own document, as served, with the key pair every request carries."""
    schema = schemathesis.openapi.from_url(server.base_url + "/api/v2/openapi.json")
    auth = {"DD-API-KEY": fuzz_keys.api_key, "DD-APPLICATION-KEY": fuzz_keys.app_key}
    schema.config.update(headers=auth, request_timeout=30)
    # Unknown query parameters are ignored, as by Datadog (pinned in test_limits.py), so
    # requests adding some are not invalid ones.
    schema.config.generation.update(
        max_examples=EXAMPLES,
        deterministic=True,
        database="none",
        allow_extra_parameters=False,
        with_security_parameters=False,
    )
    return schema


@pytest.fixture(scope="session")
def fuzz_world(server: Server, fuzz_keys: Keys) -> dict[str, str]:
    return seed_world(server.client(fuzz_keys), fuzz_keys.user_id)


def name_real_resources(case: schemathesis.Case, world: dict[str, str]) -> None:
    """Point a positive case's path parameters at seeded resources, three times in four."""
    if not case.path_parameters or case.meta is None:
        return
    if case.meta.generation.mode is not GenerationMode.POSITIVE:
        return
    if case.meta.is_negative_at(ParameterLocation.PATH):
        return
    if zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode()) % 4 == 0:
        return
    for name in case.path_parameters:
        if name in world:
            case.path_parameters[name] = world[name]


schema = schemathesis.pytest.from_fixture("served_schema")


@schema.parametrize()
@settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation(case: schemathesis.Case, fuzz_world: dict[str, str]) -> None:
    name_real_resources(case, fuzz_world)
    case.call_and_validate(excluded_checks=[positive_data_acceptance, ignored_auth])

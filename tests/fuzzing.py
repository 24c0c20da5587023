"""What both fuzzing suites share: an organisation's worth of resources for path parameters.

The fuzzers' requests carry a key pair of an organisation of their own (`fuzzco`), so what
they create or delete is invisible to the other tests. Positive cases have their path
parameters swapped, three times in four, for the ids of a project, case, comment, view,
link, case type and custom attribute made for the operation under test; else nearly every
request would answer 404 and the handlers behind would go unexercised.
"""

from __future__ import annotations

import uuid
import zlib
from typing import Any

import pytest
import schemathesis
from conftest import Client, Keys, Server
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation


def _unique() -> str:
    # Not `random`: Hypothesis seeds it afresh for each example, so its keys would repeat.
    return "F" + uuid.uuid4().hex[:9].upper()


def seed_world(api: Client, user_id: str) -> dict[str, str]:
    """Resources for path parameters to name: one of each kind, all of one organisation."""
    project = api.new_project(_unique())
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
        {"data": {"type": "case_type", "attributes": {"name": "Fuzz type " + _unique()}}},
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
    rule = post(
        f"/api/v2/cases/projects/{project['id']}/rules",
        {
            "data": {
                "type": "rule",
                "attributes": {
                    "name": "Fuzz rule",
                    "trigger": {"type": "CASE_CREATED"},
                    "action": {"type": "EXECUTE_WORKFLOW", "data": {"handle": "fuzz"}},
                },
            }
        },
    )
    notification_rule = post(
        f"/api/v2/cases/projects/{project['id']}/notification_rules",
        {
            "data": {
                "type": "notification_rule",
                "attributes": {
                    "recipients": [{"type": "EMAIL", "data": {"email": "fuzz@fuzzco.test"}}],
                    "triggers": [{"type": "CASE_CREATED"}],
                },
            }
        },
    )
    window = post(
        "/api/v2/maintenance_windows",
        {
            "data": {
                "type": "maintenance_window",
                "attributes": {
                    "name": "Fuzz window",
                    "query": "status:open",
                    "start_at": "2026-01-01T00:00:00Z",
                    "end_at": "2026-01-01T01:00:00Z",
                },
            }
        },
    )
    return {
        "rule_id": rule["id"],
        "notification_rule_id": notification_rule["id"],
        "maintenance_window_id": window["id"],
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


class World:
    """Seeded resources, made afresh for each operation, so that what one operation deletes
    (a project and its cases, a case type) is there again for the next."""

    def __init__(self, api: Client, user_id: str) -> None:
        self.api = api
        self.user_id = user_id
        self.operation: str | None = None
        self.ids: dict[str, str] = {}

    def for_operation(self, operation: str) -> dict[str, str]:
        if operation != self.operation:
            self.ids = seed_world(self.api, self.user_id)
            self.operation = operation
        return self.ids


@pytest.fixture(scope="session")
def fuzz_world(server: Server, fuzz_keys: Keys) -> World:
    return World(server.client(fuzz_keys), fuzz_keys.user_id)


def name_real_resources(case: schemathesis.Case, world: World) -> None:
    """Point a positive case's path parameters at seeded resources, three times in four."""
    if not case.path_parameters or case.meta is None:
        return
    if case.meta.generation.mode is not GenerationMode.POSITIVE:
        return
    if case.meta.is_negative_at(ParameterLocation.PATH):
        return
    if zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode()) % 4 == 0:
        return
    ids = world.for_operation(case.operation.label)
    for name in case.path_parameters:
        if name in ids:
            case.path_parameters[name] = ids[name]

"""Automation rules: ListCaseAutomationRules, CreateCaseAutomationRule, GetCaseAutomationRule,
UpdateCaseAutomationRule, DeleteCaseAutomationRule, EnableCaseAutomationRule and
DisableCaseAutomationRule, over HTTP and through Datadog's official client."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from case_db import fetch
from conftest import Client, Keys, Server, reference_contract
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException, ForbiddenException, NotFoundException
from datadog_api_client.v2.api.case_management_api import CaseManagementApi
from datadog_api_client.v2.model.automation_rule_action import AutomationRuleAction
from datadog_api_client.v2.model.automation_rule_action_data import AutomationRuleActionData
from datadog_api_client.v2.model.automation_rule_action_type import AutomationRuleActionType
from datadog_api_client.v2.model.automation_rule_create import AutomationRuleCreate
from datadog_api_client.v2.model.automation_rule_create_attributes import (
    AutomationRuleCreateAttributes,
)
from datadog_api_client.v2.model.automation_rule_create_request import (
    AutomationRuleCreateRequest,
)
from datadog_api_client.v2.model.automation_rule_trigger import AutomationRuleTrigger
from datadog_api_client.v2.model.automation_rule_trigger_data import AutomationRuleTriggerData
from datadog_api_client.v2.model.automation_rule_trigger_type import AutomationRuleTriggerType
from datadog_api_client.v2.model.automation_rule_update import AutomationRuleUpdate
from datadog_api_client.v2.model.automation_rule_update_request import (
    AutomationRuleUpdateRequest,
)
from datadog_api_client.v2.model.case_automation_rule_resource_type import (
    CaseAutomationRuleResourceType,
)
from datadog_api_client.v2.model.case_automation_rule_state import CaseAutomationRuleState

from opencase.automation import service
from opencase.automation.models import TRIGGER_TYPES, Action, AutomationRule, Trigger
from opencase.automation.views import ROUTES
from opencase.core.config import load_settings
from opencase.core.db import connect

RULE_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "rule not found"}]
}
PROJECT_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "project not found"}]
}
WORKFLOW = {"type": "EXECUTE_WORKFLOW", "data": {"handle": "workflow-handle-123"}}
AGENT: dict[str, Any] = {
    "type": "ASSIGN_AGENT",
    "data": {"agent_type": "triage", "assigned_agent_id": "agent-7"},
}
CREATED = {"type": "CASE_CREATED"}
A = "/data/attributes"


def rules_url(project_id: str) -> str:
    return f"/api/v2/cases/projects/{project_id}/rules"


def rule_url(project_id: str, rule_id: str, verb: str = "") -> str:
    return f"{rules_url(project_id)}/{rule_id}" + (f"/{verb}" if verb else "")


def body(
    name: str = "Auto-assign workflow",
    trigger: Any = CREATED,
    action: Any = WORKFLOW,
    **extra: Any,
) -> dict[str, Any]:
    attributes = {"name": name, "trigger": trigger, "action": action, **extra}
    return {"data": {"type": "rule", "attributes": attributes}}


def update(**attributes: Any) -> dict[str, Any]:
    return {"data": {"type": "rule", "attributes": attributes}}


def create(api: Client, project_id: str, **kw: Any) -> dict[str, Any]:
    r = api.post(rules_url(project_id), json=body(**kw))
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def rules_of(api: Client, project_id: str) -> list[dict[str, Any]]:
    r = api.get(rules_url(project_id))
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def get(api: Client, project_id: str, rule_id: str) -> dict[str, Any]:
    r = api.get(rule_url(project_id, rule_id))
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def bad_request(r: Any, pointer: str | None = None, parameter: str | None = None) -> str:
    """Asserts a 400 naming the pointer or parameter; returns the detail."""
    assert r.status_code == 400, r.text
    (error,) = r.json()["errors"]
    assert error["status"] == "400"
    if pointer is not None:
        assert error["source"] == {"pointer": pointer}, error
    if parameter is not None:
        assert error["source"] == {"parameter": parameter}, error
    detail: str = error.get("detail", "")
    return detail


def every_operation(api: Client, project_id: str, rule_id: str) -> list[Any]:
    """The five operations on one rule, in a harmless form."""
    return [
        api.get(rule_url(project_id, rule_id)),
        api.put(rule_url(project_id, rule_id), json=update(name="taken over")),
        api.post(rule_url(project_id, rule_id, "disable")),
        api.post(rule_url(project_id, rule_id, "enable")),
        api.delete(rule_url(project_id, rule_id)),
    ]


@pytest.fixture(scope="module")
def bob_api(server: Server) -> Client:
    """A second user of `acme`, with every scope."""
    return server.client(server.create_keys("acme", "bob@acme.test"))


# --------------------------------------------------------------------------- HTTP


def test_create_get_list_update_delete(api: Client, keys: Keys, project: dict[str, Any]) -> None:
    pid = project["id"]
    r = api.post(rules_url(pid), json=body())
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"] == "application/vnd.api+json"
    created = r.json()
    rule = created["data"]
    uuid.UUID(rule["id"])
    assert rule["type"] == "rule"
    assert rule["attributes"] == {
        "name": "Auto-assign workflow",
        "state": "ENABLED",
        "trigger": {"type": "CASE_CREATED"},
        "action": {"type": "EXECUTE_WORKFLOW", "data": {"handle": "workflow-handle-123"}},
        "created_at": rule["attributes"]["created_at"],
    }
    assert rule["attributes"]["created_at"].endswith("Z")
    assert rule["relationships"] == {"created_by": {"data": {"id": keys.user_id, "type": "user"}}}
    assert api.get(rule_url(pid, rule["id"])).json() == created
    assert rules_of(api, pid) == [rule]

    r = api.put(rule_url(pid, rule["id"]), json=update(name="Renamed"))
    assert r.status_code == 200, r.text
    renamed = r.json()["data"]
    assert renamed["attributes"] == {
        **rule["attributes"],
        "name": "Renamed",
        "modified_at": renamed["attributes"]["modified_at"],
    }
    assert renamed["attributes"]["modified_at"] > rule["attributes"]["created_at"]
    assert renamed["relationships"] == {
        "created_by": {"data": {"id": keys.user_id, "type": "user"}},
        "modified_by": {"data": {"id": keys.user_id, "type": "user"}},
    }
    assert get(api, pid, rule["id"]) == renamed
    assert rules_of(api, pid) == [renamed]

    r = api.delete(rule_url(pid, rule["id"]))
    assert r.status_code == 204, r.text
    assert r.content == b""
    for r in every_operation(api, pid, rule["id"]):
        assert r.status_code == 404, r.text
        assert r.json() == RULE_NOT_FOUND
    assert rules_of(api, pid) == []


@pytest.mark.parametrize(
    "trigger",
    [
        {"type": "CASE_CREATED"},
        {"type": "CASE_CREATED", "data": {}},
        {"type": "CASE_CREATED", "data": None},
        {"type": "STATUS_TRANSITIONED"},
        {"type": "STATUS_TRANSITIONED", "data": {"to_status_name": "Closed"}},
        {"type": "STATUS_TRANSITIONED", "data": {"from_status_name": "Open"}},
        {
            "type": "STATUS_TRANSITIONED",
            "data": {"from_status_name": "Open", "to_status_name": "In Progress"},
        },
        {"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"field": "priority"}},
        {
            "type": "ATTRIBUTE_VALUE_CHANGED",
            "data": {"field": "team", "change_type": "VALUE_ADDED"},
        },
        {"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"field": "x", "change_type": "VALUE_DELETED"}},
        {"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"field": "x", "change_type": "ANY_CHANGES"}},
        {"type": "EVENT_CORRELATION_SIGNAL_CORRELATED"},
        {"type": "CASE_REVIEW_APPROVED"},
        {"type": "CASE_REVIEW_APPROVED", "data": {"approval_type": "ANY"}},
        {"type": "COMMENT_ADDED"},
        # null members are as if absent
        {"type": "STATUS_TRANSITIONED", "data": {"from_status_name": None, "to_status_name": "A"}},
    ],
)
def test_every_trigger_is_stored_as_given(
    api: Client, project: dict[str, Any], trigger: dict[str, Any]
) -> None:
    pid = project["id"]
    data = {k: v for k, v in (trigger.get("data") or {}).items() if v is not None}
    expected = {"type": trigger["type"], **({"data": data} if data else {})}
    rule = create(api, pid, trigger=trigger)
    assert rule["attributes"]["trigger"] == expected
    assert get(api, pid, rule["id"])["attributes"]["trigger"] == expected
    # The same trigger given to an update is stored the same way.
    other = create(api, pid, trigger={"type": "COMMENT_ADDED"})
    r = api.put(rule_url(pid, other["id"]), json=update(trigger=trigger))
    assert r.status_code == 200, r.text
    assert r.json()["data"]["attributes"]["trigger"] == expected


def test_every_trigger_type_is_accepted(api: Client, project: dict[str, Any]) -> None:
    data = {"ATTRIBUTE_VALUE_CHANGED": {"field": "priority"}}
    for kind in TRIGGER_TYPES:
        trigger = {"type": kind, **({"data": data[kind]} if kind in data else {})}
        assert create(api, project["id"], trigger=trigger)["attributes"]["trigger"] == trigger


def test_actions_and_handles_are_stored_as_given(api: Client, project: dict[str, Any]) -> None:
    pid = project["id"]
    agent = create(api, pid, action=AGENT)
    assert agent["attributes"]["action"] == AGENT
    # Not checked against any registry: a workflow may be registered after its rule.
    for handle in ("no-such-workflow", "x" * 256, "Ünïcode handle", str(uuid.uuid4())):
        action = {"type": "EXECUTE_WORKFLOW", "data": {"handle": handle}}
        rule = create(api, pid, action=action)
        assert rule["attributes"]["action"] == action
        assert get(api, pid, rule["id"])["attributes"]["action"] == action


def test_state_defaults_to_enabled(api: Client, project: dict[str, Any]) -> None:
    pid = project["id"]
    assert create(api, pid)["attributes"]["state"] == "ENABLED"
    assert create(api, pid, state=None)["attributes"]["state"] == "ENABLED"
    assert create(api, pid, state="ENABLED")["attributes"]["state"] == "ENABLED"
    assert create(api, pid, state="DISABLED")["attributes"]["state"] == "DISABLED"


def test_change_type_absent_is_stored_absent(
    api: Client, keys: Keys, server: Server, project: dict[str, Any]
) -> None:
    """Absent means ANY_CHANGES (for whoever acts on the rule), but the rule keeps what it was
    given."""
    trigger = {"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"field": "priority"}}
    rule = create(api, project["id"], trigger=trigger)
    assert rule["attributes"]["trigger"] == trigger
    (stored,) = enabled(server, keys.org_id, [project["id"]])
    assert stored.trigger == Trigger("ATTRIBUTE_VALUE_CHANGED", {"field": "priority"})
    (row,) = fetch(server, "SELECT trigger FROM automation_rules WHERE id = $1", rule["id"])
    assert json.loads(row["trigger"]) == {
        "type": "ATTRIBUTE_VALUE_CHANGED",
        "data": trigger["data"],
    }


# (what the attributes become, pointer, detail or None)
TRIGGER_ERRORS: list[tuple[Any, str, str | None]] = [
    (
        {"type": "NOPE"},
        f"{A}/trigger/type",
        "invalid type NOPE. Must be one of " + ", ".join(TRIGGER_TYPES),
    ),
    ({"type": 5}, f"{A}/trigger/type", None),
    ({"data": {}}, f"{A}/trigger/type", "missing required field 'type'"),
    (
        {"type": "ATTRIBUTE_VALUE_CHANGED"},
        f"{A}/trigger/data/field",
        "field is required for ATTRIBUTE_VALUE_CHANGED triggers",
    ),
    (
        {"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"change_type": "VALUE_ADDED"}},
        f"{A}/trigger/data/field",
        "field is required for ATTRIBUTE_VALUE_CHANGED triggers",
    ),
    (
        {"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"field": "x", "change_type": "SOMETIMES"}},
        f"{A}/trigger/data/change_type",
        "invalid change_type SOMETIMES. Must be one of VALUE_ADDED, VALUE_DELETED, ANY_CHANGES",
    ),
    (
        {"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"field": "  "}},
        f"{A}/trigger/data/field",
        "field must not be blank",
    ),
    (
        {"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"field": ""}},
        f"{A}/trigger/data/field",
        "Expected `str` of length >= 1",
    ),
    (
        {"type": "STATUS_TRANSITIONED", "data": {"to_status_name": "x" * 257}},
        f"{A}/trigger/data/to_status_name",
        "Expected `str` of length <= 256",
    ),
    (
        {"type": "STATUS_TRANSITIONED", "data": {"to_status_name": 3}},
        f"{A}/trigger/data/to_status_name",
        None,
    ),
    # A member Datadog's spec does not name: refused, not ignored.
    (
        {"type": "STATUS_TRANSITIONED", "data": {"to_status": "Closed"}},
        f"{A}/trigger/data",
        "Object contains unknown field `to_status`",
    ),
    # A member the spec names but this trigger type does not take.
    (
        {"type": "STATUS_TRANSITIONED", "data": {"field": "priority"}},
        f"{A}/trigger/data/field",
        "field is not used by STATUS_TRANSITIONED triggers",
    ),
    (
        {"type": "CASE_CREATED", "data": {"to_status_name": "Open"}},
        f"{A}/trigger/data/to_status_name",
        "to_status_name is not used by CASE_CREATED triggers",
    ),
    (
        {"type": "COMMENT_ADDED", "data": {"approval_type": "ANY"}},
        f"{A}/trigger/data/approval_type",
        "approval_type is not used by COMMENT_ADDED triggers",
    ),
    ({"type": "CASE_CREATED", "data": "x"}, f"{A}/trigger/data", None),
    ("CASE_CREATED", f"{A}/trigger", None),
]
ACTION_ERRORS: list[tuple[Any, str, str | None]] = [
    (
        {"type": "NOPE", "data": {"handle": "h"}},
        f"{A}/action/type",
        "invalid type NOPE. Must be one of EXECUTE_WORKFLOW, ASSIGN_AGENT",
    ),
    ({"type": "EXECUTE_WORKFLOW"}, f"{A}/action/data", "missing required field 'data'"),
    ({"data": {"handle": "h"}}, f"{A}/action/type", "missing required field 'type'"),
    (
        {"type": "EXECUTE_WORKFLOW", "data": {}},
        f"{A}/action/data/handle",
        "handle is required for EXECUTE_WORKFLOW actions",
    ),
    (
        {"type": "EXECUTE_WORKFLOW", "data": {"handle": None}},
        f"{A}/action/data/handle",
        "handle is required for EXECUTE_WORKFLOW actions",
    ),
    (
        {"type": "EXECUTE_WORKFLOW", "data": {"handle": " \t"}},
        f"{A}/action/data/handle",
        "handle must not be blank",
    ),
    (
        {"type": "EXECUTE_WORKFLOW", "data": {"handle": ""}},
        f"{A}/action/data/handle",
        "Expected `str` of length >= 1",
    ),
    (
        {"type": "EXECUTE_WORKFLOW", "data": {"handle": "x" * 257}},
        f"{A}/action/data/handle",
        "Expected `str` of length <= 256",
    ),
    ({"type": "EXECUTE_WORKFLOW", "data": {"handle": 42}}, f"{A}/action/data/handle", None),
    (
        {"type": "ASSIGN_AGENT", "data": {"assigned_agent_id": "a"}},
        f"{A}/action/data/agent_type",
        "agent_type is required for ASSIGN_AGENT actions",
    ),
    (
        {"type": "ASSIGN_AGENT", "data": {"agent_type": "triage"}},
        f"{A}/action/data/assigned_agent_id",
        "assigned_agent_id is required for ASSIGN_AGENT actions",
    ),
    (
        {"type": "ASSIGN_AGENT", "data": {**AGENT["data"], "handle": "h"}},
        f"{A}/action/data/handle",
        "handle is not used by ASSIGN_AGENT actions",
    ),
    (
        {"type": "EXECUTE_WORKFLOW", "data": {"handle": "h", "agent_type": "triage"}},
        f"{A}/action/data/agent_type",
        "agent_type is not used by EXECUTE_WORKFLOW actions",
    ),
    (
        {"type": "EXECUTE_WORKFLOW", "data": {"handle": "h", "workflow": "w"}},
        f"{A}/action/data",
        "Object contains unknown field `workflow`",
    ),
    ({"type": "EXECUTE_WORKFLOW", "data": ["h"]}, f"{A}/action/data", None),
]
OTHER_ERRORS: list[tuple[Any, str, str | None]] = [
    ({"name": ""}, f"{A}/name", "Expected `str` of length >= 1"),
    ({"name": "   "}, f"{A}/name", "name must not be blank"),
    ({"name": "x" * 201}, f"{A}/name", "Expected `str` of length <= 200"),
    ({"name": 7}, f"{A}/name", None),
    (
        {"state": "ON"},
        f"{A}/state",
        "invalid state ON. Must be one of ENABLED, DISABLED",
    ),
    ({"state": True}, f"{A}/state", None),
]


def _error_id(case: Any) -> str:
    return str(case)[:60] if not isinstance(case, str) else case


@pytest.mark.parametrize(
    ("change", "pointer", "detail"),
    [({"trigger": t}, p, d) for t, p, d in TRIGGER_ERRORS]
    + [({"action": a}, p, d) for a, p, d in ACTION_ERRORS]
    + OTHER_ERRORS,
    ids=_error_id,
)
def test_invalid_attributes_are_400_and_save_nothing(
    api: Client, project: dict[str, Any], change: dict[str, Any], pointer: str, detail: str | None
) -> None:
    pid = project["id"]
    payload = body()
    payload["data"]["attributes"].update(change)
    got = bad_request(api.post(rules_url(pid), json=payload), pointer=pointer)
    if detail is not None:
        assert got == detail
    assert rules_of(api, pid) == []

    # An update giving the same value is refused the same way, together with valid changes.
    rule = create(api, pid)
    r = api.put(rule_url(pid, rule["id"]), json=update(**{"name": "valid", **change}))
    got = bad_request(r, pointer=pointer)
    if detail is not None:
        assert got == detail
    assert get(api, pid, rule["id"]) == rule
    assert rules_of(api, pid) == [rule]


@pytest.mark.parametrize("missing", ["name", "trigger", "action"])
def test_required_attributes(api: Client, project: dict[str, Any], missing: str) -> None:
    payload = body()
    del payload["data"]["attributes"][missing]
    detail = bad_request(api.post(rules_url(project["id"]), json=payload), f"{A}/{missing}")
    assert detail == f"missing required field {missing!r}"
    assert rules_of(api, project["id"]) == []


def test_bad_envelopes_are_400(api: Client, project: dict[str, Any]) -> None:
    pid = project["id"]
    payload = body()
    payload["data"]["type"] = "view"
    detail = bad_request(api.post(rules_url(pid), json=payload), pointer="/data/type")
    assert detail == 'got type "view" expected one of "rule"'
    bad_request(api.post(rules_url(pid), json={"data": {"type": "rule"}}), "/data/attributes")
    bad_request(api.post(rules_url(pid), json={}), pointer="/data")
    bad_request(api.post(rules_url(pid), data=b"{"), pointer="")
    bad_request(api.post(rules_url(pid)), pointer="")
    bad_request(api.post(rules_url(pid), json=body(name="a\u0000b")), pointer=f"{A}/name")
    rule = create(api, pid)
    url = rule_url(pid, rule["id"])
    bad_request(api.put(url, json={"data": {"type": "view"}}), pointer="/data/type")
    bad_request(api.put(url, json={}), pointer="/data")
    bad_request(api.put(url, data=b"[1"), pointer="")
    assert rules_of(api, pid) == [rule]


def test_unknown_attributes_are_ignored(api: Client, project: dict[str, Any]) -> None:
    """As everywhere in the API; only trigger.data and action.data are strict."""
    rule = create(api, project["id"], description="not a rule attribute")
    assert "description" not in rule["attributes"]


def test_update_replaces_only_the_attributes_given(
    api: Client, bob_api: Client, keys: Keys, project: dict[str, Any]
) -> None:
    pid = project["id"]
    trigger = {"type": "STATUS_TRANSITIONED", "data": {"from_status_name": "Open"}}
    rule = create(api, pid, name="Mine", trigger=trigger, action=WORKFLOW)
    url = rule_url(pid, rule["id"])

    # Nothing given, null, or only the current values: 200, nothing written.
    for change in (
        {},
        {"name": None, "trigger": None, "action": None, "state": None},
        {"name": "Mine", "trigger": trigger, "action": WORKFLOW, "state": "ENABLED"},
    ):
        r = api.put(url, json=update(**change))
        assert r.status_code == 200, r.text
        assert r.json()["data"] == rule
    r = api.put(url, json={"data": {"type": "rule"}})
    assert r.status_code == 200, r.text
    assert r.json()["data"] == rule

    # Another user of the organisation replaces the action only.
    r = bob_api.put(url, json=update(action=AGENT))
    assert r.status_code == 200, r.text
    changed = r.json()["data"]
    assert changed["attributes"] == {
        **rule["attributes"],
        "action": AGENT,
        "modified_at": changed["attributes"]["modified_at"],
    }
    bob = changed["relationships"]["modified_by"]["data"]["id"]
    assert bob != keys.user_id
    assert changed["relationships"]["created_by"]["data"]["id"] == keys.user_id

    # A trigger given replaces the whole trigger: its old data goes.
    r = api.put(url, json=update(trigger={"type": "STATUS_TRANSITIONED"}))
    assert r.status_code == 200, r.text
    replaced = r.json()["data"]
    assert replaced["attributes"]["trigger"] == {"type": "STATUS_TRANSITIONED"}
    assert replaced["attributes"]["action"] == AGENT
    assert replaced["attributes"]["name"] == "Mine"
    assert replaced["attributes"]["modified_at"] > changed["attributes"]["modified_at"]
    assert replaced["relationships"]["modified_by"]["data"]["id"] == keys.user_id

    # The state too, and everything at once (as the official client sends it).
    r = api.put(url, json=update(state="DISABLED"))
    assert r.status_code == 200, r.text
    assert r.json()["data"]["attributes"]["state"] == "DISABLED"
    r = api.put(url, json=update(name="All", trigger=CREATED, action=WORKFLOW, state="ENABLED"))
    assert r.status_code == 200, r.text
    whole = r.json()["data"]
    assert {k: v for k, v in whole["attributes"].items() if k != "modified_at"} == {
        "name": "All",
        "state": "ENABLED",
        "trigger": CREATED,
        "action": WORKFLOW,
        "created_at": rule["attributes"]["created_at"],
    }
    assert get(api, pid, rule["id"]) == whole
    assert rules_of(api, pid) == [whole]


def test_enable_and_disable(
    api: Client, bob_api: Client, keys: Keys, project: dict[str, Any]
) -> None:
    pid = project["id"]
    rule = create(api, pid, state="DISABLED")
    assert rule["attributes"]["state"] == "DISABLED"

    # Disabling a disabled rule changes nothing.
    r = api.post(rule_url(pid, rule["id"], "disable"))
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/vnd.api+json"
    assert r.json() == {"data": rule}

    r = bob_api.post(rule_url(pid, rule["id"], "enable"))
    assert r.status_code == 200, r.text
    enabled = r.json()["data"]
    assert enabled["attributes"] == {
        **rule["attributes"],
        "state": "ENABLED",
        "modified_at": enabled["attributes"]["modified_at"],
    }
    assert enabled["relationships"]["modified_by"]["data"]["id"] != keys.user_id
    assert get(api, pid, rule["id"]) == enabled

    # Idempotent: enabling again returns the rule as it is (modified_at unchanged).
    r = api.post(rule_url(pid, rule["id"], "enable"))
    assert r.status_code == 200, r.text
    assert r.json()["data"] == enabled

    r = api.post(rule_url(pid, rule["id"], "disable"))
    assert r.status_code == 200, r.text
    disabled = r.json()["data"]
    assert disabled["attributes"]["state"] == "DISABLED"
    assert disabled["attributes"]["modified_at"] > enabled["attributes"]["modified_at"]
    assert disabled["relationships"]["modified_by"]["data"]["id"] == keys.user_id
    r = api.post(rule_url(pid, rule["id"], "disable"))
    assert r.json()["data"] == disabled
    assert rules_of(api, pid) == [disabled]

    # A body, should a client send one, is not read.
    r = api.post(rule_url(pid, rule["id"], "enable"), data=b"not json")
    assert r.status_code == 200, r.text
    assert r.json()["data"]["attributes"]["state"] == "ENABLED"


def test_list_is_per_project_oldest_first(api: Client, project: dict[str, Any]) -> None:
    other = api.new_project()
    made = [create(api, project["id"], name=f"r{i}") for i in range(4)]
    theirs = create(api, other["id"], name="elsewhere")
    listed = rules_of(api, project["id"])
    assert [r["id"] for r in listed] == [r["id"] for r in made]
    stamps = [r["attributes"]["created_at"] for r in listed]
    assert stamps == sorted(stamps)
    assert rules_of(api, other["id"]) == [theirs]
    # Neither an update nor a state change moves a rule in the list.
    api.put(rule_url(project["id"], made[0]["id"]), json=update(name="renamed"))
    api.post(rule_url(project["id"], made[1]["id"], "disable"))
    assert [r["id"] for r in rules_of(api, project["id"])] == [r["id"] for r in made]


def test_unknown_project_is_404(api: Client, project: dict[str, Any]) -> None:
    rule = create(api, project["id"])
    missing = str(uuid.uuid4())
    for r in (
        api.get(rules_url(missing)),
        api.post(rules_url(missing), json=body()),
        *every_operation(api, missing, rule["id"]),
        *every_operation(api, missing, str(uuid.uuid4())),
    ):
        assert r.status_code == 404, r.text
        assert r.json() == PROJECT_NOT_FOUND
    assert rules_of(api, project["id"]) == [rule]


def test_unknown_rule_is_404(api: Client, project: dict[str, Any]) -> None:
    for r in every_operation(api, project["id"], str(uuid.uuid4())):
        assert r.status_code == 404, r.text
        assert r.json() == RULE_NOT_FOUND


def test_a_rule_under_another_project_of_the_path_is_404(
    api: Client, project: dict[str, Any]
) -> None:
    rule = create(api, project["id"])
    other = api.new_project()
    for r in every_operation(api, other["id"], rule["id"]):
        assert r.status_code == 404, r.text
        assert r.json() == RULE_NOT_FOUND
    assert rules_of(api, other["id"]) == []
    assert get(api, project["id"], rule["id"]) == rule


def test_other_organisations_rules_and_projects_are_404(
    api: Client, other_api: Client, project: dict[str, Any]
) -> None:
    rule = create(api, project["id"])
    # Our project does not exist for them.
    for r in (
        other_api.get(rules_url(project["id"])),
        other_api.post(rules_url(project["id"]), json=body()),
        *every_operation(other_api, project["id"], rule["id"]),
    ):
        assert r.status_code == 404, r.text
        assert r.json() == PROJECT_NOT_FOUND
    # Nor our rule under a project of theirs.
    theirs = other_api.new_project()
    for r in every_operation(other_api, theirs["id"], rule["id"]):
        assert r.status_code == 404, r.text
        assert r.json() == RULE_NOT_FOUND
    assert rules_of(other_api, theirs["id"]) == []
    # Nor theirs for us.
    their_rule = create(other_api, theirs["id"])
    for r in every_operation(api, theirs["id"], their_rule["id"]):
        assert r.status_code == 404, r.text
        assert r.json() == PROJECT_NOT_FOUND
    for r in every_operation(api, project["id"], their_rule["id"]):
        assert r.status_code == 404, r.text
        assert r.json() == RULE_NOT_FOUND
    assert rules_of(api, project["id"]) == [rule]
    assert rules_of(other_api, theirs["id"]) == [their_rule]


def test_bad_uuids_in_the_path_are_400(api: Client, project: dict[str, Any]) -> None:
    rule = create(api, project["id"])
    for bad in ("nope", project["id"][:8], "SEC-1"):
        for r in (
            api.get(rules_url(bad)),
            api.post(rules_url(bad), json=body()),
            *every_operation(api, bad, rule["id"]),
        ):
            detail = bad_request(r, parameter="project_id")
            assert detail == 'invalid parameter "project_id" in "path"; expected type "uuid"'
            assert r.json()["errors"][0]["title"] == "Invalid Parameter"
        for r in every_operation(api, project["id"], bad):
            detail = bad_request(r, parameter="rule_id")
            assert detail == 'invalid parameter "rule_id" in "path"; expected type "uuid"'
    # Any spelling of a UUID names the same rule.
    assert get(api, project["id"].upper(), rule["id"].upper()) == rule
    assert rules_of(api, project["id"]) == [rule]


def test_scopes(readonly_api: Client, api: Client, project: dict[str, Any]) -> None:
    pid = project["id"]
    rule = create(api, pid)
    for r in (
        readonly_api.post(rules_url(pid), json=body()),
        readonly_api.put(rule_url(pid, rule["id"]), json=update(name="read only")),
        readonly_api.post(rule_url(pid, rule["id"], "disable")),
        readonly_api.post(rule_url(pid, rule["id"], "enable")),
        readonly_api.delete(rule_url(pid, rule["id"])),
    ):
        assert r.status_code == 403, r.text
        assert "cases_write" in r.json()["errors"][0]["detail"]
    assert rules_of(readonly_api, pid) == [rule]
    assert get(readonly_api, pid, rule["id"]) == rule
    # Without keys: 401 on every operation.
    anonymous = Client(api.base_url, None, None)
    for r in (anonymous.get(rules_url(pid)), *every_operation(anonymous, pid, rule["id"])):
        assert r.status_code == 401, r.text
    assert rules_of(api, pid) == [rule]


def test_deleting_a_project_deletes_its_rules(api: Client, server: Server) -> None:
    project = api.new_project()
    rules = [create(api, project["id"], name=f"r{i}") for i in range(3)]
    assert api.delete(f"/api/v2/cases/projects/{project['id']}").status_code == 204
    r = api.get(rules_url(project["id"]))
    assert r.status_code == 404
    assert r.json() == PROJECT_NOT_FOUND
    for r in every_operation(api, project["id"], rules[0]["id"]):
        assert r.status_code == 404, r.text
        assert r.json() == PROJECT_NOT_FOUND
    rows = fetch(server, "SELECT id FROM automation_rules WHERE project_id = $1", project["id"])
    assert rows == []


def test_the_document_describes_real_rules(api: Client, project: dict[str, Any]) -> None:
    doc = api.get("/api/v2/openapi.json").json()
    schemas = doc["components"]["schemas"]
    trigger = {"type": "STATUS_TRANSITIONED", "data": {"to_status_name": "Closed"}}
    rule = create(api, project["id"], trigger=trigger, action=AGENT)
    rule = api.put(rule_url(project["id"], rule["id"]), json=update(name="x")).json()["data"]
    resource = schemas["AutomationRuleResource"]
    assert set(rule) <= set(resource["properties"])
    attributes = schemas["AutomationRuleAttributes"]
    assert set(attributes["required"]) <= set(rule["attributes"]) <= set(attributes["properties"])
    assert set(rule["relationships"]) == set(schemas["AutomationRuleRelationships"]["properties"])
    trigger_data = schemas["AutomationRuleTriggerData"]
    assert trigger_data["additionalProperties"] is False
    assert set(trigger_data["properties"]) == {
        "approval_type",
        "change_type",
        "field",
        "from_status_name",
        "to_status_name",
    }
    assert set(schemas["AutomationRuleActionData"]["properties"]) == {
        "agent_type",
        "assigned_agent_id",
        "handle",
    }
    ops = {
        op["operationId"]: (method.upper(), path)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if "/rules" in path
    }
    base = "/api/v2/cases/projects/{project_id}/rules"
    assert ops == {
        "ListCaseAutomationRules": ("GET", base),
        "CreateCaseAutomationRule": ("POST", base),
        "GetCaseAutomationRule": ("GET", base + "/{rule_id}"),
        "UpdateCaseAutomationRule": ("PUT", base + "/{rule_id}"),
        "DeleteCaseAutomationRule": ("DELETE", base + "/{rule_id}"),
        "EnableCaseAutomationRule": ("POST", base + "/{rule_id}/enable"),
        "DisableCaseAutomationRule": ("POST", base + "/{rule_id}/disable"),
    }


def test_the_operations_are_datadogs() -> None:
    """Method, path and operationId of each route as Datadog's contract gives them."""
    paths = reference_contract()["paths"]
    for route in ROUTES:
        assert paths[route.path][route.method.lower()]["operationId"] == route.operation_id
    assert len(ROUTES) == 7


# --------------------------------------------------------------------------- enabled_rules


def enabled(server: Server, org_id: str, project_ids: list[str]) -> list[AutomationRule]:
    """service.enabled_rules on the server's database, through opencase's data layer."""

    async def run() -> list[AutomationRule]:
        db = await connect(load_settings(database_url=server.database_url, db_pool_size=1))
        try:
            async with db.snapshot() as conn:
                return await service.enabled_rules(conn, org_id=org_id, project_ids=project_ids)
        finally:
            await db.close()

    return asyncio.run(run())


def test_enabled_rules_of_several_projects(
    api: Client, other_api: Client, keys: Keys, server: Server
) -> None:
    first, second, third = api.new_project(), api.new_project(), api.new_project()
    a = create(api, first["id"], name="a", action=AGENT)
    create(api, first["id"], name="off", state="DISABLED")
    team_added = {"field": "team", "change_type": "VALUE_ADDED"}
    trigger = {"type": "ATTRIBUTE_VALUE_CHANGED", "data": team_added}
    b = create(api, second["id"], name="b", trigger=trigger)
    c = create(api, first["id"], name="c")
    later_off = create(api, second["id"], name="later off")
    api.post(rule_url(second["id"], later_off["id"], "disable"))
    create(api, third["id"], name="not asked for")
    theirs = other_api.new_project()
    create(other_api, theirs["id"], name="other organisation")

    got = enabled(server, keys.org_id, [first["id"], second["id"], first["id"]])
    assert [r.id for r in got] == [a["id"], b["id"], c["id"]]
    assert got[0] == AutomationRule(
        id=a["id"],
        project_id=first["id"],
        name="a",
        state="ENABLED",
        trigger=Trigger("CASE_CREATED", {}),
        action=Action("ASSIGN_AGENT", AGENT["data"]),
        created_at=got[0].created_at,
        created_by=keys.user_id,
        modified_at=None,
        modified_by=None,
    )
    assert got[1].trigger == Trigger(
        "ATTRIBUTE_VALUE_CHANGED", {"field": "team", "change_type": "VALUE_ADDED"}
    )
    assert got[1].project_id == second["id"]
    assert got[0].created_at < got[1].created_at < got[2].created_at
    assert enabled(server, keys.org_id, []) == []
    assert enabled(server, keys.org_id, [str(uuid.uuid4())]) == []
    # Another organisation's projects give nothing, even by id.
    assert enabled(server, keys.org_id, [theirs["id"]]) == []
    # After disabling, a rule is no longer enabled; after enabling, again.
    api.post(rule_url(first["id"], a["id"], "disable"))
    assert [r.id for r in enabled(server, keys.org_id, [first["id"]])] == [c["id"]]
    api.post(rule_url(first["id"], a["id"], "enable"))
    assert [r.id for r in enabled(server, keys.org_id, [first["id"]])] == [a["id"], c["id"]]


# --------------------------------------------------------------------------- official client


@pytest.fixture
def cm(server: Server, keys: Keys) -> Iterator[CaseManagementApi]:
    configuration = Configuration(host=server.base_url)
    configuration.api_key = {"apiKeyAuth": keys.api_key, "appKeyAuth": keys.app_key}
    # No automation-rule operation is unstable in datadog-api-client 2.62; should a version mark
    # them unstable, enable them (the server implements them all the same).
    for op in list(configuration.unstable_operations.values):
        if op.endswith("_case_automation_rule") or op.endswith("_case_automation_rules"):
            configuration.unstable_operations[op.removeprefix("v2.")] = True
    with ApiClient(configuration) as client:
        yield CaseManagementApi(client)


def unparsed(model: Any) -> bool:
    """True when the client could not map part of a response onto its models."""
    return bool(getattr(model, "_unparsed", False))


def client_attributes(
    name: str, trigger: AutomationRuleTrigger, action: AutomationRuleAction, **kw: Any
) -> AutomationRuleCreateAttributes:
    return AutomationRuleCreateAttributes(name=name, trigger=trigger, action=action, **kw)


def workflow(handle: str) -> AutomationRuleAction:
    return AutomationRuleAction(
        type=AutomationRuleActionType.EXECUTE_WORKFLOW,
        data=AutomationRuleActionData(handle=handle),
    )


def test_all_seven_operations_through_the_client(
    cm: CaseManagementApi, api: Client, keys: Keys, project: dict[str, Any]
) -> None:
    pid = project["id"]
    before = datetime.now(UTC) - timedelta(minutes=1)
    create_request = AutomationRuleCreateRequest(
        data=AutomationRuleCreate(
            type=CaseAutomationRuleResourceType.RULE,
            attributes=client_attributes(
                "Auto-assign workflow",
                AutomationRuleTrigger(type=AutomationRuleTriggerType.CASE_CREATED),
                workflow("workflow-handle-123"),
            ),
        )
    )
    created = cm.create_case_automation_rule(project_id=pid, body=create_request).data
    assert not unparsed(created)
    assert not unparsed(created.attributes)
    assert str(created.type) == "rule"
    a = created.attributes
    assert a.name == "Auto-assign workflow"
    assert a.state == CaseAutomationRuleState.ENABLED
    assert a.trigger.type == AutomationRuleTriggerType.CASE_CREATED
    assert a.action.type == AutomationRuleActionType.EXECUTE_WORKFLOW
    assert a.action.data.handle == "workflow-handle-123"
    assert before < a.created_at < datetime.now(UTC) + timedelta(minutes=1)
    assert "modified_at" not in a
    assert created.relationships.created_by.data.id == keys.user_id
    assert str(created.relationships.created_by.data.type) == "user"

    listed = cm.list_case_automation_rules(project_id=pid).data
    assert [r.id for r in listed] == [created.id]
    assert not unparsed(listed[0])

    got = cm.get_case_automation_rule(project_id=pid, rule_id=created.id).data
    assert not unparsed(got)
    assert got.to_dict() == created.to_dict()

    trigger = AutomationRuleTrigger(
        type=AutomationRuleTriggerType.STATUS_TRANSITIONED,
        data=AutomationRuleTriggerData(from_status_name="Open", to_status_name="Closed"),
    )
    agent = AutomationRuleAction(
        type=AutomationRuleActionType.ASSIGN_AGENT,
        data=AutomationRuleActionData(agent_type="triage", assigned_agent_id="agent-7"),
    )
    update_request = AutomationRuleUpdateRequest(
        data=AutomationRuleUpdate(
            type=CaseAutomationRuleResourceType.RULE,
            attributes=client_attributes(
                "Assign on close", trigger, agent, state=CaseAutomationRuleState.DISABLED
            ),
        )
    )
    updated = cm.update_case_automation_rule(
        project_id=pid, rule_id=created.id, body=update_request
    ).data
    assert not unparsed(updated)
    assert not unparsed(updated.attributes)
    u = updated.attributes
    assert u.name == "Assign on close"
    assert u.state == CaseAutomationRuleState.DISABLED
    assert u.trigger.type == AutomationRuleTriggerType.STATUS_TRANSITIONED
    assert u.trigger.data.from_status_name == "Open"
    assert u.trigger.data.to_status_name == "Closed"
    assert u.action.data.agent_type == "triage"
    assert u.action.data.assigned_agent_id == "agent-7"
    assert u.modified_at >= u.created_at
    assert updated.relationships.modified_by.data.id == keys.user_id

    enabled = cm.enable_case_automation_rule(project_id=pid, rule_id=created.id).data
    assert not unparsed(enabled)
    assert enabled.attributes.state == CaseAutomationRuleState.ENABLED
    assert enabled.attributes.modified_at > u.modified_at
    again = cm.enable_case_automation_rule(project_id=pid, rule_id=created.id).data
    assert again.to_dict() == enabled.to_dict()

    disabled = cm.disable_case_automation_rule(project_id=pid, rule_id=created.id).data
    assert not unparsed(disabled)
    assert disabled.attributes.state == CaseAutomationRuleState.DISABLED
    assert disabled.attributes.name == "Assign on close"

    # What the client reads is what plain HTTP reads.
    assert get(api, pid, created.id)["attributes"]["state"] == "DISABLED"

    cm.delete_case_automation_rule(project_id=pid, rule_id=created.id)
    with pytest.raises(NotFoundException) as missing:
        cm.get_case_automation_rule(project_id=pid, rule_id=created.id)
    assert missing.value.status == 404
    assert cm.list_case_automation_rules(project_id=pid).data == []


def test_every_trigger_type_through_the_client(
    cm: CaseManagementApi, project: dict[str, Any]
) -> None:
    data = {
        "STATUS_TRANSITIONED": AutomationRuleTriggerData(to_status_name="Closed"),
        "ATTRIBUTE_VALUE_CHANGED": AutomationRuleTriggerData(
            field="priority", change_type="VALUE_ADDED"
        ),
        "CASE_REVIEW_APPROVED": AutomationRuleTriggerData(approval_type="ANY"),
    }
    for kind in TRIGGER_TYPES:
        trigger = AutomationRuleTrigger(type=AutomationRuleTriggerType(kind))
        if kind in data:
            trigger.data = data[kind]
        request = AutomationRuleCreateRequest(
            data=AutomationRuleCreate(
                type=CaseAutomationRuleResourceType.RULE,
                attributes=client_attributes(kind, trigger, workflow(f"wf-{kind}")),
            )
        )
        rule = cm.create_case_automation_rule(project_id=project["id"], body=request).data
        assert not unparsed(rule.attributes.trigger)
        assert rule.attributes.trigger.to_dict() == trigger.to_dict()
    names = [
        r.attributes.name for r in cm.list_case_automation_rules(project_id=project["id"]).data
    ]
    assert names == list(TRIGGER_TYPES)


def test_errors_through_the_client(
    cm: CaseManagementApi, server: Server, project: dict[str, Any]
) -> None:
    pid = project["id"]
    with pytest.raises(NotFoundException) as missing:
        cm.list_case_automation_rules(project_id=str(uuid.uuid4()))
    assert "project not found" in str(missing.value.body)
    with pytest.raises(NotFoundException) as missing:
        cm.enable_case_automation_rule(project_id=pid, rule_id=str(uuid.uuid4()))
    assert "rule not found" in str(missing.value.body)
    with pytest.raises(ApiException) as bad:
        cm.get_case_automation_rule(project_id=pid, rule_id="nope")
    assert bad.value.status == 400
    # A required member the client's model cannot demand (it types them all optional).
    request = AutomationRuleCreateRequest(
        data=AutomationRuleCreate(
            type=CaseAutomationRuleResourceType.RULE,
            attributes=client_attributes(
                "No handle",
                AutomationRuleTrigger(type=AutomationRuleTriggerType.CASE_CREATED),
                AutomationRuleAction(
                    type=AutomationRuleActionType.EXECUTE_WORKFLOW,
                    data=AutomationRuleActionData(),
                ),
            ),
        )
    )
    with pytest.raises(ApiException) as bad:
        cm.create_case_automation_rule(project_id=pid, body=request)
    assert bad.value.status == 400
    assert "/data/attributes/action/data/handle" in str(bad.value.body)
    assert cm.list_case_automation_rules(project_id=pid).data == []

    # A cases_read key may read but not write.
    reader = server.create_keys("acme", "rule-reader@acme.test", "cases_read")
    configuration = Configuration(host=server.base_url)
    configuration.api_key = {"apiKeyAuth": reader.api_key, "appKeyAuth": reader.app_key}
    with ApiClient(configuration) as client:
        readonly = CaseManagementApi(client)
        assert readonly.list_case_automation_rules(project_id=pid).data == []
        good = AutomationRuleCreateRequest(
            data=AutomationRuleCreate(
                type=CaseAutomationRuleResourceType.RULE,
                attributes=client_attributes(
                    "Read only",
                    AutomationRuleTrigger(type=AutomationRuleTriggerType.CASE_CREATED),
                    workflow("wf"),
                ),
            )
        )
        with pytest.raises(ForbiddenException):
            readonly.create_case_automation_rule(project_id=pid, body=good)

"""Notification rules: GetProjectNotificationRules, CreateProjectNotificationRule,
UpdateProjectNotificationRule, DeleteProjectNotificationRule, and enabled_rules for the fan-out.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from case_db import fetch
from conftest import Client, Keys, Server, reference_contract
from datadog_api_client import ApiClient, Configuration
from datadog_api_client.exceptions import ApiException, ForbiddenException, NotFoundException
from datadog_api_client.v2.api.case_management_api import CaseManagementApi
from datadog_api_client.v2.model.case_notification_rule_attributes import (
    CaseNotificationRuleAttributes,
)
from datadog_api_client.v2.model.case_notification_rule_create import CaseNotificationRuleCreate
from datadog_api_client.v2.model.case_notification_rule_create_attributes import (
    CaseNotificationRuleCreateAttributes,
)
from datadog_api_client.v2.model.case_notification_rule_create_request import (
    CaseNotificationRuleCreateRequest,
)
from datadog_api_client.v2.model.case_notification_rule_recipient import (
    CaseNotificationRuleRecipient,
)
from datadog_api_client.v2.model.case_notification_rule_recipient_data import (
    CaseNotificationRuleRecipientData,
)
from datadog_api_client.v2.model.case_notification_rule_resource_type import (
    CaseNotificationRuleResourceType,
)
from datadog_api_client.v2.model.case_notification_rule_trigger import (
    CaseNotificationRuleTrigger,
)
from datadog_api_client.v2.model.case_notification_rule_trigger_data import (
    CaseNotificationRuleTriggerData,
)
from datadog_api_client.v2.model.case_notification_rule_update import CaseNotificationRuleUpdate
from datadog_api_client.v2.model.case_notification_rule_update_request import (
    CaseNotificationRuleUpdateRequest,
)

from opencase.core.config import load_settings
from opencase.core.db import connect
from opencase.notification import service
from opencase.notification.models import NotificationRule, Recipient, Trigger
from opencase.notification.views import ROUTES

RULE_NOT_FOUND = {
    "errors": [
        {"status": "404", "code": "resource_not_found", "title": "notification_rule not found"}
    ]
}
PROJECT_NOT_FOUND = {
    "errors": [{"status": "404", "code": "resource_not_found", "title": "project not found"}]
}
EMAIL = {"type": "EMAIL", "data": {"email": "oncall@acme.test"}}
HTTP = {"type": "HTTP", "data": {"name": "ops-hook"}}
CREATED = {"type": "CASE_CREATED"}
A = "/data/attributes"


def base(project_id: str) -> str:
    return f"/api/v2/cases/projects/{project_id}/notification_rules"


def one(project_id: str, rule_id: str) -> str:
    return f"{base(project_id)}/{rule_id}"


def body(
    recipients: list[Any] | None = None, triggers: list[Any] | None = None, **extra: Any
) -> Any:
    attributes = {
        "recipients": [EMAIL] if recipients is None else recipients,
        "triggers": [CREATED] if triggers is None else triggers,
        **extra,
    }
    return {"data": {"type": "notification_rule", "attributes": attributes}}


def update(**attributes: Any) -> Any:
    return {"data": {"type": "notification_rule", "attributes": attributes}}


def create(api: Client, project_id: str, **kw: Any) -> dict[str, Any]:
    r = api.post(base(project_id), json=body(**kw))
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def rules_of(api: Client, project_id: str) -> list[dict[str, Any]]:
    r = api.get(base(project_id))
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def put(api: Client, project_id: str, rule_id: str, payload: Any) -> None:
    r = api.put(one(project_id, rule_id), json=payload)
    assert r.status_code == 204, r.text
    assert r.content == b""


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


def stored(server: Server, project_id: str) -> int:
    """Rows of the project in the table itself (the API could hide a half-written one)."""
    rows = fetch(
        server, "SELECT count(*) AS n FROM notification_rules WHERE project_id = $1", project_id
    )
    return int(rows[0]["n"])


@pytest.fixture(scope="module")
def bob_api(server: Server) -> Client:
    """A second user of `acme`, with every scope."""
    return server.client(server.create_keys("acme", "bob@acme.test"))


# --------------------------------------------------------------------------- CRUD


def test_create_list_update_delete(api: Client, project: dict[str, Any]) -> None:
    r = api.post(base(project["id"]), json=body())
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"] == "application/vnd.api+json"
    rule = r.json()["data"]
    uuid.UUID(rule["id"])
    assert rule["type"] == "notification_rule"
    assert set(rule) == {"id", "type", "attributes"}
    attrs = rule["attributes"]
    assert attrs == {
        "is_enabled": True,
        "query": "",
        "recipients": [EMAIL],
        "triggers": [{"type": "CASE_CREATED", "data": {}}],
        "created_at": attrs["created_at"],
    }
    assert attrs["created_at"].endswith("Z")
    assert rules_of(api, project["id"]) == [rule]

    time.sleep(0.002)
    put(api, project["id"], rule["id"], update(is_enabled=False, query="priority:P1"))
    [changed] = rules_of(api, project["id"])
    assert changed["attributes"] == {
        **attrs,
        "is_enabled": False,
        "query": "priority:P1",
        "modified_at": changed["attributes"]["modified_at"],
    }
    assert changed["attributes"]["modified_at"] > attrs["created_at"]

    r = api.delete(one(project["id"], rule["id"]))
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert rules_of(api, project["id"]) == []
    for r in (
        api.delete(one(project["id"], rule["id"])),
        api.put(one(project["id"], rule["id"]), json=update(is_enabled=True)),
    ):
        assert r.status_code == 404, r.text
        assert r.json() == RULE_NOT_FOUND


def test_every_recipient_and_trigger_type(api: Client, project: dict[str, Any]) -> None:
    recipients = [
        EMAIL,
        HTTP,
        {"type": "SLACK_CHANNEL", "data": {"channel": "#ops", "workspace": "acme"}},
        {"type": "SLACK_CHANNEL", "data": {"channel_id": "C0123", "workspace_id": "T01"}},
        {"type": "PAGERDUTY_SERVICE", "data": {"service_name": "db"}},
        {"type": "MS_TEAMS_CHANNEL", "data": {"channel_name": "ops"}},
        {
            "type": "MS_TEAMS_CHANNEL",
            "data": {
                "channel_name": "sec",
                "connector_name": "c",
                "team_id": "t1",
                "team_name": "Security",
                "tenant_id": "x1",
                "tenant_name": "Acme",
            },
        },
    ]
    triggers = [
        {"type": "CASE_CREATED", "data": {}},
        {"type": "STATUS_TRANSITIONED", "data": {}},
        {"type": "STATUS_TRANSITIONED", "data": {"from_status": "OPEN", "to_status": "CLOSED"}},
        {
            "type": "STATUS_TRANSITIONED",
            "data": {
                "from_status": "IN_PROGRESS",
                "to_status": "OPEN",
                "from_status_name": "Triage",
                "to_status_name": "Reopened",
            },
        },
        {"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"field": "priority"}},
        {"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"field": "team", "change_type": "added"}},
        {"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"field": "env", "change_type": "removed"}},
        {"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"field": "x", "change_type": "changed"}},
        {"type": "EVENT_CORRELATION_SIGNAL_CORRELATED", "data": {}},
        {"type": "COMMENT_ADDED", "data": {}},
    ]
    rule = create(api, project["id"], recipients=recipients, triggers=triggers)
    assert rule["attributes"]["recipients"] == recipients
    assert rule["attributes"]["triggers"] == triggers
    assert rules_of(api, project["id"]) == [rule]


def test_null_data_members_and_null_data_are_absent(api: Client, project: dict[str, Any]) -> None:
    rule = create(
        api,
        project["id"],
        recipients=[{"type": "EMAIL", "data": {"email": "a@acme.test", "name": None}}],
        triggers=[
            {"type": "CASE_CREATED", "data": None},
            {"type": "STATUS_TRANSITIONED", "data": {"to_status": "CLOSED", "from_status": None}},
        ],
        is_enabled=None,
        query=None,
    )
    attrs = rule["attributes"]
    assert attrs["recipients"] == [{"type": "EMAIL", "data": {"email": "a@acme.test"}}]
    assert attrs["triggers"] == [
        {"type": "CASE_CREATED", "data": {}},
        {"type": "STATUS_TRANSITIONED", "data": {"to_status": "CLOSED"}},
    ]
    assert (attrs["is_enabled"], attrs["query"]) == (True, "")


def test_created_disabled(api: Client, project: dict[str, Any]) -> None:
    rule = create(api, project["id"], is_enabled=False)
    assert rule["attributes"]["is_enabled"] is False
    assert rules_of(api, project["id"]) == [rule]


def test_list_is_per_project_oldest_first(api: Client, project: dict[str, Any]) -> None:
    other = api.new_project()
    made = [
        create(api, project["id"], recipients=[{"type": "HTTP", "data": {"name": f"h{i}"}}])
        for i in range(3)
    ]
    theirs = create(api, other["id"])
    listed = rules_of(api, project["id"])
    assert [r["id"] for r in listed] == [r["id"] for r in made]
    stamps = [r["attributes"]["created_at"] for r in listed]
    assert stamps == sorted(stamps)
    assert rules_of(api, other["id"]) == [theirs]
    # An update does not move a rule in the list.
    put(api, project["id"], made[0]["id"], update(is_enabled=False))
    assert [r["id"] for r in rules_of(api, project["id"])] == [r["id"] for r in made]


def test_update_replaces_only_what_it_is_given(
    api: Client, bob_api: Client, project: dict[str, Any]
) -> None:
    rule = create(api, project["id"], recipients=[EMAIL, HTTP], query="status:open")
    pid, rid = project["id"], rule["id"]

    # Nothing given, nulls, or only the current values: 204, nothing written.
    for change in (
        {},
        {"is_enabled": None, "query": None, "recipients": None, "triggers": None},
        {"is_enabled": True, "query": "status:open", "recipients": [EMAIL, HTTP]},
    ):
        put(api, pid, rid, update(**change))
        assert rules_of(api, pid) == [rule]
    put(api, pid, rid, {"data": {"type": "notification_rule"}})
    assert rules_of(api, pid) == [rule]

    # A list given replaces the whole list; the rest stays.
    time.sleep(0.002)
    put(bob_api, pid, rid, update(recipients=[HTTP]))
    [changed] = rules_of(api, pid)
    assert changed["attributes"] == {
        **rule["attributes"],
        "recipients": [HTTP],
        "modified_at": changed["attributes"]["modified_at"],
    }
    triggers = [{"type": "COMMENT_ADDED", "data": {}}, {"type": "CASE_CREATED", "data": {}}]
    put(api, pid, rid, update(triggers=triggers))
    [again] = rules_of(api, pid)
    assert again["attributes"]["triggers"] == triggers
    assert again["attributes"]["recipients"] == [HTTP]
    assert again["attributes"]["modified_at"] > changed["attributes"]["modified_at"]
    # The empty query (every case) can be set, and replaced again.
    put(api, pid, rid, update(query=""))
    assert rules_of(api, pid)[0]["attributes"]["query"] == ""
    put(api, pid, rid, update(is_enabled=False))
    final = rules_of(api, pid)[0]["attributes"]
    assert (final["is_enabled"], final["query"], final["triggers"]) == (False, "", triggers)


def test_modified_by_is_recorded(
    api: Client, bob_api: Client, keys: Keys, server: Server, project: dict[str, Any]
) -> None:
    rule = create(api, project["id"])
    put(bob_api, project["id"], rule["id"], update(is_enabled=False))
    [row] = fetch(
        server,
        "SELECT created_by, modified_by FROM notification_rules WHERE id = $1",
        rule["id"],
    )
    assert str(row["created_by"]) == keys.user_id
    assert row["modified_by"] is not None
    assert str(row["modified_by"]) != keys.user_id  # bob's


# --------------------------------------------------------------------------- query


@pytest.mark.parametrize("query", ["status:open priority:P1", "title words", "", "   "])
def test_valid_queries_are_saved_as_given(api: Client, project: dict[str, Any], query: str) -> None:
    rule = create(api, project["id"], query=query)
    assert rule["attributes"]["query"] == query
    other = create(api, project["id"], query="status:open")
    put(api, project["id"], other["id"], update(query=query))
    assert rules_of(api, project["id"])[1]["attributes"]["query"] == query


@pytest.mark.parametrize("query", ["status:(", "nosuchfield:x", "priority:P9", "status:open AND"])
def test_invalid_queries_are_400_and_save_nothing(
    api: Client, server: Server, project: dict[str, Any], query: str
) -> None:
    detail = bad_request(
        api.post(base(project["id"]), json=body(query=query)), pointer=f"{A}/query"
    )
    assert detail.startswith("invalid query")
    assert stored(server, project["id"]) == 0
    rule = create(api, project["id"], query="status:open")
    r = api.put(one(project["id"], rule["id"]), json=update(is_enabled=False, query=query))
    bad_request(r, pointer=f"{A}/query")
    # Nothing of the rejected update was saved, not even the valid is_enabled.
    assert rules_of(api, project["id"]) == [rule]


def test_query_longer_than_the_language_allows(api: Client, project: dict[str, Any]) -> None:
    bad_request(api.post(base(project["id"]), json=body(query="x" * 4097)), pointer=f"{A}/query")
    bad_request(api.post(base(project["id"]), json=body(query=5)), pointer=f"{A}/query")


# --------------------------------------------------------------------------- validation

MANY_RECIPIENTS = [{"type": "HTTP", "data": {"name": f"hook-{i}"}} for i in range(51)]
MANY_TRIGGERS = [CREATED] * 21

BAD_RECIPIENTS: list[tuple[Any, str, str | None]] = [
    ([], f"{A}/recipients", "Expected `array` of length >= 1"),
    (MANY_RECIPIENTS, f"{A}/recipients", "Expected `array` of length <= 50"),
    ("EMAIL", f"{A}/recipients", None),
    ([{"type": "FAX", "data": {}}], f"{A}/recipients/0/type",
     "invalid type FAX. Must be one of EMAIL, HTTP, SLACK_CHANNEL, PAGERDUTY_SERVICE,"
     " MS_TEAMS_CHANNEL"),
    ([{"data": {"email": "a@acme.test"}}], f"{A}/recipients/0/type",
     "missing required field 'type'"),
    ([{"type": "EMAIL"}], f"{A}/recipients/0/data/email",
     "email is required for EMAIL recipients"),
    ([{"type": "EMAIL", "data": {}}], f"{A}/recipients/0/data/email", None),
    ([{"type": "EMAIL", "data": {"email": "not-an-address"}}], f"{A}/recipients/0/data/email",
     "'not-an-address' is not an email address"),
    ([{"type": "EMAIL", "data": {"email": "a b@acme.test"}}], f"{A}/recipients/0/data/email",
     None),
    ([{"type": "EMAIL", "data": {"email": ""}}], f"{A}/recipients/0/data/email", None),
    ([{"type": "EMAIL", "data": {"email": "   "}}], f"{A}/recipients/0/data/email",
     "email must not be blank"),
    ([{"type": "EMAIL", "data": {"email": "a@" + "b" * 256}}], f"{A}/recipients/0/data/email",
     None),
    ([{"type": "EMAIL", "data": {"email": 5}}], f"{A}/recipients/0/data/email", None),
    ([{"type": "EMAIL", "data": {"email": "a@acme.test", "name": "x"}}],
     f"{A}/recipients/0/data/name", "name is not used by EMAIL recipients"),
    ([{"type": "EMAIL", "data": {"email": "a@acme.test", "cc": "x"}}],
     f"{A}/recipients/0/data", "Object contains unknown field `cc`"),
    ([{"type": "EMAIL", "data": "a@acme.test"}], f"{A}/recipients/0/data", None),
    ([{"type": "HTTP", "data": {}}], f"{A}/recipients/0/data/name",
     "name is required for HTTP recipients"),
    ([{"type": "HTTP", "data": {"name": "h", "email": "a@acme.test"}}],
     f"{A}/recipients/0/data/email", "email is not used by HTTP recipients"),
    ([{"type": "SLACK_CHANNEL", "data": {"workspace": "acme"}}],
     f"{A}/recipients/0/data/channel", "channel or channel_id is required for SLACK_CHANNEL"
     " recipients"),
    ([{"type": "PAGERDUTY_SERVICE", "data": {"name": "db"}}],
     f"{A}/recipients/0/data/name", "name is not used by PAGERDUTY_SERVICE recipients"),
    ([{"type": "PAGERDUTY_SERVICE", "data": {}}], f"{A}/recipients/0/data/service_name",
     "service_name is required for PAGERDUTY_SERVICE recipients"),
    ([{"type": "MS_TEAMS_CHANNEL", "data": {"team_name": "Security"}}],
     f"{A}/recipients/0/data/channel_name",
     "channel_name is required for MS_TEAMS_CHANNEL recipients"),
    ([{"type": "MS_TEAMS_CHANNEL", "data": {"channel_name": "x", "channel": "y"}}],
     f"{A}/recipients/0/data/channel", "channel is not used by MS_TEAMS_CHANNEL recipients"),
    ([EMAIL, {"type": "HTTP", "data": {"name": "  "}}], f"{A}/recipients/1/data/name",
     "name must not be blank"),
    ([EMAIL, HTTP, EMAIL], f"{A}/recipients/2", "the same recipient as recipients/0"),
]  # fmt: skip

BAD_TRIGGERS: list[tuple[Any, str, str | None]] = [
    ([], f"{A}/triggers", "Expected `array` of length >= 1"),
    (MANY_TRIGGERS, f"{A}/triggers", "Expected `array` of length <= 20"),
    ([{"type": "CASE_DELETED"}], f"{A}/triggers/0/type",
     "invalid type CASE_DELETED. Must be one of CASE_CREATED, STATUS_TRANSITIONED,"
     " ATTRIBUTE_VALUE_CHANGED, EVENT_CORRELATION_SIGNAL_CORRELATED, COMMENT_ADDED"),
    ([{"data": {}}], f"{A}/triggers/0/type", "missing required field 'type'"),
    ([{"type": "ATTRIBUTE_VALUE_CHANGED"}], f"{A}/triggers/0/data/field",
     "field is required for ATTRIBUTE_VALUE_CHANGED triggers"),
    ([{"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"change_type": "added"}}],
     f"{A}/triggers/0/data/field", None),
    ([{"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"field": "p", "change_type": "VALUE_ADDED"}}],
     f"{A}/triggers/0/data/change_type",
     "invalid change_type VALUE_ADDED. Must be one of added, removed, changed"),
    ([{"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"field": "p", "change_type": "Added"}}],
     f"{A}/triggers/0/data/change_type", None),
    ([{"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"field": ""}}],
     f"{A}/triggers/0/data/field", None),
    ([{"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"field": " "}}],
     f"{A}/triggers/0/data/field", "field must not be blank"),
    ([{"type": "STATUS_TRANSITIONED", "data": {"from_status": "SG_OPEN"}}],
     f"{A}/triggers/0/data/from_status",
     "invalid from_status SG_OPEN. Must be one of OPEN, IN_PROGRESS, CLOSED"),
    ([{"type": "STATUS_TRANSITIONED", "data": {"to_status": "open"}}],
     f"{A}/triggers/0/data/to_status",
     "invalid to_status open. Must be one of OPEN, IN_PROGRESS, CLOSED"),
    ([{"type": "STATUS_TRANSITIONED", "data": {"to_status_name": "x" * 257}}],
     f"{A}/triggers/0/data/to_status_name", None),
    ([{"type": "STATUS_TRANSITIONED", "data": {"field": "priority"}}],
     f"{A}/triggers/0/data/field", "field is not used by STATUS_TRANSITIONED triggers"),
    ([{"type": "CASE_CREATED", "data": {"to_status": "OPEN"}}],
     f"{A}/triggers/0/data/to_status", "to_status is not used by CASE_CREATED triggers"),
    ([{"type": "COMMENT_ADDED", "data": {"comment": "x"}}], f"{A}/triggers/0/data",
     "Object contains unknown field `comment`"),
    ([CREATED, {"type": "ATTRIBUTE_VALUE_CHANGED", "data": {}}],
     f"{A}/triggers/1/data/field", None),
]  # fmt: skip


def _check_refused(
    api: Client,
    server: Server,
    project: dict[str, Any],
    payload: Any,
    change: Any,
    pointer: str,
    detail: str | None,
) -> None:
    got = bad_request(api.post(base(project["id"]), json=payload), pointer=pointer)
    if detail is not None:
        assert got == detail
    assert stored(server, project["id"]) == 0
    rule = create(api, project["id"])
    got = bad_request(api.put(one(project["id"], rule["id"]), json=change), pointer=pointer)
    if detail is not None:
        assert got == detail
    assert rules_of(api, project["id"]) == [rule]


@pytest.mark.parametrize(("recipients", "pointer", "detail"), BAD_RECIPIENTS)
def test_bad_recipients_are_400_at_their_pointer(
    api: Client,
    server: Server,
    project: dict[str, Any],
    recipients: Any,
    pointer: str,
    detail: str | None,
) -> None:
    change = update(is_enabled=False, recipients=recipients)
    _check_refused(api, server, project, body(recipients), change, pointer, detail)


@pytest.mark.parametrize(("triggers", "pointer", "detail"), BAD_TRIGGERS)
def test_bad_triggers_are_400_at_their_pointer(
    api: Client,
    server: Server,
    project: dict[str, Any],
    triggers: Any,
    pointer: str,
    detail: str | None,
) -> None:
    change = update(is_enabled=False, triggers=triggers)
    _check_refused(api, server, project, body(triggers=triggers), change, pointer, detail)


def test_the_most_recipients_and_triggers(api: Client, project: dict[str, Any]) -> None:
    recipients = MANY_RECIPIENTS[:50]
    triggers = [{"type": "CASE_CREATED", "data": {}}] * 20
    rule = create(api, project["id"], recipients=recipients, triggers=triggers)
    assert (len(rule["attributes"]["recipients"]), len(rule["attributes"]["triggers"])) == (50, 20)
    value = "x" * 256
    rule = create(
        api,
        project["id"],
        recipients=[{"type": "HTTP", "data": {"name": value}}],
        triggers=[{"type": "ATTRIBUTE_VALUE_CHANGED", "data": {"field": value}}],
    )
    assert rule["attributes"]["recipients"][0]["data"]["name"] == value


@pytest.mark.parametrize("missing", ["recipients", "triggers"])
def test_required_attributes(
    api: Client, server: Server, project: dict[str, Any], missing: str
) -> None:
    payload = body()
    del payload["data"]["attributes"][missing]
    detail = bad_request(api.post(base(project["id"]), json=payload), pointer=f"{A}/{missing}")
    assert detail == f"missing required field {missing!r}"
    assert stored(server, project["id"]) == 0


def test_bad_bodies_are_400(api: Client, server: Server, project: dict[str, Any]) -> None:
    pid = project["id"]
    payload = body()
    payload["data"]["type"] = "rule"
    detail = bad_request(api.post(base(pid), json=payload), pointer="/data/type")
    assert detail == 'got type "rule" expected one of "notification_rule"'
    bad_request(api.post(base(pid), json=body(is_enabled="yes")), pointer=f"{A}/is_enabled")
    bad_request(api.post(base(pid), json={"data": {"type": "notification_rule"}}), A)
    bad_request(api.post(base(pid), data=b"{"), pointer="")
    bad_request(api.post(base(pid), json={}), pointer="/data")
    assert stored(server, pid) == 0
    rule = create(api, pid)
    url = one(pid, rule["id"])
    bad_request(api.put(url, json={"data": {"type": "rule"}}), pointer="/data/type")
    bad_request(api.put(url, json={}), pointer="/data")
    bad_request(api.put(url, json=update(is_enabled="no")), pointer=f"{A}/is_enabled")
    bad_request(api.put(url, data=b""), pointer="")
    assert rules_of(api, pid) == [rule]


def test_bad_path_ids_are_400(api: Client, project: dict[str, Any]) -> None:
    rule = create(api, project["id"])
    bad_request(api.get(base("nope")), parameter="project_id")
    bad_request(api.post(base("nope"), json=body()), parameter="project_id")
    for method, payload in (("PUT", update(is_enabled=False)), ("DELETE", None)):
        r = api.request(method, one("nope", rule["id"]), json=payload)
        bad_request(r, parameter="project_id")
        r = api.request(method, one(project["id"], "nope"), json=payload)
        bad_request(r, parameter="notification_rule_id")
    assert rules_of(api, project["id"]) == [rule]


# --------------------------------------------------------------------------- 404 and tenants


def test_unknown_and_other_organisations_projects_are_404(
    api: Client, other_api: Client, server: Server, project: dict[str, Any]
) -> None:
    theirs = other_api.new_project()
    their_rule = create(other_api, theirs["id"])
    for project_id in (str(uuid.uuid4()), theirs["id"]):
        for r in (
            api.get(base(project_id)),
            api.post(base(project_id), json=body()),
            api.put(one(project_id, their_rule["id"]), json=update(is_enabled=False)),
            api.delete(one(project_id, their_rule["id"])),
        ):
            assert r.status_code == 404, r.text
            assert r.json() == PROJECT_NOT_FOUND
    assert rules_of(other_api, theirs["id"]) == [their_rule]
    # From the other organisation, our project does not exist either.
    mine = create(api, project["id"])
    for r in (
        other_api.get(base(project["id"])),
        other_api.post(base(project["id"]), json=body()),
        other_api.put(one(project["id"], mine["id"]), json=update(is_enabled=False)),
        other_api.delete(one(project["id"], mine["id"])),
    ):
        assert r.status_code == 404, r.text
        assert r.json() == PROJECT_NOT_FOUND
    assert rules_of(api, project["id"]) == [mine]
    assert stored(server, project["id"]) == 1


def test_a_rule_is_only_found_under_its_own_project(
    api: Client, other_api: Client, project: dict[str, Any]
) -> None:
    rule = create(api, project["id"])
    sibling = api.new_project()
    theirs = other_api.new_project()
    their_rule = create(other_api, theirs["id"])
    # Our rule under another project of ours, their rule under our project, an unknown rule.
    for project_id, rule_id in (
        (sibling["id"], rule["id"]),
        (project["id"], their_rule["id"]),
        (project["id"], str(uuid.uuid4())),
    ):
        for r in (
            api.put(one(project_id, rule_id), json=update(is_enabled=False)),
            api.delete(one(project_id, rule_id)),
        ):
            assert r.status_code == 404, r.text
            assert r.json() == RULE_NOT_FOUND
    assert rules_of(api, project["id"]) == [rule]
    assert rules_of(api, sibling["id"]) == []
    assert rules_of(other_api, theirs["id"]) == [their_rule]


def test_scopes(readonly_api: Client, api: Client, project: dict[str, Any]) -> None:
    rule = create(api, project["id"])
    for r in (
        readonly_api.post(base(project["id"]), json=body()),
        readonly_api.put(one(project["id"], rule["id"]), json=update(is_enabled=False)),
        readonly_api.delete(one(project["id"], rule["id"])),
    ):
        assert r.status_code == 403, r.text
        assert r.json()["errors"][0]["detail"] == "the application key lacks the cases_write scope"
    assert rules_of(readonly_api, project["id"]) == [rule]


def test_deleting_a_project_deletes_its_rules(api: Client, server: Server) -> None:
    project = api.new_project()
    rule = create(api, project["id"])
    assert api.delete(f"/api/v2/cases/projects/{project['id']}").status_code == 204
    assert stored(server, project["id"]) == 0
    r = api.get(base(project["id"]))
    assert r.status_code == 404
    assert r.json() == PROJECT_NOT_FOUND
    r = api.delete(one(project["id"], rule["id"]))
    assert r.status_code == 404
    assert r.json() == PROJECT_NOT_FOUND


def test_the_operations_are_datadogs() -> None:
    """Method, path and operationId of each route as Datadog's contract gives them."""
    paths = reference_contract()["paths"]
    for route in ROUTES:
        assert paths[route.path][route.method.lower()]["operationId"] == route.operation_id
    assert [r.operation_id for r in ROUTES] == [
        "GetProjectNotificationRules",
        "CreateProjectNotificationRule",
        "UpdateProjectNotificationRule",
        "DeleteProjectNotificationRule",
    ]


# --------------------------------------------------------------------------- enabled_rules


def enabled(server: Server, org_id: str, project_ids: list[str]) -> list[NotificationRule]:
    """service.enabled_rules on the server's database, through opencase's data layer."""

    async def run() -> list[NotificationRule]:
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
    status = {"type": "STATUS_TRANSITIONED", "data": {"to_status": "CLOSED"}}
    a = create(api, first["id"], query="priority:P1")
    create(api, first["id"], is_enabled=False)
    b = create(api, second["id"], recipients=[HTTP], triggers=[status])
    c = create(api, first["id"])
    later_off = create(api, second["id"])
    put(api, second["id"], later_off["id"], update(is_enabled=False))
    off_then_on = create(api, third["id"], is_enabled=False)
    put(api, third["id"], off_then_on["id"], update(is_enabled=True))
    create(api, api.new_project()["id"])  # a project not asked for
    theirs = other_api.new_project()
    create(other_api, theirs["id"])

    got = enabled(server, keys.org_id, [first["id"], second["id"], first["id"], third["id"]])
    assert [r.id for r in got] == [a["id"], b["id"], c["id"], off_then_on["id"]]
    assert got[0] == NotificationRule(
        id=a["id"],
        project_id=first["id"],
        is_enabled=True,
        query="priority:P1",
        recipients=[Recipient("EMAIL", {"email": "oncall@acme.test"})],
        triggers=[Trigger("CASE_CREATED", {})],
        created_at=got[0].created_at,
        created_by=keys.user_id,
        modified_at=None,
        modified_by=None,
    )
    assert got[1].triggers == [Trigger("STATUS_TRANSITIONED", {"to_status": "CLOSED"})]
    assert got[1].recipients == [Recipient("HTTP", {"name": "ops-hook"})]
    assert got[3].modified_by == keys.user_id
    assert enabled(server, keys.org_id, []) == []
    # Another organisation's id asks for nothing of ours, nor our projects for theirs.
    assert enabled(server, keys.org_id, [theirs["id"]]) == []
    assert enabled(server, str(uuid.uuid4()), [first["id"]]) == []


# --------------------------------------------------------------------------- Datadog's client


@pytest.fixture
def cm(server: Server, keys: Keys) -> Iterator[CaseManagementApi]:
    configuration = Configuration(host=server.base_url)
    configuration.api_key = {"apiKeyAuth": keys.api_key, "appKeyAuth": keys.app_key}
    # No notification-rule operation is unstable in this datadog-api-client.
    with ApiClient(configuration) as client:
        yield CaseManagementApi(client)


@pytest.fixture
def readonly_cm(server: Server) -> Iterator[CaseManagementApi]:
    reader = server.create_keys("acme", "client-reader@acme.test", "cases_read")
    configuration = Configuration(host=server.base_url)
    configuration.api_key = {"apiKeyAuth": reader.api_key, "appKeyAuth": reader.app_key}
    with ApiClient(configuration) as client:
        yield CaseManagementApi(client)


def test_datadogs_client_drives_every_operation(
    cm: CaseManagementApi, api: Client, project: dict[str, Any]
) -> None:
    pid = project["id"]
    request = CaseNotificationRuleCreateRequest(
        data=CaseNotificationRuleCreate(
            type=CaseNotificationRuleResourceType.NOTIFICATION_RULE,
            attributes=CaseNotificationRuleCreateAttributes(
                query="priority:P1",
                recipients=[
                    CaseNotificationRuleRecipient(
                        type="EMAIL", data=CaseNotificationRuleRecipientData(email="a@acme.test")
                    ),
                    CaseNotificationRuleRecipient(
                        type="SLACK_CHANNEL",
                        data=CaseNotificationRuleRecipientData(channel="#ops", workspace="acme"),
                    ),
                ],
                triggers=[
                    CaseNotificationRuleTrigger(type="CASE_CREATED"),
                    CaseNotificationRuleTrigger(
                        type="ATTRIBUTE_VALUE_CHANGED",
                        data=CaseNotificationRuleTriggerData(field="priority", change_type="added"),
                    ),
                ],
            ),
        )
    )
    created = cm.create_project_notification_rule(project_id=pid, body=request).data
    uuid.UUID(created.id)
    assert created.type == CaseNotificationRuleResourceType.NOTIFICATION_RULE
    attrs = created.attributes
    assert (attrs.is_enabled, attrs.query) == (True, "priority:P1")
    assert [r.type for r in attrs.recipients] == ["EMAIL", "SLACK_CHANNEL"]
    assert attrs.recipients[0].data.email == "a@acme.test"
    assert attrs.recipients[1].data.workspace == "acme"
    assert attrs.triggers[0].type == "CASE_CREATED"
    assert attrs.triggers[1].data.field == "priority"
    assert attrs.triggers[1].data.change_type == "added"
    # The attributes beyond the spec's (created_at) reach the client's model, parsed.
    raw = api.get(base(pid)).json()["data"][0]["attributes"]["created_at"]
    assert attrs["created_at"] == datetime.fromisoformat(raw.replace("Z", "+00:00"))

    listed = cm.get_project_notification_rules(project_id=pid).data
    assert [r.id for r in listed] == [created.id]
    assert listed[0].attributes.recipients[1].data.channel == "#ops"

    change = CaseNotificationRuleUpdateRequest(
        data=CaseNotificationRuleUpdate(
            type=CaseNotificationRuleResourceType.NOTIFICATION_RULE,
            attributes=CaseNotificationRuleAttributes(
                is_enabled=False,
                recipients=[
                    CaseNotificationRuleRecipient(
                        type="HTTP", data=CaseNotificationRuleRecipientData(name="ops-hook")
                    )
                ],
            ),
        )
    )
    assert (
        cm.update_project_notification_rule(
            project_id=pid, notification_rule_id=created.id, body=change
        )
        is None
    )
    [after] = cm.get_project_notification_rules(project_id=pid).data
    assert after.attributes.is_enabled is False
    assert after.attributes.query == "priority:P1"
    assert [(r.type, r.data.name) for r in after.attributes.recipients] == [("HTTP", "ops-hook")]
    assert len(after.attributes.triggers) == 2
    assert after.attributes["modified_at"] >= after.attributes["created_at"]

    # The spec's own example request (a recipient without data) is a 400 the client raises.
    bare = CaseNotificationRuleCreateRequest(
        data=CaseNotificationRuleCreate(
            type=CaseNotificationRuleResourceType.NOTIFICATION_RULE,
            attributes=CaseNotificationRuleCreateAttributes(
                recipients=[CaseNotificationRuleRecipient(type="EMAIL")],
                triggers=[CaseNotificationRuleTrigger(type="CASE_CREATED")],
            ),
        )
    )
    with pytest.raises(ApiException) as raised:
        cm.create_project_notification_rule(project_id=pid, body=bare)
    assert raised.value.status == 400

    assert (
        cm.delete_project_notification_rule(project_id=pid, notification_rule_id=created.id) is None
    )
    assert cm.get_project_notification_rules(project_id=pid).data == []
    with pytest.raises(NotFoundException):
        cm.delete_project_notification_rule(project_id=pid, notification_rule_id=created.id)
    with pytest.raises(NotFoundException):
        cm.get_project_notification_rules(project_id=str(uuid.uuid4()))


def test_datadogs_client_with_a_read_only_key(
    cm: CaseManagementApi, readonly_cm: CaseManagementApi, project: dict[str, Any]
) -> None:
    request = CaseNotificationRuleCreateRequest(
        data=CaseNotificationRuleCreate(
            type=CaseNotificationRuleResourceType.NOTIFICATION_RULE,
            attributes=CaseNotificationRuleCreateAttributes(
                recipients=[
                    CaseNotificationRuleRecipient(
                        type="PAGERDUTY_SERVICE",
                        data=CaseNotificationRuleRecipientData(service_name="db"),
                    )
                ],
                triggers=[CaseNotificationRuleTrigger(type="COMMENT_ADDED")],
                is_enabled=False,
            ),
        )
    )
    with pytest.raises(ForbiddenException):
        readonly_cm.create_project_notification_rule(project_id=project["id"], body=request)
    created = cm.create_project_notification_rule(project_id=project["id"], body=request).data
    [listed] = readonly_cm.get_project_notification_rules(project_id=project["id"]).data
    assert listed.id == created.id
    assert listed.attributes.is_enabled is False
    with pytest.raises(ForbiddenException):
        readonly_cm.delete_project_notification_rule(
            project_id=project["id"], notification_rule_id=created.id
        )

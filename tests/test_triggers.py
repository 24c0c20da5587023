"""Which triggers a case event fires (opencase.fanout.triggers), below HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from opencase.fanout.triggers import Fact, facts, fires


def one(action: str, details: dict[str, Any], status_now: int | None = None) -> Fact:
    [fact] = facts(action, details, status_now=status_now)
    return fact


def test_creation_comment_and_correlated_signal() -> None:
    assert one("case.created", {"key": "A-1"}).trigger == "CASE_CREATED"
    assert one("comment", {"message": "hi"}).event == "case.comment_added"
    added = {"added": [{"type": "EVENT_CORRELATION", "ref": "/x", "resource_id": "1"}]}
    assert one("insights.added", added).trigger == "EVENT_CORRELATION_SIGNAL_CORRELATED"
    assert facts("insights.added", {"added": [{"type": "MONITOR"}]}, status_now=None) == []


@pytest.mark.parametrize(
    "action", ["case.archived", "case.moved", "case.watched", "case.linked", "comment.updated"]
)
def test_what_fires_nothing(action: str) -> None:
    assert facts(action, {"key": {"from": "A-1", "to": "B-1"}}, status_now=0) == []


def test_status_transition_by_group_and_name() -> None:
    details = {"status": {"from": 0, "to": 2}, "status_name": {"from": "Open", "to": "Closed"},
               "closed_at": {"from": None, "to": 1}}  # fmt: skip
    fact = one("case.status_updated", details)
    assert fact.data == {"from_status": "OPEN", "to_status": "CLOSED",
                         "from_status_name": "Open", "to_status_name": "Closed"}  # fmt: skip
    assert fires("STATUS_TRANSITIONED", {"to_status": "closed"}, fact, automation=False)
    assert fires("STATUS_TRANSITIONED", {"from_status_name": "OPEN"}, fact, automation=True)
    assert not fires("STATUS_TRANSITIONED", {"to_status": "OPEN"}, fact, automation=False)
    assert not fires("STATUS_TRANSITIONED", {"to_status_name": "Triage"}, fact, automation=True)
    assert fires("STATUS_TRANSITIONED", {}, fact, automation=True)
    assert not fires("CASE_CREATED", {}, fact, automation=True)
    # A new status name in the same group: the group comes from the case.
    renamed = one("case.status_updated", {"status_name": {"from": "New", "to": "Triage"}}, 1)
    assert (renamed.data["from_status"], renamed.data["to_status"]) == ("IN_PROGRESS",) * 2


def test_attribute_changes_per_field_with_change_types() -> None:
    details = {
        "attributes": {"from": {"team": ["a"], "env": ["prod"]}, "to": {"team": ["a", "b"]}},
        "priority": {"from": 3, "to": 1},
    }
    found = {f.data["field"]: f for f in facts("case.attributes_updated", details, status_now=0)}
    assert set(found) == {"team", "env", "priority"}
    assert found["team"].data["change_types"] == ["changed", "added"]
    assert found["env"].data["change_types"] == ["changed", "removed"]
    team, env = found["team"], found["env"]
    assert fires("ATTRIBUTE_VALUE_CHANGED", {"field": "team", "change_type": "VALUE_ADDED"}, team,
                 automation=True)  # fmt: skip
    assert not fires("ATTRIBUTE_VALUE_CHANGED", {"field": "team", "change_type": "VALUE_DELETED"},
                     team, automation=True)  # fmt: skip
    assert fires("ATTRIBUTE_VALUE_CHANGED", {"field": "env", "change_type": "removed"}, env,
                 automation=False)  # fmt: skip
    assert fires("ATTRIBUTE_VALUE_CHANGED", {"field": "attributes.TEAM"}, team, automation=False)
    assert not fires("ATTRIBUTE_VALUE_CHANGED", {"field": "service"}, team, automation=False)
    assignee = one("case.assigned", {"assignee_id": {"from": None, "to": "u1"}})
    assert assignee.data["field"] == "assignee" and "added" in assignee.data["change_types"]
    custom = facts("case.custom_attribute_updated",
                   {"custom_attributes": {"from": {}, "to": {"region": {"value": "eu"}}}},
                   status_now=0)  # fmt: skip
    assert [f.data["field"] for f in custom] == ["region"]

"""Automation rules as the domain sees them: plain values, no wire format."""

from __future__ import annotations

import msgspec

TRIGGER_TYPES = (
    "CASE_CREATED",
    "STATUS_TRANSITIONED",
    "ATTRIBUTE_VALUE_CHANGED",
    "EVENT_CORRELATION_SIGNAL_CORRELATED",
    "CASE_REVIEW_APPROVED",
    "COMMENT_ADDED",
)
ACTION_TYPES = ("EXECUTE_WORKFLOW", "ASSIGN_AGENT")
STATES = ("ENABLED", "DISABLED")


class Trigger(msgspec.Struct, frozen=True):
    type: str  # one of TRIGGER_TYPES
    data: dict[str, str] = {}  # from_status_name, to_status_name, field, change_type, ...


class Action(msgspec.Struct, frozen=True):
    type: str  # one of ACTION_TYPES
    data: dict[str, str] = {}  # handle (EXECUTE_WORKFLOW); agent_type, assigned_agent_id


class AutomationRule(msgspec.Struct, frozen=True):
    id: str
    project_id: str
    name: str
    state: str  # ENABLED or DISABLED
    trigger: Trigger
    action: Action
    created_at: int
    created_by: str
    modified_at: int | None
    modified_by: str | None

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

NAME_MAX = 200
DATA_VALUE_MAX = 256  # every trigger.data and action.data value: 1-256 characters, not blank
# ATTRIBUTE_VALUE_CHANGED's change_type; absent means DEFAULT_CHANGE_TYPE (stored absent).
CHANGE_TYPES = ("VALUE_ADDED", "VALUE_DELETED", "ANY_CHANGES")
DEFAULT_CHANGE_TYPE = "ANY_CHANGES"

# The keys trigger.data may hold, per trigger type: (required, optional).
TRIGGER_DATA_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "CASE_CREATED": ((), ()),
    "STATUS_TRANSITIONED": ((), ("from_status_name", "to_status_name")),  # absent: any status
    "ATTRIBUTE_VALUE_CHANGED": (("field",), ("change_type",)),
    "EVENT_CORRELATION_SIGNAL_CORRELATED": ((), ()),
    "CASE_REVIEW_APPROVED": ((), ("approval_type",)),
    "COMMENT_ADDED": ((), ()),
}
# The keys action.data may hold, per action type: (required, optional).
ACTION_DATA_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "EXECUTE_WORKFLOW": (("handle",), ()),
    "ASSIGN_AGENT": (("agent_type", "assigned_agent_id"), ()),
}


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

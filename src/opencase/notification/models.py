"""Notification rules as the domain sees them: plain values, no wire format."""

from __future__ import annotations

import msgspec

TRIGGER_TYPES = (
    "CASE_CREATED",
    "STATUS_TRANSITIONED",
    "ATTRIBUTE_VALUE_CHANGED",
    "EVENT_CORRELATION_SIGNAL_CORRELATED",
    "COMMENT_ADDED",
)
RECIPIENT_TYPES = ("EMAIL", "HTTP", "SLACK_CHANNEL", "PAGERDUTY_SERVICE", "MS_TEAMS_CHANNEL")

RECIPIENTS_MAX = 50
TRIGGERS_MAX = 20
QUERY_MAX = 4_096  # as the query language's own limit
DATA_VALUE_MAX = 256  # every recipient.data and trigger.data value: 1-256 characters, not blank
# STATUS_TRANSITIONED's from_status / to_status: a status group.
STATUS_GROUPS = ("OPEN", "IN_PROGRESS", "CLOSED")
# ATTRIBUTE_VALUE_CHANGED's change_type; absent means any change.
CHANGE_TYPES = ("added", "removed", "changed")

# The keys trigger.data may hold, per trigger type: (required, optional).
TRIGGER_DATA_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "CASE_CREATED": ((), ()),
    "STATUS_TRANSITIONED": (
        (),
        ("from_status", "to_status", "from_status_name", "to_status_name"),  # absent: any
    ),
    "ATTRIBUTE_VALUE_CHANGED": (("field",), ("change_type",)),
    "EVENT_CORRELATION_SIGNAL_CORRELATED": ((), ()),
    "COMMENT_ADDED": ((), ()),
}
# The keys recipient.data may hold, per recipient type: (one of these is required, optional).
RECIPIENT_DATA_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "EMAIL": (("email",), ()),
    "HTTP": (("name",), ()),  # a webhook's name (opencase webhooks create), as given
    "SLACK_CHANNEL": (("channel", "channel_id"), ("workspace", "workspace_id")),
    "PAGERDUTY_SERVICE": (("service_name",), ()),
    "MS_TEAMS_CHANNEL": (
        ("channel_name",),
        ("connector_name", "team_id", "team_name", "tenant_id", "tenant_name"),
    ),
}


class Trigger(msgspec.Struct, frozen=True):
    type: str  # one of TRIGGER_TYPES
    data: dict[str, str] = {}  # from_status(_name), to_status(_name), field, change_type


class Recipient(msgspec.Struct, frozen=True):
    type: str  # one of RECIPIENT_TYPES
    data: dict[str, str] = {}  # email / name / channel / service_name / channel_name, ...


class NotificationRule(msgspec.Struct, frozen=True):
    id: str
    project_id: str
    is_enabled: bool
    query: str  # case query language text; "" matches every case of the project
    recipients: list[Recipient]
    triggers: list[Trigger]
    created_at: int
    created_by: str
    modified_at: int | None
    modified_by: str | None

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

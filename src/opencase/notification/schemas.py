"""Notification rules on the wire: CaseNotificationRuleCreateRequest,
CaseNotificationRuleUpdateRequest, CaseNotificationRuleResponse and
CaseNotificationRulesResponse of Datadog's spec.

`recipients[].data` and `triggers[].data` refuse members the spec does not name (400 at the
data object); which of the named members a recipient or trigger type takes is the service's
check. Datadog's spec leaves a recipient's and a trigger's `type` optional; opencase requires it
(a recipient or trigger without a type means nothing).
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

import msgspec
from msgspec import Meta

from opencase.core.clock import rfc3339, rfc3339_opt
from opencase.http.errors import ENUM_CHOICES
from opencase.notification.models import (
    DATA_VALUE_MAX,
    QUERY_MAX,
    RECIPIENT_TYPES,
    RECIPIENTS_MAX,
    STATUS_GROUPS,
    TRIGGER_TYPES,
    TRIGGERS_MAX,
    NotificationRule,
    Recipient,
    Trigger,
)

TriggerType = Literal[
    "CASE_CREATED",
    "STATUS_TRANSITIONED",
    "ATTRIBUTE_VALUE_CHANGED",
    "EVENT_CORRELATION_SIGNAL_CORRELATED",
    "COMMENT_ADDED",
]
RecipientType = Literal["EMAIL", "HTTP", "SLACK_CHANNEL", "PAGERDUTY_SERVICE", "MS_TEAMS_CHANNEL"]
StatusGroup = Literal["OPEN", "IN_PROGRESS", "CLOSED"]
assert get_args(TriggerType) == TRIGGER_TYPES
assert get_args(RecipientType) == RECIPIENT_TYPES
assert get_args(StatusGroup) == STATUS_GROUPS

# "invalid type X. Must be one of …", as for the other enumerations. (change_type is checked
# by the service: "data/change_type" names the automation rules' change types.)
ENUM_CHOICES["triggers/type"] = TRIGGER_TYPES
ENUM_CHOICES["recipients/type"] = RECIPIENT_TYPES
ENUM_CHOICES["data/from_status"] = STATUS_GROUPS
ENUM_CHOICES["data/to_status"] = STATUS_GROUPS

Value = Annotated[str, Meta(min_length=1, max_length=DATA_VALUE_MAX)]
Query = Annotated[str, Meta(max_length=QUERY_MAX)]


class CaseNotificationRuleRecipientData(
    msgspec.Struct, frozen=True, omit_defaults=True, forbid_unknown_fields=True
):
    """Members absent or null are not set."""

    channel: Value | None = None
    channel_id: Value | None = None
    channel_name: Value | None = None
    connector_name: Value | None = None
    email: Value | None = None
    name: Value | None = None
    service_name: Value | None = None
    team_id: Value | None = None
    team_name: Value | None = None
    tenant_id: Value | None = None
    tenant_name: Value | None = None
    workspace: Value | None = None
    workspace_id: Value | None = None


class CaseNotificationRuleTriggerData(
    msgspec.Struct, frozen=True, omit_defaults=True, forbid_unknown_fields=True
):
    """Members absent or null are not set."""

    change_type: Value | None = None
    field: Value | None = None
    from_status: StatusGroup | None = None
    from_status_name: Value | None = None
    to_status: StatusGroup | None = None
    to_status_name: Value | None = None


class CaseNotificationRuleRecipient(msgspec.Struct, frozen=True):
    type: RecipientType
    data: CaseNotificationRuleRecipientData | None = None


class CaseNotificationRuleTrigger(msgspec.Struct, frozen=True):
    type: TriggerType
    data: CaseNotificationRuleTriggerData | None = None


Recipients = Annotated[
    list[CaseNotificationRuleRecipient], Meta(min_length=1, max_length=RECIPIENTS_MAX)
]
Triggers = Annotated[list[CaseNotificationRuleTrigger], Meta(min_length=1, max_length=TRIGGERS_MAX)]


class CaseNotificationRuleCreateAttributes(msgspec.Struct, frozen=True):
    recipients: Recipients
    triggers: Triggers
    is_enabled: bool | None = None  # None: true
    query: Query | None = None  # None: "" (every case of the project)


class CaseNotificationRuleCreate(msgspec.Struct, frozen=True):
    type: Literal["notification_rule"]
    attributes: CaseNotificationRuleCreateAttributes


class CaseNotificationRuleCreateRequest(msgspec.Struct, frozen=True):
    data: CaseNotificationRuleCreate


class CaseNotificationRuleUpdateAttributes(msgspec.Struct, frozen=True):
    """Each attribute absent or null is left as it is; one given replaces the current value."""

    is_enabled: bool | None = None
    query: Query | None = None
    recipients: Recipients | None = None
    triggers: Triggers | None = None


class CaseNotificationRuleUpdate(msgspec.Struct, frozen=True):
    type: Literal["notification_rule"]
    attributes: CaseNotificationRuleUpdateAttributes = CaseNotificationRuleUpdateAttributes()


class CaseNotificationRuleUpdateRequest(msgspec.Struct, frozen=True):
    data: CaseNotificationRuleUpdate


class CaseNotificationRuleRecipientOut(msgspec.Struct, frozen=True):
    type: str
    data: dict[str, str]


class CaseNotificationRuleTriggerOut(msgspec.Struct, frozen=True):
    type: str
    data: dict[str, str]


class CaseNotificationRuleAttributes(msgspec.Struct, frozen=True, omit_defaults=True):
    is_enabled: bool
    query: str
    recipients: list[CaseNotificationRuleRecipientOut]
    triggers: list[CaseNotificationRuleTriggerOut]
    created_at: str
    modified_at: str | None = None


class CaseNotificationRuleResource(msgspec.Struct, frozen=True):
    id: str
    attributes: CaseNotificationRuleAttributes
    type: Literal["notification_rule"] = "notification_rule"


class CaseNotificationRuleResponse(msgspec.Struct, frozen=True):
    data: CaseNotificationRuleResource


class CaseNotificationRulesResponse(msgspec.Struct, frozen=True):
    data: list[CaseNotificationRuleResource]


def _data(data: msgspec.Struct | None) -> dict[str, str]:
    if data is None:
        return {}
    return {k: v for k, v in msgspec.structs.asdict(data).items() if v is not None}


def recipients_from_wire(recipients: list[CaseNotificationRuleRecipient]) -> list[Recipient]:
    return [Recipient(type=r.type, data=_data(r.data)) for r in recipients]


def triggers_from_wire(triggers: list[CaseNotificationRuleTrigger]) -> list[Trigger]:
    return [Trigger(type=t.type, data=_data(t.data)) for t in triggers]


def rule_resource(rule: NotificationRule) -> CaseNotificationRuleResource:
    return CaseNotificationRuleResource(
        id=rule.id,
        attributes=CaseNotificationRuleAttributes(
            is_enabled=rule.is_enabled,
            query=rule.query,
            recipients=[
                CaseNotificationRuleRecipientOut(type=r.type, data=dict(r.data))
                for r in rule.recipients
            ],
            triggers=[
                CaseNotificationRuleTriggerOut(type=t.type, data=dict(t.data))
                for t in rule.triggers
            ],
            created_at=rfc3339(rule.created_at),
            modified_at=rfc3339_opt(rule.modified_at),
        ),
    )

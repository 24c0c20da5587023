"""Automation rules on the wire: AutomationRuleCreateRequest, AutomationRuleUpdateRequest,
AutomationRuleResponse and AutomationRulesResponse of Datadog's spec.

`trigger.data` and `action.data` refuse members the spec does not name (400); which of the named
members a trigger or action type takes is the service's check.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

import msgspec
from msgspec import Meta

from opencase.automation.models import (
    ACTION_TYPES,
    CHANGE_TYPES,
    DATA_VALUE_MAX,
    NAME_MAX,
    STATES,
    TRIGGER_TYPES,
    Action,
    AutomationRule,
    Trigger,
)
from opencase.core.clock import rfc3339, rfc3339_opt
from opencase.http.errors import ENUM_CHOICES
from opencase.http.jsonapi import UserRef, UserRelationship

TriggerType = Literal[
    "CASE_CREATED",
    "STATUS_TRANSITIONED",
    "ATTRIBUTE_VALUE_CHANGED",
    "EVENT_CORRELATION_SIGNAL_CORRELATED",
    "CASE_REVIEW_APPROVED",
    "COMMENT_ADDED",
]
ActionType = Literal["EXECUTE_WORKFLOW", "ASSIGN_AGENT"]
State = Literal["ENABLED", "DISABLED"]
ChangeType = Literal["VALUE_ADDED", "VALUE_DELETED", "ANY_CHANGES"]
assert get_args(TriggerType) == TRIGGER_TYPES
assert get_args(ActionType) == ACTION_TYPES
assert get_args(State) == STATES
assert get_args(ChangeType) == CHANGE_TYPES

# "invalid type X. Must be one of …", as for the other enumerations.
ENUM_CHOICES["trigger/type"] = TRIGGER_TYPES
ENUM_CHOICES["action/type"] = ACTION_TYPES
ENUM_CHOICES["data/change_type"] = CHANGE_TYPES
ENUM_CHOICES["attributes/state"] = STATES

Name = Annotated[str, Meta(min_length=1, max_length=NAME_MAX)]
Value = Annotated[str, Meta(min_length=1, max_length=DATA_VALUE_MAX)]


class AutomationRuleTriggerData(
    msgspec.Struct, frozen=True, omit_defaults=True, forbid_unknown_fields=True
):
    """Members absent or null are not set."""

    approval_type: Value | None = None
    change_type: ChangeType | None = None
    field: Value | None = None
    from_status_name: Value | None = None
    to_status_name: Value | None = None


class AutomationRuleTrigger(msgspec.Struct, frozen=True, omit_defaults=True):
    type: TriggerType
    data: AutomationRuleTriggerData | None = None


class AutomationRuleActionData(
    msgspec.Struct, frozen=True, omit_defaults=True, forbid_unknown_fields=True
):
    """Members absent or null are not set."""

    agent_type: Value | None = None
    assigned_agent_id: Value | None = None
    handle: Value | None = None


class AutomationRuleAction(msgspec.Struct, frozen=True):
    type: ActionType
    data: AutomationRuleActionData


class AutomationRuleCreateAttributes(msgspec.Struct, frozen=True):
    name: Name
    trigger: AutomationRuleTrigger
    action: AutomationRuleAction
    state: State | None = None  # None: ENABLED


class AutomationRuleCreate(msgspec.Struct, frozen=True):
    type: Literal["rule"]
    attributes: AutomationRuleCreateAttributes


class AutomationRuleCreateRequest(msgspec.Struct, frozen=True):
    data: AutomationRuleCreate


class AutomationRuleUpdateAttributes(msgspec.Struct, frozen=True):
    """Each attribute absent or null is left as it is; one given replaces the current value."""

    name: Name | None = None
    trigger: AutomationRuleTrigger | None = None
    action: AutomationRuleAction | None = None
    state: State | None = None


class AutomationRuleUpdate(msgspec.Struct, frozen=True):
    type: Literal["rule"]
    attributes: AutomationRuleUpdateAttributes = AutomationRuleUpdateAttributes()


class AutomationRuleUpdateRequest(msgspec.Struct, frozen=True):
    data: AutomationRuleUpdate


class AutomationRuleAttributes(msgspec.Struct, frozen=True, omit_defaults=True):
    name: str
    state: State
    trigger: AutomationRuleTrigger
    action: AutomationRuleAction
    created_at: str
    modified_at: str | None = None


class AutomationRuleRelationships(msgspec.Struct, frozen=True, omit_defaults=True):
    created_by: UserRelationship | None = None
    modified_by: UserRelationship | None = None


class AutomationRuleResource(msgspec.Struct, frozen=True):
    id: str
    attributes: AutomationRuleAttributes
    relationships: AutomationRuleRelationships
    type: Literal["rule"] = "rule"


class AutomationRuleResponse(msgspec.Struct, frozen=True):
    data: AutomationRuleResource


class AutomationRulesResponse(msgspec.Struct, frozen=True):
    data: list[AutomationRuleResource]


def _data(struct: msgspec.Struct) -> dict[str, str]:
    """The members set, as the domain keeps them."""
    return {k: v for k, v in msgspec.structs.asdict(struct).items() if v is not None}


def trigger_from_wire(trigger: AutomationRuleTrigger) -> Trigger:
    return Trigger(type=trigger.type, data={} if trigger.data is None else _data(trigger.data))


def action_from_wire(action: AutomationRuleAction) -> Action:
    return Action(type=action.type, data=_data(action.data))


def _user(user_id: str | None) -> UserRelationship | None:
    return None if user_id is None else UserRelationship(UserRef(user_id))


def rule_resource(rule: AutomationRule) -> AutomationRuleResource:
    # convert, not the constructors: the domain holds plain strings where the wire has enums.
    attributes = msgspec.convert(
        {
            "name": rule.name,
            "state": rule.state,
            "trigger": {"type": rule.trigger.type, "data": rule.trigger.data or None},
            "action": {"type": rule.action.type, "data": rule.action.data},
            "created_at": rfc3339(rule.created_at),
            "modified_at": rfc3339_opt(rule.modified_at),
        },
        AutomationRuleAttributes,
    )
    return AutomationRuleResource(
        id=rule.id,
        attributes=attributes,
        relationships=AutomationRuleRelationships(
            created_by=_user(rule.created_by),
            modified_by=_user(rule.modified_by),
        ),
    )

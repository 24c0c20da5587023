"""Automation rules: when a trigger fires on a case of a project, run an action.

Semantics (see also the README, "Automation rules"):

- A rule belongs to one project of the caller's organisation and is shared by the whole
  organisation: `cases_read` reads rules, `cases_write` creates, changes, enables, disables and
  deletes them. Every operation names the project in its path: an unknown project, or one of
  another organisation, is 404 `project not found`; an unknown rule, one of another
  organisation, or one of another project of the organisation than the path names, is 404
  `rule not found` (never a hint that it exists elsewhere).
- `name` is 1-200 characters and not blank (400 at `/data/attributes/name`). `state` is ENABLED
  or DISABLED and defaults to ENABLED on creation.
- `trigger.type` is one of TRIGGER_TYPES and `action.type` one of ACTION_TYPES (400 at
  `/data/attributes/trigger/type`, `/data/attributes/action/type`). `trigger.data` is optional
  (absent, null and `{}` alike: no conditions); `action.data` is required, as in Datadog's spec.
- Which members each data object takes (models.TRIGGER_DATA_KEYS, models.ACTION_DATA_KEYS):
  STATUS_TRANSITIONED: `from_status_name`, `to_status_name`, both optional (absent: any status);
  ATTRIBUTE_VALUE_CHANGED: `field` (required) and `change_type` (VALUE_ADDED, VALUE_DELETED or
  ANY_CHANGES; stored as given, absent stored absent and meaning ANY_CHANGES);
  CASE_REVIEW_APPROVED: `approval_type`, optional; the other triggers: none.
  EXECUTE_WORKFLOW: `handle` (required); ASSIGN_AGENT: `agent_type` and `assigned_agent_id`
  (both required). A required member missing is a 400 at its pointer (such as
  `/data/attributes/action/data/handle`).
- Decision, members not taken: a member the spec does not name at all is refused while decoding
  (400 at the data object, the detail names it); a member the spec names but that the type does
  not take (`field` on a STATUS_TRANSITIONED trigger, `handle` on ASSIGN_AGENT) is a 400 at its
  own pointer. Nothing is ignored silently: a misspelt condition would otherwise make a rule fire
  on every case. `null` is as if the member were absent. Unknown attributes beside `name`,
  `trigger`, `action` and `state` are ignored, as everywhere in the API.
- Every data value is 1-256 characters and not blank. Status names, field names, workflow handles
  and agent ids are stored as given, not checked against the case types or any registry: a rule
  may be created before its workflow exists (a delivery to an unknown handle fails later).
- ListCaseAutomationRules returns the project's rules oldest first (`created_at`, then `id`).
- UpdateCaseAutomationRule replaces the attributes it is given (a trigger or action given
  replaces the whole trigger or action) and keeps the others; absent and `null` are not given.
  It validates what it is given as creation does, and saves nothing when any of it is invalid.
  When something changes, `modified_at` and `modified_by` are set; an update that changes
  nothing writes nothing (as case views, projects and case types).
- Enable and Disable set the state and return the rule; they are idempotent: a rule already in
  that state is returned unchanged (no `modified_at` change).
- Rules go with their project when the project is deleted (foreign key, ON DELETE CASCADE).

Concurrency: creation locks the project row (so a project deleted meanwhile is a 404, never a
foreign key error); an update, enable or disable locks the rule row.
"""

from __future__ import annotations

import uuid

import msgspec

from opencase.automation import sql
from opencase.automation.models import (
    ACTION_DATA_KEYS,
    ACTION_TYPES,
    CHANGE_TYPES,
    DATA_VALUE_MAX,
    NAME_MAX,
    STATES,
    TRIGGER_DATA_KEYS,
    TRIGGER_TYPES,
    Action,
    AutomationRule,
    Trigger,
)
from opencase.core.clock import now_us
from opencase.core.db import Connection, Database, Row
from opencase.core.errors import InvalidInput
from opencase.identity.models import Principal
from opencase.project.lookup import not_found_under, require_project

_ATTRS = "/data/attributes"


def _from_row(row: Row) -> AutomationRule:
    return AutomationRule(
        id=str(row["id"]),
        project_id=str(row["project_id"]),
        name=row["name"],
        state=row["state"],
        trigger=msgspec.json.decode(row["trigger"], type=Trigger),
        action=msgspec.json.decode(row["action"], type=Action),
        created_at=row["created_at"],
        created_by=str(row["created_by"]),
        modified_at=row["modified_at"],
        modified_by=None if row["modified_by"] is None else str(row["modified_by"]),
    )


def _json(value: Trigger | Action) -> str:
    return msgspec.json.encode(value).decode()


def _check_name(name: str) -> str:
    pointer = f"{_ATTRS}/name"
    if not 1 <= len(name) <= NAME_MAX:
        raise InvalidInput(f"name must be 1-{NAME_MAX} characters", pointer=pointer)
    if not name.strip():
        raise InvalidInput("name must not be blank", pointer=pointer)
    return name


def _check_state(state: str) -> str:
    if state not in STATES:
        raise InvalidInput(
            f"invalid state {state}. Must be one of {', '.join(STATES)}",
            pointer=f"{_ATTRS}/state",
        )
    return state


def _check_data(
    kind: str,
    type_: str,
    data: dict[str, str],
    keys: tuple[tuple[str, ...], tuple[str, ...]],
) -> None:
    """The members of trigger.data or action.data against what the type takes."""
    pointer = f"{_ATTRS}/{kind}/data"
    required, optional = keys
    for key in sorted(data):
        if key not in required and key not in optional:
            raise InvalidInput(f"{key} is not used by {type_} {kind}s", pointer=f"{pointer}/{key}")
    for key in required:
        if key not in data:
            raise InvalidInput(f"{key} is required for {type_} {kind}s", pointer=f"{pointer}/{key}")
    for key in sorted(data):
        value = data[key]
        if not isinstance(value, str) or not 1 <= len(value) <= DATA_VALUE_MAX:
            raise InvalidInput(
                f"{key} must be a string of 1-{DATA_VALUE_MAX} characters",
                pointer=f"{pointer}/{key}",
            )
        if not value.strip():
            raise InvalidInput(f"{key} must not be blank", pointer=f"{pointer}/{key}")


def _check_trigger(trigger: Trigger) -> Trigger:
    if trigger.type not in TRIGGER_TYPES:
        raise InvalidInput(
            f"invalid type {trigger.type}. Must be one of {', '.join(TRIGGER_TYPES)}",
            pointer=f"{_ATTRS}/trigger/type",
        )
    _check_data("trigger", trigger.type, trigger.data, TRIGGER_DATA_KEYS[trigger.type])
    change_type = trigger.data.get("change_type")
    if change_type is not None and change_type not in CHANGE_TYPES:
        raise InvalidInput(
            f"invalid change_type {change_type}. Must be one of {', '.join(CHANGE_TYPES)}",
            pointer=f"{_ATTRS}/trigger/data/change_type",
        )
    return trigger


def _check_action(action: Action) -> Action:
    if action.type not in ACTION_TYPES:
        raise InvalidInput(
            f"invalid type {action.type}. Must be one of {', '.join(ACTION_TYPES)}",
            pointer=f"{_ATTRS}/action/type",
        )
    _check_data("action", action.type, action.data, ACTION_DATA_KEYS[action.type])
    return action


async def create_rule(
    *,
    db: Database,
    who: Principal,
    project_id: str,
    name: str,
    trigger: Trigger,
    action: Action,
    state: str | None,
) -> AutomationRule:
    """Create a rule in a project of the organisation (ENABLED unless `state` says otherwise)."""
    rule = AutomationRule(
        id=str(uuid.uuid4()),
        project_id=project_id,
        name=_check_name(name),
        state=_check_state("ENABLED" if state is None else state),
        trigger=_check_trigger(trigger),
        action=_check_action(action),
        created_at=now_us(),
        created_by=who.user_id,
        modified_at=None,
        modified_by=None,
    )
    async with db.transaction() as conn:
        await require_project(conn, org_id=who.org_id, project_id=project_id, lock=True)
        await conn.execute(
            sql.INSERT,
            rule.id,
            rule.project_id,
            rule.name,
            rule.state,
            _json(rule.trigger),
            _json(rule.action),
            rule.created_at,
            rule.created_by,
            rule.modified_at,
            rule.modified_by,
            who.org_id,
        )
    return rule


async def list_rules(*, db: Database, who: Principal, project_id: str) -> list[AutomationRule]:
    """The rules of a project of the organisation, oldest first."""
    async with db.snapshot() as conn:
        await require_project(conn, org_id=who.org_id, project_id=project_id)
        rows = await conn.fetch(sql.LIST, who.org_id, project_id)
    return [_from_row(r) for r in rows]


async def get_rule(
    *, db: Database, who: Principal, project_id: str, rule_id: str
) -> AutomationRule:
    """One rule of a project of the organisation."""
    async with db.snapshot() as conn:
        row = await conn.fetchrow(sql.GET, who.org_id, project_id, rule_id)
        if row is None:
            raise await not_found_under(conn, org_id=who.org_id, project_id=project_id, kind="rule")
    return _from_row(row)


async def update_rule(
    *,
    db: Database,
    who: Principal,
    project_id: str,
    rule_id: str,
    name: str | None,
    trigger: Trigger | None,
    action: Action | None,
    state: str | None,
) -> AutomationRule:
    """Replace the attributes given (None: kept); unchanged values write nothing."""
    if name is not None:
        _check_name(name)
    if trigger is not None:
        _check_trigger(trigger)
    if action is not None:
        _check_action(action)
    if state is not None:
        _check_state(state)
    async with db.transaction() as conn:
        row = await conn.fetchrow(sql.GET_FOR_UPDATE, who.org_id, project_id, rule_id)
        if row is None:
            raise await not_found_under(conn, org_id=who.org_id, project_id=project_id, kind="rule")
        current = _from_row(row)
        new = msgspec.structs.replace(
            current,
            name=current.name if name is None else name,
            trigger=current.trigger if trigger is None else trigger,
            action=current.action if action is None else action,
            state=current.state if state is None else state,
        )
        if new == current:
            return current
        # Always after the last change, so modified_at only moves forward.
        at = max(now_us(), (current.modified_at or current.created_at) + 1)
        new = msgspec.structs.replace(new, modified_at=at, modified_by=who.user_id)
        await conn.execute(
            sql.UPDATE,
            who.org_id,
            project_id,
            rule_id,
            new.name,
            new.state,
            _json(new.trigger),
            _json(new.action),
            new.modified_at,
            new.modified_by,
        )
    return new


async def set_state(
    *, db: Database, who: Principal, project_id: str, rule_id: str, state: str
) -> AutomationRule:
    """Enable or disable a rule; one already in that state is returned unchanged."""
    return await update_rule(
        db=db,
        who=who,
        project_id=project_id,
        rule_id=rule_id,
        name=None,
        trigger=None,
        action=None,
        state=state,
    )


async def delete_rule(*, db: Database, who: Principal, project_id: str, rule_id: str) -> None:
    """Delete a rule of a project of the organisation."""
    async with db.transaction() as conn:
        if not await conn.execute(sql.DELETE, who.org_id, project_id, rule_id):
            raise await not_found_under(conn, org_id=who.org_id, project_id=project_id, kind="rule")


async def enabled_rules(
    conn: Connection, *, org_id: str, project_ids: list[str]
) -> list[AutomationRule]:
    """The ENABLED rules of those projects of the organisation (one query), oldest first."""
    ids = list(dict.fromkeys(project_ids))
    if not ids:
        return []
    rows = await conn.fetch(sql.enabled_in(len(ids)), org_id, *ids)
    return [_from_row(r) for r in rows]

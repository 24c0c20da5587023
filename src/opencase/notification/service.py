"""Notification rules: which changes of which cases of a project reach which recipients.

Semantics (see also the README, "Notification rules"):

- A rule belongs to one project of the caller's organisation and is shared by the whole
  organisation: `cases_read` lists rules, `cases_write` creates, updates and deletes them.
  Every operation names the project in its path: an unknown project, or one of another
  organisation, is 404 `project not found`; an unknown rule, one of another organisation, or
  one of another project of the organisation than the path names, is 404
  `notification_rule not found` (never a hint that it exists elsewhere).
- `is_enabled` defaults to true (absent or null on creation). Only enabled rules notify
  (`enabled_rules`, read by the outbox's fan-out).
- `query` is optional: absent, null or "" means every case of the project. Otherwise it is
  case query language text, checked by `opencase.query.check_query` against the organisation
  (a 400 at `/data/attributes/query` that saves nothing), and stored as given. A case must
  match it (and be in the rule's project) to be notified.
- `recipients` is required, 1-50 of them (400 at `/data/attributes/recipients` otherwise). Each
  has a `type` of RECIPIENT_TYPES and the data member that type needs (models.
  RECIPIENT_DATA_KEYS): EMAIL `email` (an address: something@somewhere, no spaces), HTTP `name`
  (a webhook's name, `opencase webhooks create`, stored as given and not checked against the
  registry: a rule may be created before its webhook; a delivery to an unknown name fails
  later), SLACK_CHANNEL `channel` or `channel_id` (and optionally `workspace`,
  `workspace_id`), PAGERDUTY_SERVICE `service_name`, MS_TEAMS_CHANNEL `channel_name` (and
  optionally `connector_name`, `team_id`, `team_name`, `tenant_id`, `tenant_name`). A required
  member missing is a 400 at its pointer (`/data/attributes/recipients/0/data/email`). The same
  recipient (type and data) twice in one rule is a 400 at the second one: it would be
  notified twice.
- `triggers` is required, 1-20 of them. Each has a `type` of TRIGGER_TYPES. STATUS_TRANSITIONED
  takes `from_status` / `to_status` (a status group: OPEN, IN_PROGRESS, CLOSED) and/or
  `from_status_name` / `to_status_name` (a status name, stored as given), all optional
  (absent: any status). ATTRIBUTE_VALUE_CHANGED requires `field` (a field name, stored as
  given) and takes `change_type` (`added`, `removed` or `changed`; absent: any change). The
  other trigger types take no data. A rule notifies once per change however many of its
  triggers fire.
- Decision, members not taken: a member the spec does not name at all is refused while
  decoding (400 at the data object, the detail names it); a member the spec names but that
  the type does not take (`email` on an HTTP recipient, `field` on CASE_CREATED) is a 400 at
  its own pointer. Nothing is ignored silently: a misspelt condition would otherwise notify
  on every change. `null` is as if the member were absent. Every data value is 1-256
  characters and not blank.
- The response has the spec's attributes (`is_enabled`, `query`, `recipients`, `triggers`;
  each recipient and trigger with its `data`, `{}` when it has none) plus `created_at` and,
  once changed, `modified_at` (RFC 3339, UTC).
- GetProjectNotificationRules returns the project's rules oldest first (`created_at`, `id`).
- UpdateProjectNotificationRule replaces the attributes it is given (recipients or triggers
  given replace the whole list) and keeps the others; absent and `null` are not given. It
  validates what it is given as creation does, saves nothing when any of it is invalid, and
  answers 204 without a body (as Datadog's spec). When something changes, `modified_at` and
  `modified_by` are set; an update that changes nothing writes nothing.
- Rules go with their project when the project is deleted (foreign key, ON DELETE CASCADE).

Concurrency: creation locks the project row (so a project deleted meanwhile is a 404, never a
foreign key error); an update locks the rule row.
"""

from __future__ import annotations

import re
import uuid

import msgspec

from opencase.core.clock import now_us
from opencase.core.db import Connection, Database, Row
from opencase.core.errors import InvalidInput
from opencase.identity.models import Principal
from opencase.notification import sql
from opencase.notification.models import (
    CHANGE_TYPES,
    DATA_VALUE_MAX,
    RECIPIENT_DATA_KEYS,
    RECIPIENT_TYPES,
    RECIPIENTS_MAX,
    TRIGGER_DATA_KEYS,
    TRIGGER_TYPES,
    TRIGGERS_MAX,
    NotificationRule,
    Recipient,
    Trigger,
)
from opencase.project.lookup import not_found_under, require_project
from opencase.query import check_query
from opencase.query.errors import blamed_on

_ATTRS = "/data/attributes"
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def _from_row(row: Row) -> NotificationRule:
    return NotificationRule(
        id=str(row["id"]),
        project_id=str(row["project_id"]),
        is_enabled=bool(row["is_enabled"]),
        query=row["query"],
        recipients=msgspec.json.decode(row["recipients"], type=list[Recipient]),
        triggers=msgspec.json.decode(row["triggers"], type=list[Trigger]),
        created_at=row["created_at"],
        created_by=str(row["created_by"]),
        modified_at=row["modified_at"],
        modified_by=None if row["modified_by"] is None else str(row["modified_by"]),
    )


def _json(value: list[Recipient] | list[Trigger]) -> str:
    return msgspec.json.encode(value).decode()


def _check_values(pointer: str, data: dict[str, str]) -> None:
    for key in sorted(data):
        value = data[key]
        if not isinstance(value, str) or not 1 <= len(value) <= DATA_VALUE_MAX:
            raise InvalidInput(
                f"{key} must be a string of 1-{DATA_VALUE_MAX} characters",
                pointer=f"{pointer}/{key}",
            )
        if not value.strip():
            raise InvalidInput(f"{key} must not be blank", pointer=f"{pointer}/{key}")


def _check_count(name: str, items: list[Recipient] | list[Trigger], most: int) -> None:
    if not 1 <= len(items) <= most:
        raise InvalidInput(f"{name} must hold 1 to {most} items", pointer=f"{_ATTRS}/{name}")


def check_recipients(recipients: list[Recipient]) -> list[Recipient]:
    """Each recipient's type and data (models.RECIPIENT_DATA_KEYS); no recipient twice."""
    _check_count("recipients", recipients, RECIPIENTS_MAX)
    seen: dict[tuple[str, tuple[tuple[str, str], ...]], int] = {}
    for i, recipient in enumerate(recipients):
        here = f"{_ATTRS}/recipients/{i}"
        if recipient.type not in RECIPIENT_TYPES:
            raise InvalidInput(
                f"invalid type {recipient.type}. Must be one of {', '.join(RECIPIENT_TYPES)}",
                pointer=f"{here}/type",
            )
        one_of, optional = RECIPIENT_DATA_KEYS[recipient.type]
        data = recipient.data
        for key in sorted(data):
            if key not in one_of and key not in optional:
                raise InvalidInput(
                    f"{key} is not used by {recipient.type} recipients",
                    pointer=f"{here}/data/{key}",
                )
        if not any(key in data for key in one_of):
            needed = " or ".join(one_of)
            raise InvalidInput(
                f"{needed} is required for {recipient.type} recipients",
                pointer=f"{here}/data/{one_of[0]}",
            )
        _check_values(f"{here}/data", data)
        if "email" in data and not _EMAIL.fullmatch(data["email"]):
            raise InvalidInput(
                f"{data['email']!r} is not an email address", pointer=f"{here}/data/email"
            )
        same = (recipient.type, tuple(sorted(data.items())))
        if same in seen:
            raise InvalidInput(f"the same recipient as recipients/{seen[same]}", pointer=f"{here}")
        seen[same] = i
    return recipients


def check_triggers(triggers: list[Trigger]) -> list[Trigger]:
    """Each trigger's type and data (models.TRIGGER_DATA_KEYS)."""
    _check_count("triggers", triggers, TRIGGERS_MAX)
    for i, trigger in enumerate(triggers):
        here = f"{_ATTRS}/triggers/{i}"
        if trigger.type not in TRIGGER_TYPES:
            raise InvalidInput(
                f"invalid type {trigger.type}. Must be one of {', '.join(TRIGGER_TYPES)}",
                pointer=f"{here}/type",
            )
        required, optional = TRIGGER_DATA_KEYS[trigger.type]
        data = trigger.data
        for key in sorted(data):
            if key not in required and key not in optional:
                raise InvalidInput(
                    f"{key} is not used by {trigger.type} triggers", pointer=f"{here}/data/{key}"
                )
        for key in required:
            if key not in data:
                raise InvalidInput(
                    f"{key} is required for {trigger.type} triggers",
                    pointer=f"{here}/data/{key}",
                )
        _check_values(f"{here}/data", data)
        change_type = data.get("change_type")
        if change_type is not None and change_type not in CHANGE_TYPES:
            raise InvalidInput(
                f"invalid change_type {change_type}. Must be one of {', '.join(CHANGE_TYPES)}",
                pointer=f"{here}/data/change_type",
            )
    return triggers


async def _check_query(conn: Connection, who: Principal, query: str) -> None:
    if query == "":
        return  # every case of the project
    with blamed_on(pointer=f"{_ATTRS}/query"):
        await check_query(conn, org_id=who.org_id, text=query)


async def create_rule(
    *,
    db: Database,
    who: Principal,
    project_id: str,
    is_enabled: bool | None,
    query: str | None,
    recipients: list[Recipient],
    triggers: list[Trigger],
) -> NotificationRule:
    """Create a notification rule in a project of the organisation."""
    rule = NotificationRule(
        id=str(uuid.uuid4()),
        project_id=project_id,
        is_enabled=True if is_enabled is None else is_enabled,
        query=query or "",
        recipients=check_recipients(recipients),
        triggers=check_triggers(triggers),
        created_at=now_us(),
        created_by=who.user_id,
        modified_at=None,
        modified_by=None,
    )
    async with db.transaction() as conn:
        await require_project(conn, org_id=who.org_id, project_id=project_id, lock=True)
        await _check_query(conn, who, rule.query)
        await conn.execute(
            sql.INSERT,
            rule.id,
            rule.project_id,
            rule.is_enabled,
            rule.query,
            _json(rule.recipients),
            _json(rule.triggers),
            rule.created_at,
            rule.created_by,
            rule.modified_at,
            rule.modified_by,
            who.org_id,
        )
    return rule


async def list_rules(*, db: Database, who: Principal, project_id: str) -> list[NotificationRule]:
    """The notification rules of a project of the organisation, oldest first."""
    async with db.snapshot() as conn:
        await require_project(conn, org_id=who.org_id, project_id=project_id)
        rows = await conn.fetch(sql.LIST, who.org_id, project_id)
    return [_from_row(r) for r in rows]


async def update_rule(
    *,
    db: Database,
    who: Principal,
    project_id: str,
    rule_id: str,
    is_enabled: bool | None,
    query: str | None,
    recipients: list[Recipient] | None,
    triggers: list[Trigger] | None,
) -> NotificationRule:
    """Replace the attributes given (None: not given); unchanged values write nothing."""
    if recipients is not None:
        check_recipients(recipients)
    if triggers is not None:
        check_triggers(triggers)
    async with db.transaction() as conn:
        row = await conn.fetchrow(sql.GET_FOR_UPDATE, who.org_id, project_id, rule_id)
        if row is None:
            raise await not_found_under(
                conn, org_id=who.org_id, project_id=project_id, kind="notification_rule"
            )
        current = _from_row(row)
        if query is not None:
            await _check_query(conn, who, query)
        new = msgspec.structs.replace(
            current,
            is_enabled=current.is_enabled if is_enabled is None else is_enabled,
            query=current.query if query is None else query,
            recipients=current.recipients if recipients is None else recipients,
            triggers=current.triggers if triggers is None else triggers,
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
            new.is_enabled,
            new.query,
            _json(new.recipients),
            _json(new.triggers),
            new.modified_at,
            new.modified_by,
        )
    return new


async def delete_rule(*, db: Database, who: Principal, project_id: str, rule_id: str) -> None:
    """Delete a notification rule of a project of the organisation."""
    async with db.transaction() as conn:
        if not await conn.execute(sql.DELETE, who.org_id, project_id, rule_id):
            raise await not_found_under(
                conn, org_id=who.org_id, project_id=project_id, kind="notification_rule"
            )


async def enabled_rules(
    conn: Connection, *, org_id: str, project_ids: list[str]
) -> list[NotificationRule]:
    """The enabled notification rules of these projects of the organisation, oldest first
    (`created_at`, then `id`), in one query. For the outbox's fan-out."""
    wanted = list(dict.fromkeys(project_ids))
    if not wanted:
        return []
    rows = await conn.fetch(sql.enabled(len(wanted)), org_id, *wanted)
    return [_from_row(r) for r in rows]

"""Fan-out: the worker turns each committed change (an outbox row of kind "change", written
with its case event) into the deliveries that the rules of the case's project call for, and
deletes the change, in one transaction. So a change is fanned out once, rules apply as they
are when the worker reads them (normally milliseconds after the commit), and the case in a
delivery is the case as it was then.

- Automation rules (ENABLED) whose trigger fires (fanout.triggers) each make one delivery:
  EXECUTE_WORKFLOW to the workflow registered under the action's `handle` (kind workflow),
  ASSIGN_AGENT to the agent registered under its `assigned_agent_id` (kind agent).
- Notification rules (enabled) with a trigger that fires and a query that matches the case
  (the search language, evaluated by the database exactly as a search would) make one
  delivery per recipient: EMAIL (email), HTTP (webhook, by name), SLACK_CHANNEL (slack),
  PAGERDUTY_SERVICE (pagerduty), MS_TEAMS_CHANNEL (teams).
- While a maintenance window whose query matches the case is running (start_at <= change
  time < end_at; any one of several overlapping windows is enough), its notifications are
  written as suppressed: listed and shown in the case timeline, never sent. Automation
  actions are not notifications and are not suppressed.
- What opencase's own deliveries record on a case (a delivery's outcome, a Jira key, an
  agent's assignment) is not a change: no rule reacts to it, so no rule triggers itself.
- A rule or window whose query no longer resolves (say, a custom attribute was deleted)
  matches nothing, and says so in the log.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec

from opencase.automation.models import AutomationRule
from opencase.automation.service import enabled_rules as automation_rules
from opencase.case.schemas import case_response
from opencase.case.service import find_case, load_view
from opencase.core.clock import rfc3339
from opencase.core.db import Connection, Database, Row
from opencase.core.errors import NotFound
from opencase.event.service import record_system_many
from opencase.fanout import sql
from opencase.fanout.triggers import Fact, facts, fires
from opencase.maintenance.service import active_windows
from opencase.notification.models import NotificationRule
from opencase.notification.service import enabled_rules as notification_rules
from opencase.outbox.service import enqueue, outcome_event
from opencase.query.compile import compile_query
from opencase.query.errors import QueryError

log = logging.getLogger("opencase.fanout")

RECIPIENT_KINDS = {
    "EMAIL": "email",
    "HTTP": "webhook",
    "SLACK_CHANNEL": "slack",
    "PAGERDUTY_SERVICE": "pagerduty",
    "MS_TEAMS_CHANNEL": "teams",
}
ACTION_KINDS = {"EXECUTE_WORKFLOW": "workflow", "ASSIGN_AGENT": "agent"}

_decode = msgspec.json.decode
_to_builtins = msgspec.to_builtins


class _Batch:
    """What one fan-out transaction reads once: rules per project, windows per organisation,
    and whether a query matches a case."""

    def __init__(self, conn: Connection, engine: str) -> None:
        self.conn = conn
        self.engine = engine
        self._automation: dict[tuple[str, str], list[AutomationRule]] = {}
        self._notification: dict[tuple[str, str], list[NotificationRule]] = {}
        self._windows: dict[tuple[str, int], list[Any]] = {}

    async def automation(self, org_id: str, project_id: str) -> list[AutomationRule]:
        key = (org_id, project_id)
        if key not in self._automation:
            self._automation[key] = await automation_rules(
                self.conn, org_id=org_id, project_ids=[project_id]
            )
        return self._automation[key]

    async def notification(self, org_id: str, project_id: str) -> list[NotificationRule]:
        key = (org_id, project_id)
        if key not in self._notification:
            self._notification[key] = await notification_rules(
                self.conn, org_id=org_id, project_ids=[project_id]
            )
        return self._notification[key]

    async def windows(self, org_id: str, at: int) -> list[Any]:
        key = (org_id, at)
        if key not in self._windows:
            self._windows[key] = await active_windows(self.conn, org_id=org_id, at=at)
        return self._windows[key]

    async def matches(self, org_id: str, case_id: str, query: str, what: str) -> bool:
        if not query.strip():
            return True
        try:
            compiled = await compile_query(self.conn, org_id=org_id, text=query, engine=self.engine)
        except QueryError as exc:
            log.warning("%s no longer has a valid query (%s): it matches nothing", what, exc)
            return False
        found = await self.conn.fetchval(
            sql.matching(compiled.where, len(compiled.args)), *compiled.args, case_id
        )
        return found is not None


def _payload(fact: Fact, event: Row, case_wire: dict[str, Any], rule: dict[str, str]) -> Any:
    return {
        "created_at": rfc3339(event["created_at"]),
        "change": {
            "trigger": fact.trigger,
            "action": event["action"],
            "actor_id": str(event["actor_id"]),
            **fact.data,
        },
        "rule": rule,
        **case_wire,
    }


async def _facts_and_case(conn: Connection, event: Row, change: Row) -> tuple[list[Fact], Any]:
    """The facts of a change's event and its case (no facts, no case read: most changes of
    most cases fire nothing, and cost only their share of the batch's event read)."""
    details = _decode(event["details"])
    found = facts(event["action"], details, status_now=None)
    if not found:
        return [], None
    try:
        case = await find_case(conn, str(change["org_id"]), str(change["case_id"]))
    except NotFound:
        return [], None
    if any(f.trigger == "STATUS_TRANSITIONED" for f in found) and "status" not in details:
        found = facts(event["action"], details, status_now=case.status)
    return found, case


async def _fan_out_one(batch: _Batch, change: Row, event: Row) -> None:
    conn = batch.conn
    org_id, case_id = str(change["org_id"]), str(change["case_id"])
    found, case = await _facts_and_case(conn, event, change)
    if not found:
        return
    wire = _to_builtins(case_response(await load_view(conn, org_id, case)))
    at = event["created_at"]
    for rule in await batch.automation(org_id, case.project_id):
        for fact in found:
            if fires(rule.trigger.type, rule.trigger.data, fact, automation=True):
                await enqueue(
                    conn, org_id=org_id, case_id=case_id, event=fact.event,
                    target_kind=ACTION_KINDS[rule.action.type], target_id=rule.id,
                    payload=_payload(fact, event, wire, {"type": "rule", "id": rule.id}),
                    recipient={"type": rule.action.type, **rule.action.data},
                )  # fmt: skip
                break
    await _notify(batch, event, case_id, case.project_id, found, wire, at, org_id)


async def _notify(
    batch: _Batch,
    event: Row,
    case_id: str,
    project_id: str,
    found: list[Fact],
    wire: dict[str, Any],
    at: int,
    org_id: str,
) -> None:
    suppressed_by: str | bool | None = False  # False: not looked up yet
    for rule in await batch.notification(org_id, project_id):
        fact = next(
            (f for f in found for t in rule.triggers if fires(t.type, t.data, f, automation=False)),
            None,
        )
        if fact is None or not await batch.matches(
            org_id, case_id, rule.query, f"notification rule {rule.id}"
        ):
            continue
        if suppressed_by is False:
            suppressed_by = None
            for window in await batch.windows(org_id, at):
                if await batch.matches(org_id, case_id, window.query, f"window {window.id}"):
                    suppressed_by = window.id
                    break
        payload = _payload(fact, event, wire, {"type": "notification_rule", "id": rule.id})
        for recipient in rule.recipients:
            kind = RECIPIENT_KINDS[recipient.type]
            delivery_id = await enqueue(
                batch.conn, org_id=org_id, case_id=case_id, event=fact.event, target_kind=kind,
                target_id=rule.id, payload=payload,
                recipient={"type": recipient.type, **recipient.data},
                suppressed=suppressed_by is not None,
            )  # fmt: skip
            if suppressed_by is not None:
                outcome = outcome_event(
                    org_id=org_id, case_id=case_id, delivery_id=delivery_id,
                    event=fact.event, target_kind=kind, recipient=recipient.data,
                    state="suppressed", attempts=0, error=None,
                    extra={"maintenance_window_id": suppressed_by},
                )  # fmt: skip
                await record_system_many(batch.conn, [outcome])


async def fan_out(db: Database, changes: list[Row], lease: int) -> None:
    """Turn claimed changes (held until `lease`) into their deliveries, in one transaction:
    per organisation, one read of their events and one delete of the changes."""
    by_org: dict[str, list[Row]] = {}
    for change in changes:
        by_org.setdefault(str(change["org_id"]), []).append(change)
    async with db.transaction() as conn:
        batch = _Batch(conn, db.engine)
        for org_id, mine in by_org.items():
            keys = [str(x) for c in mine for x in (c["case_id"], c["id"])]
            events = {
                str(e["id"]): e for e in await conn.fetch(sql.events(len(mine)), org_id, *keys)
            }
            for change in mine:
                event = events.get(str(change["id"]))
                if event is not None:  # else the case is gone, and its events with it
                    await _fan_out_one(batch, change, event)
            ids = [str(c["id"]) for c in mine]
            if await conn.execute(sql.done(len(ids)), org_id, lease, *ids) != len(ids):
                raise RuntimeError(f"{len(ids)} changes: a lease ran out during their fan-out")

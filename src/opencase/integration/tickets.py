"""A case's Jira issue and ServiceNow ticket, kept in cases.tickets as the API shows them:
{"jira_issue": {"status": IN_PROGRESS|COMPLETED|FAILED, "result": {...}},
 "service_now_ticket": {...}, "pending": {"jira_issue": <delivery id>, ...}}.
`pending` names the delivery that will fill an IN_PROGRESS ticket in: a late answer to a
request the user has since unlinked (or replaced) changes nothing."""

from __future__ import annotations

from typing import Any

import msgspec

from opencase.core.db import Connection
from opencase.integration import sql

JIRA, SERVICENOW = "jira_issue", "service_now_ticket"

_encode = msgspec.json.encode


async def locked_tickets(conn: Connection, org_id: str, case_id: str) -> dict[str, Any]:
    """The case's tickets, its row locked for this transaction ({} when the case is gone)."""
    raw = await conn.fetchval(sql.TICKETS_FOR_UPDATE, org_id, case_id)
    tickets: dict[str, Any] = {} if raw is None else msgspec.json.decode(raw)
    return tickets


def encoded(tickets: dict[str, Any]) -> str | None:
    pending = {k: v for k, v in tickets.get("pending", {}).items() if v}
    kept = {k: v for k, v in tickets.items() if k != "pending" and v is not None}
    if pending:
        kept["pending"] = pending
    return _encode(kept).decode() if kept else None


async def settle(
    conn: Connection,
    *,
    org_id: str,
    case_id: str,
    system: str,
    delivery_id: str,
    ticket: dict[str, Any],
) -> bool:
    """Fill in the ticket a delivery was asked to create, if the case still waits for that
    delivery; whether it did."""
    tickets = await locked_tickets(conn, org_id, case_id)
    if tickets.get("pending", {}).get(system) != delivery_id:
        return False
    tickets[system] = ticket
    tickets["pending"] = {**tickets["pending"], system: None}
    await conn.execute(sql.SET_TICKETS, org_id, case_id, encoded(tickets))
    return True

"""The case record: one event per change, written in the transaction that makes the change."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from opencase.core.db import Connection
from opencase.event import sql
from opencase.outbox.sql import CHANGE_ROW

_encode = msgspec.json.Encoder().encode

# The author of what opencase itself records on a case (no user has this id).
SYSTEM_ACTOR = "00000000-0000-0000-0000-000000000000"


async def record(
    conn: Connection,
    *,
    org_id: str,
    case_id: str,
    actor_id: str,
    at: int,
    action: str,
    details: dict[str, Any],
    event_id: str | None = None,
) -> str:
    """Append one event (who, when, what) to a case's record, and the change (an outbox row
    with the event's id) that rules and notifications react to, once it commits; its id."""
    event_id = event_id or str(uuid.uuid4())
    await conn.execute(
        sql.INSERT_EVENT, org_id, case_id, event_id, at, actor_id, action, _encode(details).decode()
    )
    await conn.execute(CHANGE_ROW, org_id, event_id, case_id, action, at)
    return event_id


async def record_system(
    conn: Connection, *, org_id: str, case_id: str, at: int, action: str, details: dict[str, Any]
) -> None:
    """Append an event by opencase itself (SYSTEM_ACTOR), if the case still exists. It is not
    a change: no rule reacts to it (so no rule's action can trigger that rule again)."""
    await record_system_many(conn, [system_event(org_id, case_id, at, action, details)])


SystemEvent = tuple[str, str, str, int, str, str, str]


def system_event(
    org_id: str, case_id: str, at: int, action: str, details: dict[str, Any]
) -> SystemEvent:
    """An event by opencase itself, for record_system_many."""
    encoded = _encode(details).decode()
    return (org_id, case_id, str(uuid.uuid4()), at, SYSTEM_ACTOR, action, encoded)


async def record_system_many(conn: Connection, events: list[SystemEvent]) -> None:
    """record_system for several events, in one exchange with the database."""
    if events:
        await conn.executemany(sql.INSERT_EVENT_IF_CASE, events)

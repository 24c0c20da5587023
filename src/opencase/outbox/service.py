"""Writing deliveries (in the caller's transaction), listing them and retrying dead ones."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from opencase.case.service import find_case
from opencase.core.clock import now_us
from opencase.core.db import Connection, Database
from opencase.core.errors import InvalidInput, NotFound
from opencase.event.service import SystemEvent, system_event
from opencase.identity.service import org_id_named
from opencase.outbox import sql

_encode = msgspec.json.Encoder().encode


class Delivery(msgspec.Struct, frozen=True):
    """One delivery as an operator sees it (never the target's secret)."""

    id: str
    case_id: str | None
    event: str
    target_kind: str
    target: str  # kind:who, e.g. `webhook:ops` or `email:oncall@example.com`
    created_at: int
    state: str  # pending, delivered or dead
    attempts: int
    next_attempt_at: int
    last_error: str | None
    delivered_at: int | None


_STATE_NAMES = {v: k for k, v in sql.STATES.items()}


async def enqueue(
    conn: Connection,
    *,
    org_id: str,
    case_id: str | None,
    event: str,
    target_kind: str,
    target_id: str,
    payload: dict[str, Any],
    recipient: dict[str, Any] | None = None,
    suppressed: bool = False,
) -> str:
    """Write a delivery in the caller's transaction (it exists only if that commits); its id,
    which is also its idempotency key. A suppressed delivery is recorded, never sent."""
    delivery_id = str(uuid.uuid4())
    body = _encode({"id": delivery_id, "event": event, **payload}).decode()
    await conn.execute(
        sql.ENQUEUE, org_id, delivery_id, case_id, event, target_kind, target_id, body, now_us(),
        None if recipient is None else _encode(recipient).decode(),
        sql.SUPPRESSED if suppressed else sql.PENDING,
    )  # fmt: skip
    return delivery_id


def describe(target_kind: str, recipient: dict[str, Any] | None, webhook: str | None) -> str:
    """Who a delivery goes to, for people: `email:a@b.example`, `webhook:ops`, ..."""
    if recipient is None:
        return f"{target_kind}:{webhook if webhook is not None else '(deleted)'}"
    for key in ("email", "name", "handle", "assigned_agent_id", "channel", "channel_id",
                "service_name", "channel_name", "project_id", "instance_name"):  # fmt: skip
        if recipient.get(key):
            return f"{target_kind}:{recipient[key]}"
    return target_kind


def outcome_event(
    *,
    org_id: str,
    case_id: str,
    delivery_id: str,
    event: str,
    target_kind: str,
    recipient: dict[str, Any] | None,
    state: str,
    attempts: int,
    error: str | None,
    extra: dict[str, Any] | None = None,
) -> SystemEvent:
    """A delivery's outcome (delivered, dead or suppressed) as an event `case.delivery` of its
    case's timeline, by the system user (record_system_many writes it; nothing when the case
    is gone). Not a change."""
    details = {
        "delivery_id": delivery_id,
        "event": event,
        "target": describe(target_kind, recipient, None),
        "state": state,
        "attempts": attempts,
        **({"last_error": error} if error else {}),
        **(extra or {}),
    }
    return system_event(org_id, case_id, now_us(), "case.delivery", details)


async def list_deliveries(
    *,
    db: Database,
    org_name: str,
    state: str | None = None,
    case_ref: str | None = None,
    limit: int = 100,
) -> list[Delivery]:
    """The organisation's deliveries, oldest first, optionally in one state or of one case
    (its UUID or key)."""
    if state is not None and state not in sql.STATES:
        raise InvalidInput(f"state must be one of {', '.join(sql.STATES)}")
    org_id = await org_id_named(db=db, org_name=org_name)
    async with db.snapshot() as conn:
        args: list[Any] = [org_id, limit]
        if case_ref is not None:
            args.append((await find_case(conn, org_id, case_ref)).id)
        if state is not None:
            args.append(sql.STATES[state])
        statement = {
            (False, False): sql.LIST,
            (False, True): sql.LIST_IN_STATE,
            (True, False): sql.LIST_OF_CASE,
            (True, True): sql.LIST_OF_CASE_IN_STATE,
        }[case_ref is not None, state is not None]
        rows = await conn.fetch(statement, *args)
    return [
        Delivery(
            id=str(r["id"]),
            case_id=None if r["case_id"] is None else str(r["case_id"]),
            event=r["event"],
            target_kind=r["target_kind"],
            target=describe(
                r["target_kind"],
                None if r["recipient"] is None else msgspec.json.decode(r["recipient"]),
                r["target"],
            ),
            created_at=r["created_at"],
            state=_STATE_NAMES[r["state"]],
            attempts=r["attempts"],
            next_attempt_at=r["next_attempt_at"],
            last_error=r["last_error"],
            delivered_at=r["delivered_at"],
        )
        for r in rows
    ]


async def retry_delivery(*, db: Database, org_name: str, delivery_id: str) -> None:
    """Make a dead delivery pending again, due now, with a fresh count of tries."""
    try:
        delivery_id = str(uuid.UUID(delivery_id))
    except ValueError:
        raise InvalidInput(f"{delivery_id!r} is not a delivery id") from None
    org_id = await org_id_named(db=db, org_name=org_name)
    async with db.transaction() as conn:
        if not await conn.execute(sql.RETRY, org_id, delivery_id, now_us()):
            raise NotFound("dead delivery")

"""Writing deliveries (in the caller's transaction), listing them and retrying dead ones."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from opencase.core.clock import now_us
from opencase.core.db import Connection, Database
from opencase.core.errors import InvalidInput, NotFound
from opencase.identity.service import org_id_named
from opencase.outbox import sql

_encode = msgspec.json.Encoder().encode


class Delivery(msgspec.Struct, frozen=True):
    """One delivery as an operator sees it (never the target's secret)."""

    id: str
    case_id: str | None
    event: str
    target_kind: str
    target: str | None  # the webhook's name; None once the webhook is deleted
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
) -> str:
    """Write a delivery in the caller's transaction (it exists only if that commits); its id,
    which is also its idempotency key."""
    delivery_id = str(uuid.uuid4())
    body = _encode({"id": delivery_id, "event": event, **payload}).decode()
    await conn.execute(
        sql.ENQUEUE, org_id, delivery_id, case_id, event, target_kind, target_id, body, now_us()
    )
    return delivery_id


async def list_deliveries(
    *, db: Database, org_name: str, state: str | None = None, limit: int = 100
) -> list[Delivery]:
    """The organisation's deliveries, oldest first, optionally in one state."""
    if state is not None and state not in sql.STATES:
        raise InvalidInput(f"state must be one of {', '.join(sql.STATES)}")
    org_id = await org_id_named(db=db, org_name=org_name)
    async with db.snapshot() as conn:
        if state is None:
            rows = await conn.fetch(sql.LIST, org_id, limit)
        else:
            rows = await conn.fetch(sql.LIST_IN_STATE, org_id, limit, sql.STATES[state])
    return [
        Delivery(
            id=str(r["id"]),
            case_id=None if r["case_id"] is None else str(r["case_id"]),
            event=r["event"],
            target_kind=r["target_kind"],
            target=r["target"],
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

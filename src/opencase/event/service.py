"""The case record: one event per change, written in the transaction that makes the change."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from opencase.core.db import Connection
from opencase.event import sql

_encode = msgspec.json.Encoder().encode


async def record(
    conn: Connection,
    *,
    org_id: str,
    case_id: str,
    actor_id: str,
    at: int,
    action: str,
    details: dict[str, Any],
) -> None:
    """Append one event (who, when, what) to a case's record."""
    await conn.execute(
        sql.INSERT_EVENT,
        org_id,
        case_id,
        str(uuid.uuid4()),
        at,
        actor_id,
        action,
        _encode(details).decode(),
    )

"""Maintenance windows: time ranges in which the notifications of matching cases are held back.

Semantics (see also the README, "Maintenance windows"):

- A window belongs to the caller's organisation (not to a project; its query may name
  projects). `event_correlation_config_read` lists windows, `event_correlation_config_write`
  creates, updates and deletes them, as in Datadog's spec. A window of another organisation is
  a plain 404 `maintenance_window not found`, as an unknown one is.
- `name` is 1-200 characters and not blank (400 at `/data/attributes/name`).
- `query` is required: case query language text, checked by `opencase.query.check_query`
  against the organisation on creation and on every update that gives it (400 at
  `/data/attributes/query`, nothing saved), stored as given. The empty query, which the query
  language accepts, matches every case of the organisation.
- `start_at` and `end_at` are RFC 3339 date-times with an offset (`Z` or `±hh:mm`), such as
  `2026-06-01T00:00:00Z` or `2026-06-01T02:00:00.5+02:00`; anything else (no offset, a date
  alone, an impossible date, an instant before 1970 or after 9999) is a 400 at its pointer.
  Digits beyond microseconds are dropped.
  They are stored as microseconds and answered in UTC (`2026-06-01T00:00:00.000000Z`).
  `end_at` must be after `start_at` (400 at `/data/attributes/end_at`); the window runs from
  `start_at` (inclusive) to `end_at` (exclusive). Windows in the past are accepted (and never
  match again).
- Windows may overlap: a notification is suppressed when ANY running window's query matches
  its case (`active_windows` returns them all).
- ListMaintenanceWindows returns the organisation's windows by `start_at`, then `id`.
- The response has the spec's attributes: `name`, `query`, `start_at`, `end_at`, `created_by`
  (the creator's user UUID) and `updated_by` (the UUID of the user who wrote it last: the
  creator until someone updates it).
- UpdateMaintenanceWindow replaces the attributes it is given and keeps the others (absent and
  `null`: not given), checks `start_at` < `end_at` again with the merged values (400 at
  `/data/attributes/end_at`, or at `/data/attributes/start_at` when the update gave only
  `start_at`), and saves nothing when any of it is invalid. An update that changes nothing
  writes nothing.

Concurrency: an update locks the window row.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta, timezone

import msgspec

from opencase.core.clock import now_us
from opencase.core.db import Connection, Database, Row
from opencase.core.errors import InvalidInput, NotFound
from opencase.identity.models import Principal
from opencase.maintenance import sql
from opencase.maintenance.models import MaintenanceWindow
from opencase.query import check_query
from opencase.query.errors import blamed_on

_ATTRS = "/data/attributes"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:[Zz]|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)


def _from_row(row: Row) -> MaintenanceWindow:
    return MaintenanceWindow(
        id=str(row["id"]),
        name=row["name"],
        query=row["query"],
        start_at=row["start_at"],
        end_at=row["end_at"],
        created_at=row["created_at"],
        created_by=str(row["created_by"]),
        modified_at=row["modified_at"],
        modified_by=None if row["modified_by"] is None else str(row["modified_by"]),
    )


def parse_time(text: str, field: str) -> int:
    """An RFC 3339 date-time with an offset, as microseconds since the epoch; else a 400 at
    `/data/attributes/<field>`."""
    m = _RFC3339.fullmatch(text)
    moment = None
    if m is not None:
        year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
        micros = int((m[7] or "").ljust(6, "0")[:6])
        sign, off_h, off_m = m[8], m[9], m[10]
        try:
            offset = timedelta(0)
            if sign is not None:
                if int(off_m) > 59:
                    raise ValueError("offset minutes")
                offset = timedelta(hours=int(off_h), minutes=int(off_m))
                offset = -offset if sign == "-" else offset
            local = datetime(
                year, month, day, hour, minute, second, micros, tzinfo=timezone(offset)
            )
            moment = local.astimezone(UTC)
        except (ValueError, OverflowError):
            moment = None
    if moment is None:
        raise InvalidInput(
            f"{field} must be an RFC 3339 date-time with an offset, such as"
            f" 2026-06-01T00:00:00Z; got {text!r}",
            pointer=f"{_ATTRS}/{field}",
        )
    if moment < _EPOCH:
        raise InvalidInput(f"{field} must not be before 1970", pointer=f"{_ATTRS}/{field}")
    return (moment - _EPOCH) // _MICROSECOND


def _check_name(name: str) -> str:
    if not name.strip():
        raise InvalidInput("name must not be blank", pointer=f"{_ATTRS}/name")
    return name


def _check_span(start_at: int, end_at: int, field: str = "end_at") -> None:
    if end_at <= start_at:
        raise InvalidInput("end_at must be after start_at", pointer=f"{_ATTRS}/{field}")


async def _check_query(conn: Connection, who: Principal, query: str) -> None:
    with blamed_on(pointer=f"{_ATTRS}/query"):
        await check_query(conn, org_id=who.org_id, text=query)


async def create_window(
    *, db: Database, who: Principal, name: str, query: str, start_at: str, end_at: str
) -> MaintenanceWindow:
    """Create a maintenance window of the organisation."""
    _check_name(name)
    start, end = parse_time(start_at, "start_at"), parse_time(end_at, "end_at")
    _check_span(start, end)
    window = MaintenanceWindow(
        id=str(uuid.uuid4()),
        name=name,
        query=query,
        start_at=start,
        end_at=end,
        created_at=now_us(),
        created_by=who.user_id,
        modified_at=None,
        modified_by=None,
    )
    async with db.transaction() as conn:
        await _check_query(conn, who, query)
        await conn.execute(
            sql.INSERT,
            window.id,
            window.name,
            window.query,
            window.start_at,
            window.end_at,
            window.created_at,
            window.created_by,
            window.modified_at,
            window.modified_by,
            who.org_id,
        )
    return window


async def list_windows(*, db: Database, who: Principal) -> list[MaintenanceWindow]:
    """The organisation's maintenance windows, by start_at then id."""
    async with db.snapshot() as conn:
        rows = await conn.fetch(sql.LIST, who.org_id)
    return [_from_row(r) for r in rows]


async def update_window(
    *,
    db: Database,
    who: Principal,
    window_id: str,
    name: str | None,
    query: str | None,
    start_at: str | None,
    end_at: str | None,
) -> MaintenanceWindow:
    """Replace the attributes given (None: not given); unchanged values write nothing."""
    if name is not None:
        _check_name(name)
    start = None if start_at is None else parse_time(start_at, "start_at")
    end = None if end_at is None else parse_time(end_at, "end_at")
    if start is not None and end is not None:
        _check_span(start, end)
    async with db.transaction() as conn:
        row = await conn.fetchrow(sql.GET_FOR_UPDATE, who.org_id, window_id)
        if row is None:
            raise NotFound("maintenance_window")
        current = _from_row(row)
        new = msgspec.structs.replace(
            current,
            name=current.name if name is None else name,
            query=current.query if query is None else query,
            start_at=current.start_at if start is None else start,
            end_at=current.end_at if end is None else end,
        )
        _check_span(new.start_at, new.end_at, "start_at" if end is None else "end_at")
        if query is not None:
            await _check_query(conn, who, query)
        if new == current:
            return current
        # Always after the last change, so modified_at only moves forward.
        at = max(now_us(), (current.modified_at or current.created_at) + 1)
        new = msgspec.structs.replace(new, modified_at=at, modified_by=who.user_id)
        await conn.execute(
            sql.UPDATE,
            who.org_id,
            window_id,
            new.name,
            new.query,
            new.start_at,
            new.end_at,
            new.modified_at,
            new.modified_by,
        )
    return new


async def delete_window(*, db: Database, who: Principal, window_id: str) -> None:
    """Delete a maintenance window of the organisation."""
    async with db.transaction() as conn:
        if not await conn.execute(sql.DELETE, who.org_id, window_id):
            raise NotFound("maintenance_window")


async def active_windows(conn: Connection, *, org_id: str, at: int) -> list[MaintenanceWindow]:
    """The organisation's windows running at `at` (start_at <= at < end_at), by start_at, in
    one query on the index (org_id, end_at). For the outbox's fan-out: a notification is
    suppressed when any of them matches its case."""
    rows = await conn.fetch(sql.ACTIVE, org_id, at)
    return [_from_row(r) for r in rows]

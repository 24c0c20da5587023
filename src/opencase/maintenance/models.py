"""Maintenance windows as the domain sees them: plain values, no wire format."""

from __future__ import annotations

import msgspec

NAME_MAX = 200
QUERY_MAX = 4_096  # as the query language's own limit
# The longest start_at / end_at text read: RFC 3339 with nanoseconds and an offset is 35.
DATETIME_TEXT_MAX = 64


class MaintenanceWindow(msgspec.Struct, frozen=True):
    id: str
    name: str
    query: str  # case query language text
    start_at: int  # microseconds since the epoch, inclusive
    end_at: int  # exclusive
    created_at: int
    created_by: str
    modified_at: int | None
    modified_by: str | None

"""Maintenance windows as the domain sees them: plain values, no wire format."""

from __future__ import annotations

import msgspec


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

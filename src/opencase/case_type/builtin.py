"""The case types every organisation has, with Datadog's well-known ids, and their statuses."""

from __future__ import annotations

import msgspec


class Status(msgspec.Struct, frozen=True):
    name: str  # shown as `status_name`
    group: int  # 0 open, 1 in progress, 2 closed


class BuiltinType(msgspec.Struct, frozen=True):
    id: str
    name: str
    description: str
    emoji: str
    legacy_type: str  # the deprecated `type` attribute of cases of this type


STATUS_GROUPS = ("SG_OPEN", "SG_IN_PROGRESS", "SG_CLOSED")
LEGACY_STATUS = ("OPEN", "IN_PROGRESS", "CLOSED")
DEFAULT_STATUSES = (Status("Open", 0), Status("In Progress", 1), Status("Closed", 2))

BUILTIN_TYPES = (
    BuiltinType(
        "00000000-0000-0000-0000-000000000001",
        "Standard",
        "General purpose cases",
        "📁",
        "STANDARD",
    ),
    BuiltinType(
        "00000000-0000-0000-0000-000000000002",
        "Event Management",
        "Cases opened from monitors and events",
        "🚨",
        "STANDARD",
    ),
    BuiltinType(
        "00000000-0000-0000-0000-000000000003",
        "Security",
        "Security investigations",
        "🛡️",
        "SECURITY",
    ),
    BuiltinType(
        "00000000-0000-0000-0000-000000000004",
        "Change Request",
        "Planned changes to review",
        "🔧",
        "STANDARD",
    ),
    BuiltinType(
        "00000000-0000-0000-0000-000000000005",
        "Error Tracking",
        "Error tracking issues",
        "🐞",
        "ERROR_TRACKING_ISSUE",
    ),
)
BUILTIN_BY_ID = {t.id: t for t in BUILTIN_TYPES}


def find_status(name: str) -> Status | None:
    """The status with this name (case-insensitive; `IN_PROGRESS` also matches)."""
    wanted = name.strip().replace("_", " ").casefold()
    for status in DEFAULT_STATUSES:
        if status.name.casefold() == wanted:
            return status
    return None

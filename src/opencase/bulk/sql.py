"""SQL for bulk update: resolving case keys and locking many case rows in one order."""

from __future__ import annotations

from functools import cache

from opencase.case.sql import COLUMNS
from opencase.core.db import placeholders


@cache
def case_ids_of_keys(count: int) -> str:
    """(key, case_id) of `count` keys ($2 on) of organisation $1; no lock (keys never change)."""
    keys = placeholders(2, count)
    return f"SELECT key, case_id FROM case_keys WHERE org_id = $1 AND key IN ({keys})"


@cache
def lock_cases(count: int) -> str:
    """The rows of `count` cases ($2 on) of organisation $1, locked in ascending id order.

    Every statement that locks several case rows takes them in this order (as link creation
    does), so two bulk requests over overlapping cases wait on each other instead of
    deadlocking on PostgreSQL. SQLite drops the FOR UPDATE (its transactions run one at a time).
    """
    return (
        f"SELECT {COLUMNS} FROM cases WHERE org_id = $1 AND id IN ({placeholders(2, count)})"
        " ORDER BY id FOR UPDATE"
    )

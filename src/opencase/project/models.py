"""Projects group cases; each has a key that prefixes its cases' keys (SEC-1, SEC-2, …)."""

from __future__ import annotations

import msgspec

KEY_MAX = 10
NAME_MAX = 200
CASE_TYPES_MAX = 100  # custom case types one project enables


class Project(msgspec.Struct, frozen=True):
    id: str
    key: str
    name: str
    enabled_custom_case_types: list[str]
    created_at: int
    modified_at: int | None

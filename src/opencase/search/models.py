"""Search results as the domain sees them."""

from __future__ import annotations

import msgspec

from opencase.case.models import CaseView

SORT_FIELDS = ("created_at", "modified_at", "priority", "status")
PAGE_SIZE_DEFAULT = 10
CURSOR_MAX = 512  # characters of a page[cursor]; the real ones stay under 200
GROUP_BYS_MAX = 512  # characters of CountCases' group_bys (4 fields of up to 100)
PAGE_SIZE_MAX = 100
GROUPS_MAX = 1000  # AggregateCases' group_by.limit maximum, also CountCases' limit
GROUP_FIELDS_MAX = 4  # fields one count or aggregate groups by


class Page(msgspec.Struct, frozen=True):
    cases: list[CaseView]
    total: int
    number: int  # 1-based
    next_cursor: str | None


class Bucket(msgspec.Struct, frozen=True):
    values: tuple[str, ...]  # one per grouped field
    count: int

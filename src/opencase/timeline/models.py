"""The timeline as the domain sees it: comments and the other events of a case's record.

A comment is an event with action `comment` and details `{"message": …}`; editing sets its
`modified_at`, deleting sets its `deleted_at` (soft delete). Every other event is a change to
the case written by the domain that made it.
"""

from __future__ import annotations

from typing import Any

import msgspec

from opencase.identity.models import User

COMMENT = "comment"
COMMENT_UPDATED = "comment.updated"
COMMENT_DELETED = "comment.deleted"

COMMENT_MAX = 65_536  # characters
PAGE_SIZE_DEFAULT = 100
PAGE_SIZE_MAX = 1000
PAGE_NUMBER_MAX = 10_000_000


class Cell(msgspec.Struct, frozen=True):
    """One event of a case's record, as a timeline cell."""

    id: str
    created_at: int
    author_id: str
    action: str
    details: dict[str, Any]
    modified_at: int | None = None


class Timeline(msgspec.Struct, frozen=True):
    """Cells with the users they name (authors, assignees, watchers…), by id."""

    cells: list[Cell]
    users: dict[str, User]

"""Keyset cursors of SearchCases: the last row a page returned, bound to its query and sort.

A cursor is base64url JSON `[crc32 of sort and query, next page number, sort values…]`. It
is not secret (it holds the row's own sort values); it is checked so that an altered one is a
400, never a database error.
"""

from __future__ import annotations

import base64
import uuid
import zlib

import msgspec

from opencase.case.models import Case
from opencase.core.errors import InvalidInput


class Cursor(msgspec.Struct, array_like=True, frozen=True):
    query: int  # crc32 of the query and sort it belongs to
    page: int  # the page number it leads to
    row: tuple[int | str, ...]  # the sort values of the last row returned


def fingerprint(text: str, sort: str, ascending: bool) -> int:
    return zlib.crc32(f"{sort}:{ascending}:{text}".encode())


def sort_values(case: Case, sort: str) -> tuple[int | str, ...]:
    first: dict[str, int] = {
        "modified_at": case.modified_at or case.created_at,
        "priority": case.priority,
        "status": case.status,
    }
    head = () if sort == "created_at" else (first[sort],)
    return (*head, case.created_at, case.id)


def encode(cursor: Cursor) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(cursor)).decode().rstrip("=")


def decode(text: str, fingerprint: int, sort: str) -> Cursor:
    bad = InvalidInput(
        "page[cursor] is not a cursor of this query and sort; use a next_cursor as returned",
        parameter="page[cursor]",
    )
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        cursor = msgspec.json.decode(raw, type=Cursor)
    except (ValueError, msgspec.ValidationError):
        raise bad from None
    if cursor.query != fingerprint or not _well_formed(cursor, sort):
        raise bad
    return cursor


def _well_formed(cursor: Cursor, sort: str) -> bool:
    """Shaped as sort_values makes rows (integers the database can compare, then a case id)
    and leading past page 1: an altered cursor is a 400, never a database error."""
    row = cursor.row
    if len(row) != (2 if sort == "created_at" else 3) or not 2 <= cursor.page < 2**62:
        return False
    if not all(type(x) is int and -(2**63) <= x < 2**63 for x in row[:-1]):
        return False
    try:
        uuid.UUID(str(row[-1]) if isinstance(row[-1], str) else "")
    except ValueError:
        return False
    return True

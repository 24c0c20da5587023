"""A resolved query: every field bound to a column and every value to what is stored.

The SQL compiler (sql.py) and the Python evaluator (evaluate.py) both read this tree, so the
two agree by construction; the property tests check that they do.
"""

from __future__ import annotations

import msgspec


class Pattern(msgspec.Struct, frozen=True):
    """Literal pieces between `*` wildcards: ("x",) is exactly x, ("x", "") starts with x,
    ("", "") is any value at all."""

    pieces: tuple[str, ...]

    @property
    def exact(self) -> str | None:
        return self.pieces[0] if len(self.pieces) == 1 else None

    @property
    def prefix(self) -> str | None:
        """The prefix when the pattern is `prefix*` (also `*`, prefix "")."""
        return self.pieces[0] if len(self.pieces) == 2 and self.pieces[1] == "" else None

    def matches(self, value: str) -> bool:
        pieces = self.pieces
        if len(pieces) == 1:
            return value == pieces[0]
        if not value.startswith(pieces[0]):
            return False
        pos = len(pieces[0])
        for middle in pieces[1:-1]:
            found = value.find(middle, pos)
            if found < 0:
                return False
            pos = found + len(middle)
        return len(value) - pos >= len(pieces[-1]) and value.endswith(pieces[-1])


class NumberRange(msgspec.Struct, frozen=True):
    """low < / <= x < / <= high; None is an open end."""

    low: float | None
    high: float | None
    low_inclusive: bool = True
    high_inclusive: bool = True

    def matches(self, x: float) -> bool:
        if self.low is not None and (x < self.low or (x == self.low and not self.low_inclusive)):
            return False
        return not (
            self.high is not None
            and (x > self.high or (x == self.high and not self.high_inclusive))
        )


class ColumnIn(msgspec.Struct, frozen=True):
    """A case column (status, priority, project_id, type_id, assignee_id, created_by) in values."""

    column: str
    values: tuple[int | str, ...]


class ColumnSet(msgspec.Struct, frozen=True):
    """A nullable case column (assignee_id, archived_at) is set."""

    column: str


class TimeRange(msgspec.Struct, frozen=True):
    """created_at or modified_at within [low, high) microseconds; None is an open end."""

    column: str
    low: int | None
    high: int | None


class KeyMatch(msgspec.Struct, frozen=True):
    """Any key the case has had (upper case) matches one of the patterns."""

    patterns: tuple[Pattern, ...]


class FieldMatch(msgspec.Struct, frozen=True):
    """A value of an attribute (`a:<key>`) or custom attribute (`c:<key>`) matches: a text
    pattern over the lower-cased value, or a number condition."""

    field: str
    patterns: tuple[Pattern, ...] = ()
    numbers: tuple[NumberRange, ...] = ()


class InsightTerm(msgspec.Struct, frozen=True):
    """One condition on an insight column (type, resource_id or ref): any of the patterns."""

    column: str
    patterns: tuple[Pattern, ...]


class InsightMatch(msgspec.Struct, frozen=True):
    """One insight of the case meets every term."""

    terms: tuple[InsightTerm, ...]


class TextMatch(msgspec.Struct, frozen=True):
    """Consecutive words in the title or in the description (the last word a prefix if so)."""

    words: tuple[str, ...]
    prefix: bool


class AllOf(msgspec.Struct, frozen=True):
    items: tuple[Plan, ...]


class AnyOf(msgspec.Struct, frozen=True):
    items: tuple[Plan, ...]


class Negate(msgspec.Struct, frozen=True):
    item: Plan


class Everything(msgspec.Struct, frozen=True):
    pass


class Nothing(msgspec.Struct, frozen=True):
    pass


Plan = (
    ColumnIn
    | ColumnSet
    | TimeRange
    | KeyMatch
    | FieldMatch
    | InsightMatch
    | TextMatch
    | AllOf
    | AnyOf
    | Negate
    | Everything
    | Nothing
)

"""The syntax tree of a query, as the parser builds it (names and values not yet resolved)."""

from __future__ import annotations

import msgspec


def _split(text: str) -> list[str]:
    """Split at unescaped `*`, resolving the escapes `\\*` and `\\\\`."""
    parts, out, i = [], [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if text[i] == "*":
            parts.append("".join(out))
            out = []
        else:
            out.append(text[i])
        i += 1
    parts.append("".join(out))
    return parts


class Value(msgspec.Struct, frozen=True):
    """A value as written: `text` (with `\\*` and `\\\\` still escaped), quoted or not,
    and its position in the query. `*` is a wildcard, quoted or not; `\\*` is a star."""

    text: str
    quoted: bool
    position: int

    @property
    def pieces(self) -> list[str]:
        """The literal pieces between wildcards: `a*b` -> ["a", "b"]; no wildcard -> [text]."""
        return _split(self.text)

    @property
    def literal(self) -> str:
        """The value with escapes resolved (meaningful when it has no wildcard)."""
        return "*".join(self.pieces)

    @property
    def has_wildcard(self) -> bool:
        return len(self.pieces) > 1


class Compare(msgspec.Struct, frozen=True):
    """`field:>v`, `field:>=v`, `field:<v`, `field:<=v`."""

    op: str
    value: Value


class Range(msgspec.Struct, frozen=True):
    """`field:[a TO b]` (inclusive ends) or `field:{a TO b}` (exclusive); `*` = open end."""

    low: Value
    high: Value
    low_inclusive: bool
    high_inclusive: bool


Operand = Value | Compare | Range


class Match(msgspec.Struct, frozen=True):
    """`field:operand`, or `field:(a OR b)` (any of the operands)."""

    field: str
    operands: tuple[Operand, ...]
    position: int


class Text(msgspec.Struct, frozen=True):
    """Free text: a word (`disk`, `disk*`) or a "quoted phrase", over title and description."""

    value: Value


class And(msgspec.Struct, frozen=True):
    items: tuple[Node, ...]


class Or(msgspec.Struct, frozen=True):
    items: tuple[Node, ...]


class Not(msgspec.Struct, frozen=True):
    item: Node


class All(msgspec.Struct, frozen=True):
    """The empty query and `*`: every case."""


Node = Match | Text | And | Or | Not | All

"""The meaning of a resolved query, evaluated in Python on one case.

This is the reference the SQL translation is tested against (tests/test_query_property.py),
and what a rule can use to ask whether one case, already in memory, matches a query.
"""

from __future__ import annotations

import msgspec

from opencase.query import plan as p
from opencase.query.resolve import words


class FieldValue(msgspec.Struct, frozen=True):
    folded: str | None  # text values: lower(first 200 characters)
    number: float | None  # number values


class InsightRecord(msgspec.Struct, frozen=True):
    type: str
    resource_id: str
    ref: str


class CaseRecord(msgspec.Struct, frozen=True):
    """What a query can see of a case."""

    id: str
    status: int
    priority: int
    project_id: str
    type_id: str
    assignee_id: str | None
    created_by: str
    archived: bool
    keys: frozenset[str]
    created_at: int
    modified_at: int  # modified_at, or created_at when never modified
    title: str
    description: str
    fields: dict[str, list[FieldValue]]  # "a:<key>" / "c:<key>"
    insights: list[InsightRecord]


def _column(case: CaseRecord, column: str) -> object:
    return case.created_by if column == "created_by" else getattr(case, column)


def _phrase(text: str, wanted: tuple[str, ...], prefix: bool) -> bool:
    found = words(text)
    n = len(wanted)
    for i in range(len(found) - n + 1):
        if found[i : i + n - 1] != list(wanted[:-1]):
            continue
        last = found[i + n - 1]
        if last == wanted[-1] or (prefix and last.startswith(wanted[-1])):
            return True
    return False


def matches(node: p.Plan, case: CaseRecord) -> bool:
    """Whether the case matches the plan."""
    if isinstance(node, p.Everything):
        return True
    if isinstance(node, p.Nothing):
        return False
    if isinstance(node, p.AllOf):
        return all(matches(i, case) for i in node.items)
    if isinstance(node, p.AnyOf):
        return any(matches(i, case) for i in node.items)
    if isinstance(node, p.Negate):
        return not matches(node.item, case)
    if isinstance(node, p.ColumnIn):
        return _column(case, node.column) in node.values
    if isinstance(node, p.ColumnSet):
        if node.column == "archived_at":
            return case.archived
        return _column(case, node.column) is not None
    if isinstance(node, p.TimeRange):
        t = case.created_at if node.column == "created_at" else case.modified_at
        return (node.low is None or t >= node.low) and (node.high is None or t < node.high)
    if isinstance(node, p.KeyMatch):
        return any(x.matches(k) for k in case.keys for x in node.patterns)
    if isinstance(node, p.FieldMatch):
        values = case.fields.get(node.field, [])
        if any(x.pieces == ("", "") for x in node.patterns):
            return bool(values)
        return any(
            (v.folded is not None and any(x.matches(v.folded) for x in node.patterns))
            or (v.number is not None and any(r.matches(v.number) for r in node.numbers))
            for v in values
        )
    if isinstance(node, p.InsightMatch):
        return any(
            all(any(x.matches(getattr(i, t.column)) for x in t.patterns) for t in node.terms)
            for i in case.insights
        )
    return _phrase(case.title, node.words, node.prefix) or _phrase(
        case.description, node.words, node.prefix
    )

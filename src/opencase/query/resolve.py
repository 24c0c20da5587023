"""Resolving a syntax tree against an organisation: fields to columns, names to ids, dates to
microseconds. Every unknown field and bad value is a QueryError naming its position.

Fields:
- `status` open, in_progress, closed (or a status name such as "In Progress");
- `priority` P1..P5, NOT_DEFINED;
- `project` a project key or id; `type` a case type name or id;
- `assignee`, `creator` a user's id, email or handle (case-insensitive);
- `archived` true or false; `key` any key the case has had (`key:SEC-*`);
- `created_at`, `modified_at` dates, times, `now-7d`; with `>`, `>=`, `<`, `<=`, ranges;
- `insight.type`, `insight.resource_id`, `insight.ref`: positive insight terms ANDed in one
  group describe the same insight (`insight.type:MONITOR insight.resource_id:12345`);
- `attributes.<key>` a case attribute; `custom.<key>` a custom attribute; a bare `<key>` is the
  custom attribute of that key when one is configured, else the attribute of that key when a
  case of the organisation has it, else an unknown field (a typo guard).
`field:*` means the field has a value.
"""

from __future__ import annotations

import math
import re
import uuid
from datetime import UTC, datetime, timedelta

import msgspec

from opencase.case.models import PRIORITIES
from opencase.case.sql import USER_EXISTS
from opencase.case_type import sql as case_type_sql
from opencase.case_type.builtin import BUILTIN_TYPES, find_status
from opencase.core.db import Connection
from opencase.insight.models import TYPES as INSIGHT_TYPES
from opencase.project import sql as project_sql
from opencase.query import plan as p
from opencase.query import syntax as s
from opencase.query.errors import QueryError

CASE_FIELDS = (
    "status",
    "priority",
    "project",
    "type",
    "assignee",
    "creator",
    "archived",
    "key",
    "created_at",
    "modified_at",
    "insight.type",
    "insight.resource_id",
    "insight.ref",
)
WORD_MAX = 200  # longer words are never indexed whole (PostgreSQL refuses them in a query)
TEXT_MAX = 200  # attribute values are indexed by their first 200 characters, lower-cased
_WORD = re.compile(r"[^\W_]+")
_RELATIVE = re.compile(r"now(?:([+-])(\d{1,9})([smhdw]))?$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_SECOND = 1_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_USER_BY_EMAIL_OR_HANDLE = """
SELECT id FROM users WHERE org_id = $1 AND (lower(email) = $2 OR lower(handle) = $2)
ORDER BY id LIMIT 1
"""
_CUSTOM_KEY_EXISTS = "SELECT 1 FROM custom_attribute_configs WHERE org_id = $1 AND key = $2 LIMIT 1"
_FIELD_IN_USE = "SELECT 1 FROM case_fields WHERE org_id = $1 AND field = $2 LIMIT 1"
# Times are clamped to years 1..9999, which both engines store.
TIME_MIN = -62_135_596_800 * _SECOND
TIME_MAX = 253_402_300_800 * _SECOND


def words(text: str) -> list[str]:
    """The words free text matches: runs of letters and digits, lower-cased."""
    return _WORD.findall(text.lower())


class Resolver:
    """Resolves one query for one organisation (caches its lookups)."""

    def __init__(self, conn: Connection, org_id: str, now_us: int) -> None:
        self.conn = conn
        self.org_id = org_id
        self.now_us = now_us
        self._projects: list[tuple[str, str]] | None = None
        self._types: list[tuple[str, str]] | None = None

    async def resolve(self, node: s.Node) -> p.Plan:
        if isinstance(node, s.Match):
            node = _builtin_lowered(node)
        if isinstance(node, s.All):
            return p.Everything()
        if isinstance(node, s.Or):
            return p.AnyOf(tuple([await self.resolve(i) for i in node.items]))
        if isinstance(node, s.Not):
            return p.Negate(await self.resolve(node.item))
        if isinstance(node, s.Text):
            return self.text(node.value)
        if isinstance(node, s.And):
            return await self.conjunction(node.items)
        return await self.match(node)

    async def conjunction(self, items: tuple[s.Node, ...]) -> p.Plan:
        """AND of the items; its positive insight terms describe one insight."""
        out: list[p.Plan] = []
        terms: list[p.InsightTerm] = []
        for item in items:
            if isinstance(item, s.Match) and item.field.lower().startswith("insight."):
                terms.append(self.insight_term(_builtin_lowered(item)))
            else:
                out.append(await self.resolve(item))
        if terms:
            out.insert(0, p.InsightMatch(tuple(terms)))
        return out[0] if len(out) == 1 else p.AllOf(tuple(out))

    async def match(self, m: s.Match) -> p.Plan:
        field = m.field
        if field.startswith("insight."):
            return p.InsightMatch((self.insight_term(m),))
        if field == "status":
            return self.status(m)
        if field == "priority":
            return self.priority(m)
        if field == "archived":
            return self.archived(m)
        if field == "key":
            return p.KeyMatch(tuple(_pattern(v, upper=True) for v in _values(m)))
        if field in {"created_at", "modified_at"}:
            return self.times(m)
        if field in {"project", "type"}:
            return await self.named(m)
        if field in {"assignee", "creator"}:
            return await self.users(m)
        return await self.attribute(m)

    # -- simple columns

    def status(self, m: s.Match) -> p.Plan:
        groups: list[int] = []
        for v in _values(m):
            if v.text == "*" and not v.quoted:
                return p.Everything()
            found = find_status(v.literal)
            if found is None or v.has_wildcard:
                raise QueryError(
                    f"unknown status {v.literal!r}, expected open, in_progress or closed",
                    position=v.position,
                )
            groups.append(found.group)
        return p.ColumnIn("status", tuple(sorted(set(groups))))

    def priority(self, m: s.Match) -> p.Plan:
        found: list[int] = []
        for v in _values(m):
            if v.text == "*" and not v.quoted:
                return p.Everything()
            upper = v.literal.upper()
            if upper not in PRIORITIES or v.has_wildcard:
                raise QueryError(
                    f"unknown priority {v.literal!r}, expected one of {', '.join(PRIORITIES)}",
                    position=v.position,
                )
            found.append(PRIORITIES.index(upper))
        return p.ColumnIn("priority", tuple(sorted(set(found))))

    def archived(self, m: s.Match) -> p.Plan:
        wanted: set[bool] = set()
        for v in _values(m):
            if v.text == "*" and not v.quoted:
                return p.Everything()
            if v.literal.lower() not in {"true", "false"} or v.has_wildcard:
                raise QueryError(
                    f"archived takes true or false, not {v.literal!r}", position=v.position
                )
            wanted.add(v.literal.lower() == "true")
        if len(wanted) == 2:
            return p.Everything()
        archived = p.ColumnSet("archived_at")
        return archived if wanted == {True} else p.Negate(archived)

    # -- times

    def times(self, m: s.Match) -> p.Plan:
        ranges: list[p.Plan] = []
        for operand in m.operands:
            low: int | None
            high: int | None
            if isinstance(operand, s.Value):
                if operand.text == "*" and not operand.quoted:
                    return p.Everything()
                low, high = self.instant(operand)
            elif isinstance(operand, s.Compare):
                lo, hi = self.instant(operand.value)
                low, high = {
                    ">": (hi, None),
                    ">=": (lo, None),
                    "<": (None, lo),
                    "<=": (None, hi),
                }[operand.op]
            else:
                low = high = None
                if operand.low.text != "*":
                    lo, hi = self.instant(operand.low)
                    low = lo if operand.low_inclusive else hi
                if operand.high.text != "*":
                    lo, hi = self.instant(operand.high)
                    high = hi if operand.high_inclusive else lo
            ranges.append(p.TimeRange(m.field, low, high))
        return ranges[0] if len(ranges) == 1 else p.AnyOf(tuple(ranges))

    def instant(self, v: s.Value) -> tuple[int, int]:
        """The span [low, high) in microseconds that a written time stands for."""
        low, high = self._span(v)
        return _clamp(low), _clamp(high)

    def _span(self, v: s.Value) -> tuple[int, int]:
        text = v.literal.strip()
        rel = _RELATIVE.match(text.lower())
        if rel and not v.has_wildcard:
            at = self.now_us
            if rel[1]:
                delta = int(rel[2]) * _UNITS[rel[3]] * _SECOND
                at += delta if rel[1] == "+" else -delta
            return at, at + 1
        moment = None
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                day = datetime.fromisoformat(text).replace(tzinfo=UTC)
                return _us(day), _us(day) + 86_400 * _SECOND
            if re.fullmatch(r"\d{1,15}", text):  # milliseconds since the epoch, as Datadog's
                ms = int(text)
                return ms * 1000, ms * 1000 + 1000
            moment = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            pass
        if moment is None or v.has_wildcard:
            raise QueryError(
                f"invalid time {v.literal!r}, expected a date (2026-01-31), a time"
                " (2026-01-31T12:00:00Z), milliseconds since the epoch or now-7d",
                position=v.position,
            )
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        step = 1 if moment.microsecond else _SECOND
        return _us(moment), _us(moment) + step

    # -- names resolved through the database

    async def named(self, m: s.Match) -> p.Plan:
        """project (key or id) and type (name or id), wildcards over keys and names."""
        if m.field == "project":
            if self._projects is None:
                rows = await self.conn.fetch(project_sql.LIST, self.org_id)
                self._projects = [(str(r["id"]), r["key"].lower()) for r in rows]
            known = self._projects
        else:
            if self._types is None:
                rows = await self.conn.fetch(case_type_sql.LIST, self.org_id)
                self._types = [(t.id, t.name.lower()) for t in BUILTIN_TYPES]
                self._types += [(str(r["id"]), r["name"].lower()) for r in rows]
            known = self._types
        ids: list[str] = []
        for v in _values(m):
            pattern = _pattern(v, lower=True)
            hits = [i for i, name in known if pattern.matches(name) or i == v.literal.lower()]
            if not hits and not v.has_wildcard:
                what = "project" if m.field == "project" else "case type"
                raise QueryError(f"unknown {what} {v.literal!r}", position=v.position)
            ids += hits
        column = "project_id" if m.field == "project" else "type_id"
        return p.ColumnIn(column, tuple(sorted(set(ids)))) if ids else p.Nothing()

    async def users(self, m: s.Match) -> p.Plan:
        column = "assignee_id" if m.field == "assignee" else "created_by"
        ids: list[str] = []
        for v in _values(m):
            if v.text == "*" and not v.quoted:
                return p.ColumnSet(column) if column == "assignee_id" else p.Everything()
            if v.has_wildcard:
                raise QueryError(f"{m.field} takes no wildcards but *", position=v.position)
            wanted = v.literal.strip().lower()
            if _is_uuid(wanted):
                found = (
                    wanted if await self.conn.fetchval(USER_EXISTS, self.org_id, wanted) else None
                )
            else:
                found = await self.conn.fetchval(_USER_BY_EMAIL_OR_HANDLE, self.org_id, wanted)
            if found is None:
                raise QueryError(
                    f"unknown user {v.literal!r}, expected an id, email or handle",
                    position=v.position,
                )
            ids.append(str(found))
        return p.ColumnIn(column, tuple(sorted(set(ids))))

    # -- insights

    def insight_term(self, m: s.Match) -> p.InsightTerm:
        column = m.field.removeprefix("insight.")
        if column not in {"type", "resource_id", "ref"}:
            raise QueryError(
                f"unknown field {m.field!r}, expected insight.type, insight.resource_id"
                " or insight.ref",
                position=m.position,
            )
        patterns: list[p.Pattern] = []
        for v in _values(m):
            if column == "type":
                pattern = _pattern(v, upper=True)
                if not v.has_wildcard and pattern.exact not in INSIGHT_TYPES:
                    raise QueryError(
                        f"unknown insight type {v.literal!r}, expected one of"
                        f" {', '.join(INSIGHT_TYPES)}",
                        position=v.position,
                    )
            else:
                pattern = _pattern(v)
            patterns.append(pattern)
        return p.InsightTerm(column, tuple(patterns))

    # -- free text and attributes

    def text(self, v: s.Value) -> p.Plan:
        pieces = v.pieces
        prefix = len(pieces) == 2 and pieces[1] == "" and pieces[0] != ""
        if len(pieces) > 1 and not prefix:
            raise QueryError("in free text, * may only end a word (disk*)", position=v.position)
        found = words(pieces[0])
        if not found:
            raise QueryError(
                f"{v.literal!r} holds no word to search for; free text matches letters and digits",
                position=v.position,
            )
        if max(len(w) for w in found) > WORD_MAX:
            raise QueryError(f"a word longer than {WORD_MAX} characters", position=v.position)
        # `disk* full` is not a prefix phrase: a star only counts at the very end.
        return p.TextMatch(tuple(found), prefix and pieces[0][-1:].isalnum())

    async def attribute_field(self, field: str, position: int) -> str:
        """The case_fields name of an attribute field: `a:<key>` or `c:<key>`."""
        prefix = field.split(".", 1)[0].lower()
        if prefix in {"attributes", "custom"} and "." in field:
            name = prefix[0] + ":" + field.split(".", 1)[1]
        elif await self.conn.fetchval(_CUSTOM_KEY_EXISTS, self.org_id, field):
            name = "c:" + field
        elif await self.conn.fetchval(_FIELD_IN_USE, self.org_id, "a:" + field):
            name = "a:" + field
        else:
            raise QueryError(
                f"unknown field {field!r}: expected one of {', '.join(CASE_FIELDS)}, a custom"
                " attribute key or an attribute key in use (attributes.<key> names any)",
                position=position,
            )
        if len(name) <= 2:
            raise QueryError(f"{field!r} names no key", position=position)
        return name

    async def attribute(self, m: s.Match) -> p.Plan:
        name = await self.attribute_field(m.field, m.position)
        patterns: list[p.Pattern] = []
        numbers: list[p.NumberRange] = []
        for operand in m.operands:
            if isinstance(operand, s.Value):
                patterns.append(_pattern(operand, lower=True))
                number = _number(operand, required=False)
                if number is not None:
                    numbers.append(p.NumberRange(number, number))
            elif isinstance(operand, s.Compare):
                x = _number(operand.value)
                assert x is not None
                numbers.append(
                    {
                        ">": p.NumberRange(x, None, low_inclusive=False),
                        ">=": p.NumberRange(x, None),
                        "<": p.NumberRange(None, x, high_inclusive=False),
                        "<=": p.NumberRange(None, x),
                    }[operand.op]
                )
            else:
                low = None if operand.low.text == "*" else _number(operand.low)
                high = None if operand.high.text == "*" else _number(operand.high)
                numbers.append(
                    p.NumberRange(low, high, operand.low_inclusive, operand.high_inclusive)
                )
        return p.FieldMatch(name, tuple(patterns), tuple(numbers))


def _builtin_lowered(m: s.Match) -> s.Match:
    """Built-in fields match in any letter case; attribute keys stay as written."""
    lower = m.field.lower()
    if lower in CASE_FIELDS or lower.startswith("insight."):
        return msgspec.structs.replace(m, field=lower)
    return m


def _values(m: s.Match) -> list[s.Value]:
    """The operands of a field that takes plain values only."""
    out = []
    for operand in m.operands:
        if not isinstance(operand, s.Value):
            raise QueryError(
                f"{m.field} takes values, not comparisons or ranges", position=m.position
            )
        out.append(operand)
    return out


def _pattern(v: s.Value, *, upper: bool = False, lower: bool = False) -> p.Pattern:
    pieces = v.pieces
    if upper:
        pieces = [x.upper() for x in pieces]
    if lower:
        pieces = [x.lower()[:TEXT_MAX] if len(pieces) == 1 else x.lower() for x in pieces]
    return p.Pattern(tuple(pieces))


def _number(v: s.Value, *, required: bool = True) -> float | None:
    try:
        x = float(v.literal)
    except ValueError:
        x = math.nan
    if v.has_wildcard or not math.isfinite(x):
        if required:
            raise QueryError(f"expected a number, found {v.literal!r}", position=v.position)
        return None
    return x


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _us(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _clamp(us: int) -> int:
    return min(max(us, TIME_MIN), TIME_MAX)

"""The export format: JSON Lines, one record a line, each an object with a `"kind"`.

Line 1 is the header, `{"kind":"header","format":"opencase-export","version":1}` (no
timestamp: exporting the same data twice gives the same bytes). Then, in this order:

- `org` (one line): the exported organisation's `id`, `name`, `created_at` and `case_seq`
  (the last public id handed out);
- `user`: every user of the organisation (`id`, `email`, `name`, `handle`, `active`,
  `created_at`), by email;
- `case_type`: every custom case type, deleted ones too (cases may still be of one), by
  `created_at` then id;
- `custom_attribute`: every custom attribute config (`case_type_id`, `key`, `type`,
  `is_multi`, `type_data`, …), by case type id then key;
- `project`: every project (`key`, `name`, `enabled_custom_case_types`, `created_by`,
  `case_seq`: the last case number handed out in it), by key;
- `case`: one line per case, by `public_id`, holding everything of the case: its columns,
  `keys` (every key it has had, sorted: a moved case keeps answering to its old keys),
  `insights` (by `position`, each with `created_at` and `created_by`), `events` (its whole
  record, comments included: action `"comment"`, with `modified_at` and `deleted_at`; by
  `created_at` then id) and `watchers` (by `created_at` then user id).

Conventions: ids are lower-case UUIDs and are kept; timestamps are ISO-8601 strings in UTC
(`2026-11-28T12:00:00.123456Z`, microseconds shown when not zero; any offset is accepted on
import); every field is written, `null` when unset; keys of JSON objects taken from the
database (`attributes`, `custom_attributes`, `type_data`, event `details`) are sorted.
`priority` is its name (`P1`…`P5`, `NOT_DEFINED`), `status` the status group (`OPEN`,
`IN_PROGRESS`, `CLOSED`). Counters the import recomputes are not written (`comment_count`,
`insight_count`). Unknown fields are refused: a new field means a new format version.

The Structs below are the schema: importing decodes every line with them, so a record of the
wrong shape is refused with the path of the first bad field (`insights[2].type: …`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal, get_args

import msgspec

from opencase.case.models import DESCRIPTION_MAX, PRIORITIES, TITLE_MAX
from opencase.case_type.builtin import LEGACY_STATUS
from opencase.custom_attribute.models import TYPES as ATTRIBUTE_TYPES
from opencase.insight.models import REF_MAX, RESOURCE_ID_MAX, InsightType

FORMAT = "opencase-export"
VERSION = 1

Uuid = Annotated[
    str, msgspec.Meta(pattern="^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
]
Time = Annotated[datetime, msgspec.Meta(tz=True)]
Count = Annotated[int, msgspec.Meta(ge=0)]
Positive = Annotated[int, msgspec.Meta(ge=1)]
Text = Annotated[str, msgspec.Meta(min_length=1)]
CaseKey = Annotated[str, msgspec.Meta(pattern="^[A-Z][A-Z0-9]*-[1-9][0-9]{0,17}$")]
ProjectKey = Annotated[str, msgspec.Meta(pattern="^[A-Z][A-Z0-9]{0,9}$")]
Email = Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+$")]

Priority = Literal["NOT_DEFINED", "P1", "P2", "P3", "P4", "P5"]  # case.models.PRIORITIES
StatusGroup = Literal["OPEN", "IN_PROGRESS", "CLOSED"]  # case_type.builtin.LEGACY_STATUS
AttributeType = Literal["URL", "TEXT", "NUMBER", "SELECT"]


class _Record(msgspec.Struct, tag_field="kind", forbid_unknown_fields=True):
    """A line of the file."""


class Header(_Record, tag="header"):
    format: str
    version: int


class Org(_Record, tag="org"):
    id: Uuid
    name: Text
    created_at: Time
    case_seq: Count = 0


class User(_Record, tag="user"):
    id: Uuid
    email: Email
    name: str
    handle: Text
    active: bool
    created_at: Time


class CaseType(_Record, tag="case_type"):
    id: Uuid
    name: Text
    created_at: Time
    description: str = ""
    emoji: str = ""
    modified_at: Time | None = None
    deleted_at: Time | None = None


class CustomAttribute(_Record, tag="custom_attribute"):
    id: Uuid
    case_type_id: Uuid
    key: Text
    display_name: Text
    type: AttributeType
    is_multi: bool
    created_at: Time
    description: str = ""
    type_data: dict[str, Any] = {}
    map_from: str | None = None
    modified_at: Time | None = None


class Project(_Record, tag="project"):
    id: Uuid
    key: ProjectKey
    name: Text
    created_at: Time
    created_by: Uuid
    enabled_custom_case_types: list[Uuid] = []
    modified_at: Time | None = None
    case_seq: Count = 0


class Insight(msgspec.Struct, forbid_unknown_fields=True):
    type: InsightType
    resource_id: Annotated[str, msgspec.Meta(min_length=1, max_length=RESOURCE_ID_MAX)]
    ref: Annotated[str, msgspec.Meta(min_length=1, max_length=REF_MAX)]
    position: Positive
    created_at: Time
    created_by: Uuid


class Event(msgspec.Struct, forbid_unknown_fields=True):
    id: Uuid
    created_at: Time
    actor_id: Uuid
    action: Text
    details: dict[str, Any]
    modified_at: Time | None = None
    deleted_at: Time | None = None


class Watcher(msgspec.Struct, forbid_unknown_fields=True):
    user_id: Uuid
    created_at: Time


class CustomValue(msgspec.Struct, forbid_unknown_fields=True):
    """A case's value of a custom attribute, as the API shows it."""

    type: AttributeType
    is_multi: bool
    value: Any


class Case(_Record, tag="case"):
    id: Uuid
    key: CaseKey
    public_id: Positive
    project_id: Uuid
    number: Positive
    type_id: Uuid
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=TITLE_MAX)]
    priority: Priority
    status: StatusGroup
    status_name: Text
    created_by: Uuid
    created_at: Time
    keys: list[CaseKey] = []  # empty: only `key`
    description: Annotated[str, msgspec.Meta(max_length=DESCRIPTION_MAX)] = ""
    attributes: dict[str, list[str]] = {}
    custom_attributes: dict[str, CustomValue] = {}
    creation_source: Text = "MANUAL"
    assignee_id: Uuid | None = None
    modified_by: Uuid | None = None
    modified_at: Time | None = None
    closed_at: Time | None = None
    archived_at: Time | None = None
    due_date: str | None = None
    resolved_reason: str | None = None
    insight_seq: Count = 0  # last insight position handed out
    insights: list[Insight] = []
    events: list[Event] = []
    watchers: list[Watcher] = []


Record = Header | Org | User | CaseType | CustomAttribute | Project | Case
KINDS = ("header", "org", "user", "case_type", "custom_attribute", "project", "case")

# The Literals above spell out the domain's tuples (mypy needs them literal): kept equal.
assert get_args(AttributeType) == ATTRIBUTE_TYPES
assert get_args(Priority) == PRIORITIES
assert get_args(StatusGroup) == LEGACY_STATUS

decoder = msgspec.json.Decoder(Record)
header_decoder = msgspec.json.Decoder(Header)
# Struct fields keep their order above; dict keys are sorted: the same data, the same bytes.
encoder = msgspec.json.Encoder(order="deterministic")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def to_time(us: int) -> datetime:
    """Integer microseconds since the Unix epoch (the database's form) as a UTC datetime."""
    return _EPOCH + timedelta(microseconds=us)


def to_time_opt(us: int | None) -> datetime | None:
    return None if us is None else _EPOCH + timedelta(microseconds=us)


def to_us(moment: datetime) -> int:
    """A timezone-aware datetime as integer microseconds since the Unix epoch."""
    return (moment - _EPOCH) // _US


def to_us_opt(moment: datetime | None) -> int | None:
    return None if moment is None else (moment - _EPOCH) // _US


_PATH = re.compile(r"^(.*) - at `\$\.?(.*)`$", re.S)


def explain(error: msgspec.ValidationError) -> str:
    """msgspec's `Expected … - at `$.insights[2].type`` as `insights[2].type: Expected …`."""
    text = str(error)
    match = _PATH.match(text)
    if match is None:
        return text
    message, path = match[1], match[2]
    if path == "kind":
        return f"kind: unknown kind (expected one of {', '.join(KINDS)})"
    return f"{path}: {message}"

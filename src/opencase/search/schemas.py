"""Wire format of SearchCases' meta, CountCases and AggregateCases (Datadog's field names)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from opencase.case.schemas import CaseResource
from opencase.http.fields import ShortName, documented
from opencase.http.jsonapi import UserResource
from opencase.query.parser import QUERY_MAX
from opencase.search.models import GROUP_FIELDS_MAX, GROUPS_MAX


class SearchPageMeta(msgspec.Struct, frozen=True, omit_defaults=True):
    current: int
    size: int
    total: int
    next_cursor: str | None = None  # beyond Datadog: keyset pagination, see the README


class SearchMeta(msgspec.Struct, frozen=True):
    total_cases: int
    page: SearchPageMeta


class SearchResponse(msgspec.Struct, frozen=True):
    data: list[CaseResource]
    included: list[UserResource]
    meta: SearchMeta


class CountValue(msgspec.Struct, frozen=True):
    value: str
    count: int


class CountGroup(msgspec.Struct, frozen=True):
    group: str
    group_values: list[CountValue]


class CountAttributes(msgspec.Struct, frozen=True):
    groups: list[CountGroup]
    total: int  # beyond Datadog: the number of matching cases


class CountData(msgspec.Struct, frozen=True):
    id: str
    attributes: CountAttributes
    type: Literal["count"] = "count"


class CountResponse(msgspec.Struct, frozen=True):
    data: CountData


class AggregateGroupBy(msgspec.Struct, frozen=True):
    groups: Annotated[list[ShortName], Meta(max_length=GROUP_FIELDS_MAX)]
    limit: Annotated[int, Meta(ge=1, le=GROUPS_MAX)]


class AggregateAttributes(msgspec.Struct, frozen=True):
    query_filter: Annotated[str, documented(max_length=QUERY_MAX)]
    group_by: AggregateGroupBy


class AggregateData(msgspec.Struct, frozen=True):
    type: Literal["aggregate"]
    attributes: AggregateAttributes


class AggregateRequest(msgspec.Struct, frozen=True):
    data: AggregateData


class AggregateGroup(msgspec.Struct, frozen=True):
    group: str
    value: list[float]


class AggregateResultAttributes(msgspec.Struct, frozen=True):
    total: float
    groups: list[AggregateGroup]


class AggregateResult(msgspec.Struct, frozen=True):
    id: str
    attributes: AggregateResultAttributes
    type: Literal["aggregate"] = "aggregate"


class AggregateResponse(msgspec.Struct, frozen=True):
    data: AggregateResult

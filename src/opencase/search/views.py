"""HTTP handlers of SearchCases, CountCases and AggregateCases."""

from __future__ import annotations

import uuid

import msgspec

from opencase.case.models import CaseView
from opencase.case.schemas import case_resource, included_users, wire_insights
from opencase.core.errors import InvalidInput
from opencase.http import query
from opencase.http.routing import Ctx, Param, Reply, Route
from opencase.insight import fragments
from opencase.query.errors import blamed_on
from opencase.query.parser import QUERY_MAX, parse
from opencase.search import service
from opencase.search.models import (
    CURSOR_MAX,
    GROUP_BYS_MAX,
    GROUP_FIELDS_MAX,
    GROUPS_MAX,
    PAGE_SIZE_DEFAULT,
    PAGE_SIZE_MAX,
    SORT_FIELDS,
)
from opencase.search.schemas import (
    AggregateGroup,
    AggregateRequest,
    AggregateResponse,
    AggregateResult,
    AggregateResultAttributes,
    CountAttributes,
    CountData,
    CountGroup,
    CountResponse,
    CountValue,
    SearchMeta,
    SearchPageMeta,
    SearchResponse,
)


def _query_text(text: str, *, parameter: str | None = None, pointer: str | None = None) -> str:
    """The query, checked for syntax before anything else about the request."""
    with blamed_on(parameter=parameter, pointer=pointer):
        parse(text)
    return text


def _insights(held: dict[str, fragments.Kept], view: CaseView) -> msgspec.Raw | None:
    """A big case's encoded insights: as held, or encoded now and kept for the next reader."""
    fragment = fragments.fresh(held, view.case)
    return fragment if fragment is not None else fragments.keep(view, wire_insights)


async def search_cases(ctx: Ctx) -> Reply:
    q = ctx.query
    text = _query_text(query.one(q, "filter") or "", parameter="filter")
    size = query.integer(q, "page[size]", PAGE_SIZE_DEFAULT, 1, PAGE_SIZE_MAX)
    number = query.integer(q, "page[number]", 1, 1, 10_000_000)
    sort = query.one(q, "sort[field]") or "created_at"
    if sort not in SORT_FIELDS:
        raise InvalidInput(
            f"sort[field] must be one of {', '.join(SORT_FIELDS)}", parameter="sort[field]"
        )
    held = fragments.snapshot()  # big cases whose insights this process has encoded
    page = await service.search_cases(
        db=ctx.db,
        who=ctx.principal,
        text=text,
        sort=sort,
        ascending=query.boolean(q, "sort[asc]"),
        page_number=number,
        page_size=size,
        cursor=query.one(q, "page[cursor]"),
        held=lambda case: fragments.fresh(held, case) is not None,
    )
    meta = SearchMeta(
        total_cases=page.total,
        page=SearchPageMeta(
            current=page.number,
            size=len(page.cases),
            total=-(-page.total // size),
            next_cursor=page.next_cursor,
        ),
    )
    return 200, SearchResponse(
        data=[case_resource(v, _insights(held, v)) for v in page.cases],
        included=included_users(page.cases),
        meta=meta,
    )


async def count_cases(ctx: Ctx) -> Reply:
    q = ctx.query
    text = _query_text(query.one(q, "query_filter") or "", parameter="query_filter")
    raw = query.one(q, "group_bys") or ""
    fields = [f.strip() for f in raw.split(",") if f.strip()]
    if len(fields) > GROUP_FIELDS_MAX:
        raise InvalidInput(
            f"group_bys names at most {GROUP_FIELDS_MAX} fields", parameter="group_bys"
        )
    limit = query.integer(q, "limit", 100, 1, GROUPS_MAX)
    total, sets = await service.group_cases(
        db=ctx.db,
        who=ctx.principal,
        text=text,
        fields=fields,
        limit=limit,
        each_alone=True,
        text_parameter="query_filter",
        fields_parameter="group_bys",
    )
    groups = [
        CountGroup(field, [CountValue(b.values[0], b.count) for b in buckets])
        for field, buckets in zip(fields, sets, strict=True)
    ]
    return 200, CountResponse(CountData(str(uuid.uuid4()), CountAttributes(groups, total)))


async def aggregate_cases(ctx: Ctx) -> Reply:
    attrs = ctx.body.data.attributes
    pointer = "/data/attributes"
    text = _query_text(attrs.query_filter, pointer=f"{pointer}/query_filter")
    total, sets = await service.group_cases(
        db=ctx.db,
        who=ctx.principal,
        text=text,
        fields=attrs.group_by.groups,
        limit=attrs.group_by.limit,
        each_alone=False,
        text_pointer=f"{pointer}/query_filter",
        fields_pointer=f"{pointer}/group_by/groups",
    )
    groups = [AggregateGroup(",".join(b.values), [float(b.count)]) for s in sets for b in s]
    result = AggregateResult(str(uuid.uuid4()), AggregateResultAttributes(float(total), groups))
    return 200, AggregateResponse(result)


SEARCH_PARAMS = (
    Param(
        "page[size]",
        {"type": "integer", "default": PAGE_SIZE_DEFAULT, "minimum": 1, "maximum": PAGE_SIZE_MAX},
        "Cases per page.",
    ),
    Param(
        "page[number]", {"type": "integer", "default": 1, "minimum": 1}, "Page to return, 1-based."
    ),
    Param(
        "page[cursor]",
        {"type": "string", "maxLength": CURSOR_MAX},
        "The `meta.page.next_cursor` of the previous page: continues after its last case.",
    ),
    Param(
        "sort[field]",
        {"type": "string", "enum": list(SORT_FIELDS), "default": "created_at"},
        "Field to sort by.",
    ),
    Param("sort[asc]", {"type": "boolean", "default": False}, "Ascending order when true."),
    Param(
        "filter",
        {"type": "string", "maxLength": QUERY_MAX},
        "A query such as `status:open priority:P1 project:SEC login`; see the README.",
    ),
)
COUNT_PARAMS = (
    Param(
        "query_filter",
        {"type": "string", "maxLength": QUERY_MAX},
        "A query, as SearchCases' filter.",
    ),
    Param(
        "group_bys",
        {"type": "string", "maxLength": GROUP_BYS_MAX},
        "Comma-separated fields to count by, each on its own (status, priority, project, type,"
        " assignee, creator, archived or an attribute key).",
    ),
    Param(
        "limit",
        {"type": "integer", "default": 100, "minimum": 1, "maximum": GROUPS_MAX},
        "Most values per group, the biggest first.",
    ),
)

ROUTES = [
    Route(
        "GET",
        "/api/v2/cases",
        "SearchCases",
        "Search cases",
        "Cases",
        search_cases,
        200,
        scope="cases_read",
        response=SearchResponse,
        query=SEARCH_PARAMS,
        rate_family="cases_search",
    ),
    Route(
        "GET",
        "/api/v2/cases/count",
        "CountCases",
        "Count cases",
        "Cases",
        count_cases,
        200,
        scope="cases_read",
        response=CountResponse,
        query=COUNT_PARAMS,
        rate_family="cases_search",
    ),
    Route(
        "POST",
        "/api/v2/cases/aggregate",
        "AggregateCases",
        "Aggregate cases",
        "Cases",
        aggregate_cases,
        200,
        scope="cases_read",
        body=AggregateRequest,
        response=AggregateResponse,
        resource_type="aggregate",
        rate_family="cases_search",
    ),
]

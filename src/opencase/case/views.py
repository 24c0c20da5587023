"""HTTP handlers for /api/v2/cases and /api/v2/cases/{case_id}."""

from __future__ import annotations

from opencase.case import search, service
from opencase.case.models import PRIORITIES
from opencase.case.schemas import (
    CaseCreateRequest,
    CaseEmptyRequest,
    CaseResponse,
    CasesMeta,
    CasesResponse,
    PageMeta,
    case_resource,
    case_response,
    included_users,
)
from opencase.core.errors import InvalidInput
from opencase.http import query
from opencase.http.routing import Ctx, Param, Reply, Route


async def create_case(ctx: Ctx) -> Reply:
    data = ctx.body.data
    attrs, rels = data.attributes, data.relationships
    assignee = rels.assignee.data.id if rels.assignee and rels.assignee.data else None
    view = await service.create_case(
        db=ctx.db,
        who=ctx.principal,
        project_id=rels.project.data.id,
        title=attrs.title,
        type_id=attrs.type_id,
        description=attrs.description,
        priority=PRIORITIES.index(attrs.priority),
        status_name=attrs.status_name,
        assignee_id=assignee,
        custom_attributes=attrs.custom_attributes,
    )
    return 201, case_response(view)


async def get_case(ctx: Ctx) -> Reply:
    view = await service.get_case(db=ctx.db, who=ctx.principal, ref=ctx.params["case_id"])
    return 200, case_response(view)


async def archive_case(ctx: Ctx) -> Reply:
    view = await service.archive_case(db=ctx.db, who=ctx.principal, ref=ctx.params["case_id"])
    return 200, case_response(view)


async def unarchive_case(ctx: Ctx) -> Reply:
    view = await service.unarchive_case(db=ctx.db, who=ctx.principal, ref=ctx.params["case_id"])
    return 200, case_response(view)


async def search_cases(ctx: Ctx) -> Reply:
    q = ctx.query
    size = query.integer(q, "page[size]", search.PAGE_SIZE_DEFAULT, 1, search.PAGE_SIZE_MAX)
    number = query.integer(q, "page[number]", 1, 1, 10_000_000)
    sort_field = query.one(q, "sort[field]") or "created_at"
    if sort_field not in search.SORT_FIELDS:
        raise InvalidInput(
            f"sort[field] must be one of {', '.join(search.SORT_FIELDS)}", parameter="sort[field]"
        )
    page = await search.search_cases(
        db=ctx.db,
        who=ctx.principal,
        filter=query.one(q, "filter") or "",
        sort_field=sort_field,
        ascending=query.boolean(q, "sort[asc]"),
        page_number=number,
        page_size=size,
    )
    meta = CasesMeta(
        total_cases=page.total,
        page=PageMeta(current=number, size=len(page.cases), total=-(-page.total // size)),
    )
    return 200, CasesResponse(
        data=[case_resource(v) for v in page.cases],
        included=included_users(page.cases),
        meta=meta,
    )


SEARCH_PARAMS = (
    Param(
        "page[size]",
        {"type": "integer", "default": 10, "minimum": 1, "maximum": 100},
        "Cases per page.",
    ),
    Param(
        "page[number]", {"type": "integer", "default": 1, "minimum": 1}, "Page to return, 1-based."
    ),
    Param(
        "sort[field]",
        {"type": "string", "enum": list(search.SORT_FIELDS), "default": "created_at"},
        "Field to sort by.",
    ),
    Param("sort[asc]", {"type": "boolean", "default": False}, "Ascending order when true."),
    Param(
        "filter",
        {"type": "string"},
        "Terms such as `status:open priority:P1 project:SEC login`; see the README.",
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
        response=CasesResponse,
        query=SEARCH_PARAMS,
    ),
    Route(
        "POST",
        "/api/v2/cases",
        "CreateCase",
        "Create a case",
        "Cases",
        create_case,
        201,
        scope="cases_write",
        body=CaseCreateRequest,
        response=CaseResponse,
        resource_type="case",
    ),
    Route(
        "GET",
        "/api/v2/cases/{case_id}",
        "GetCase",
        "Get the details of a case",
        "Cases",
        get_case,
        200,
        scope="cases_read",
        response=CaseResponse,
    ),
    Route(
        "POST",
        "/api/v2/cases/{case_id}/archive",
        "ArchiveCase",
        "Archive case",
        "Cases",
        archive_case,
        200,
        scope="cases_write",
        body=CaseEmptyRequest,
        response=CaseResponse,
        resource_type="case",
    ),
    Route(
        "POST",
        "/api/v2/cases/{case_id}/unarchive",
        "UnarchiveCase",
        "Unarchive case",
        "Cases",
        unarchive_case,
        200,
        scope="cases_write",
        body=CaseEmptyRequest,
        response=CaseResponse,
        resource_type="case",
    ),
]

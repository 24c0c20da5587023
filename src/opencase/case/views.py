"""HTTP handlers for /api/v2/cases and /api/v2/cases/{case_id}."""

from __future__ import annotations

from opencase.case import service
from opencase.case.models import PRIORITIES
from opencase.case.schemas import (
    CaseCreateRequest,
    CaseEmptyRequest,
    CaseResponse,
    case_response,
    wire_insights,
)
from opencase.http.routing import Ctx, Reply, Route
from opencase.insight import fragments


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
    ref = ctx.params["case_id"]
    held = fragments.kept_for(ref)
    version = None if held is None else (held.case_id, held.version)
    view = await service.get_case(db=ctx.db, who=ctx.principal, ref=ref, kept=version)
    if held is not None and (view.case.id, view.case.version) == version:
        return 200, case_response(view, held.insights)
    return 200, case_response(view, fragments.keep(view, wire_insights))


async def archive_case(ctx: Ctx) -> Reply:
    view = await service.archive_case(db=ctx.db, who=ctx.principal, ref=ctx.params["case_id"])
    return 200, case_response(view)


async def unarchive_case(ctx: Ctx) -> Reply:
    view = await service.unarchive_case(db=ctx.db, who=ctx.principal, ref=ctx.params["case_id"])
    return 200, case_response(view)


ROUTES = [
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

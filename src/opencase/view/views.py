"""HTTP handlers for /api/v2/cases/views and /api/v2/cases/views/{view_id}.

The literal `views` segment wins over `{case_id}` in Falcon's router, so these never reach the
case routes (`views` is not a case key either: keys are `KEY-n`).
"""

from __future__ import annotations

import uuid

from opencase.core.errors import InvalidInput
from opencase.http import query
from opencase.http.routing import Ctx, Param, Reply, Route, uuid_param
from opencase.view import service
from opencase.view.schemas import (
    CaseViewCreateRequest,
    CaseViewResponse,
    CaseViewsResponse,
    CaseViewUpdateRequest,
    view_resource,
)


async def list_views(ctx: Ctx) -> Reply:
    raw = query.one(ctx.query, "project_id")
    if not raw:
        raise InvalidInput("missing required query parameter project_id", parameter="project_id")
    try:
        project_id = str(uuid.UUID(raw))
    except ValueError:
        raise InvalidInput(f"{raw!r} is not a UUID", parameter="project_id") from None
    views = await service.list_views(db=ctx.db, who=ctx.principal, project_id=project_id)
    return 200, CaseViewsResponse([view_resource(v) for v in views])


async def create_view(ctx: Ctx) -> Reply:
    attrs = ctx.body.data.attributes
    view = await service.create_view(
        db=ctx.db,
        who=ctx.principal,
        project_id=attrs.project_id,
        name=attrs.name,
        query=attrs.query,
        np_rule_id=attrs.np_rule_id,
    )
    return 201, CaseViewResponse(view_resource(view))


async def get_view(ctx: Ctx) -> Reply:
    view_id = uuid_param("view_id", ctx.params["view_id"])
    view = await service.get_view(db=ctx.db, who=ctx.principal, view_id=view_id)
    return 200, CaseViewResponse(view_resource(view))


async def update_view(ctx: Ctx) -> Reply:
    view_id = uuid_param("view_id", ctx.params["view_id"])
    attrs = ctx.body.data.attributes
    view = await service.update_view(
        db=ctx.db,
        who=ctx.principal,
        view_id=view_id,
        name=attrs.name,
        query=attrs.query,
        np_rule_id=attrs.np_rule_id,
    )
    return 200, CaseViewResponse(view_resource(view))


async def delete_view(ctx: Ctx) -> Reply:
    view_id = uuid_param("view_id", ctx.params["view_id"])
    await service.delete_view(db=ctx.db, who=ctx.principal, view_id=view_id)
    return 204, None


LIST_PARAMS = (
    Param(
        "project_id",
        {"type": "string", "format": "uuid"},
        "The project whose views to list (a project of the organisation).",
        required=True,
    ),
)

BASE = "/api/v2/cases/views"
TAG = "Views"
ROUTES = [
    Route(
        "GET",
        BASE,
        "ListCaseViews",
        "List case views",
        TAG,
        list_views,
        200,
        scope="cases_read",
        response=CaseViewsResponse,
        query=LIST_PARAMS,
        errors=(404,),
    ),
    Route(
        "POST",
        BASE,
        "CreateCaseView",
        "Create a case view",
        TAG,
        create_view,
        201,
        scope="cases_write",
        body=CaseViewCreateRequest,
        response=CaseViewResponse,
        resource_type="view",
    ),
    Route(
        "GET",
        BASE + "/{view_id}",
        "GetCaseView",
        "Get a case view",
        TAG,
        get_view,
        200,
        scope="cases_read",
        response=CaseViewResponse,
    ),
    Route(
        "PUT",
        BASE + "/{view_id}",
        "UpdateCaseView",
        "Update a case view",
        TAG,
        update_view,
        200,
        scope="cases_write",
        body=CaseViewUpdateRequest,
        response=CaseViewResponse,
        resource_type="view",
    ),
    Route(
        "DELETE",
        BASE + "/{view_id}",
        "DeleteCaseView",
        "Delete a case view",
        TAG,
        delete_view,
        204,
        scope="cases_write",
    ),
]

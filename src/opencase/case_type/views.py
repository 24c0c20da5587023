"""HTTP handlers for /api/v2/cases/types."""

from __future__ import annotations

from opencase.case_type import service
from opencase.case_type.schemas import (
    CaseTypeCreateRequest,
    CaseTypeResponse,
    CaseTypesResponse,
    CaseTypeUpdateRequest,
    case_type_resource,
)
from opencase.http.routing import Ctx, Reply, Route, uuid_param


async def list_case_types(ctx: Ctx) -> Reply:
    types = await service.list_case_types(db=ctx.db, who=ctx.principal)
    return 200, CaseTypesResponse([case_type_resource(t) for t in types])


async def create_case_type(ctx: Ctx) -> Reply:
    attrs = ctx.body.data.attributes
    case_type = await service.create_case_type(
        db=ctx.db,
        who=ctx.principal,
        name=attrs.name,
        description=attrs.description,
        emoji=attrs.emoji,
    )
    return 201, CaseTypeResponse(case_type_resource(case_type))


async def update_case_type(ctx: Ctx) -> Reply:
    type_id = uuid_param("case_type_id", ctx.params["case_type_id"])
    attrs = ctx.body.data.attributes
    case_type = await service.update_case_type(
        db=ctx.db,
        who=ctx.principal,
        type_id=type_id,
        name=attrs.name,
        description=attrs.description,
        emoji=attrs.emoji,
    )
    return 200, CaseTypeResponse(case_type_resource(case_type))


async def delete_case_type(ctx: Ctx) -> Reply:
    type_id = uuid_param("case_type_id", ctx.params["case_type_id"])
    await service.delete_case_type(db=ctx.db, who=ctx.principal, type_id=type_id)
    return 204, None


BASE = "/api/v2/cases/types"
TAG = "Case Types"
ROUTES = [
    Route(
        "GET",
        BASE,
        "GetAllCaseTypes",
        "Get all case types",
        TAG,
        list_case_types,
        200,
        response=CaseTypesResponse,
    ),
    Route(
        "POST",
        BASE,
        "CreateCaseType",
        "Create a case type",
        TAG,
        create_case_type,
        201,
        body=CaseTypeCreateRequest,
        response=CaseTypeResponse,
        resource_type="case_type",
    ),
    Route(
        "PUT",
        BASE + "/{case_type_id}",
        "UpdateCaseType",
        "Update a case type",
        TAG,
        update_case_type,
        200,
        scope="cases_shared_settings_write",
        body=CaseTypeUpdateRequest,
        response=CaseTypeResponse,
        resource_type="case_type",
    ),
    Route(
        "DELETE",
        BASE + "/{case_type_id}",
        "DeleteCaseType",
        "Delete a case type",
        TAG,
        delete_case_type,
        204,
    ),
]

"""HTTP handlers for /api/v2/cases/types."""

from __future__ import annotations

from opencase.case_type import service
from opencase.case_type.builtin import DEFAULT_STATUSES, STATUS_GROUPS
from opencase.case_type.schemas import (
    CaseTypeAttributes,
    CaseTypeResource,
    CaseTypesResponse,
    StatusConfig,
)
from opencase.http.routing import Ctx, Reply, Route

_STATUSES = [StatusConfig(s.name, STATUS_GROUPS[s.group]) for s in DEFAULT_STATUSES]


async def list_case_types(ctx: Ctx) -> Reply:
    types = await service.list_case_types(db=ctx.db, who=ctx.principal)
    return 200, CaseTypesResponse(
        [
            CaseTypeResource(
                id=t.id,
                attributes=CaseTypeAttributes(
                    name=t.name,
                    description=t.description,
                    emoji=t.emoji,
                    internal=t.internal,
                    statuses_config=_STATUSES,
                ),
            )
            for t in types
        ]
    )


ROUTES = [
    Route(
        "GET",
        "/api/v2/cases/types",
        "GetAllCaseTypes",
        "Get all case types",
        "Case Types",
        list_case_types,
        200,
        response=CaseTypesResponse,
    ),
]

"""HTTP handler for POST /api/v2/cases/bulk (BulkUpdateCases).

Success is 200 with no body: Datadog's spec defines none for this operation, and
datadog-api-client's `bulk_update_cases` returns None (`response_type` None, `Accept: */*`).
Read the cases back with GetCase or SearchCases.
"""

from __future__ import annotations

from opencase.bulk import service
from opencase.bulk.schemas import CaseBulkUpdateRequest
from opencase.http.errors import ApiError
from opencase.http.routing import Ctx, Reply, Route


async def bulk_update(ctx: Ctx) -> Reply:
    attrs = ctx.body.data.attributes
    try:
        await service.bulk_update(
            db=ctx.db,
            who=ctx.principal,
            case_ids=attrs.case_ids,
            action=attrs.type,
            payload=attrs.payload or {},
        )
    except service.CasesNotFound as exc:
        # The single-case 404, plus which entries of case_ids name no case.
        error = {
            "status": "404",
            "code": "resource_not_found",
            "title": "case not found",
            "detail": f"no such case: {', '.join(exc.refs)}",
        }
        raise ApiError(404, [error]) from None
    return 200, None


ROUTES = [
    Route(
        "POST",
        "/api/v2/cases/bulk",
        "BulkUpdateCases",
        "Bulk update cases",
        "Cases",
        bulk_update,
        200,
        scope="cases_write",
        body=CaseBulkUpdateRequest,
        resource_type="bulk",
        rate_family="cases_bulk",
    ),
]

"""HTTP handlers for PUT and DELETE /api/v2/cases/{case_id}/insights."""

from __future__ import annotations

from opencase.case.models import Insight
from opencase.case.schemas import CaseResponse, case_response
from opencase.http.routing import Ctx, Reply, Route
from opencase.insight import service
from opencase.insight.schemas import CaseInsightsRequest


def _insights(ctx: Ctx) -> list[Insight]:
    return [Insight(i.type, i.ref, i.resource_id) for i in ctx.body.data.attributes.insights]


async def add_insights(ctx: Ctx) -> Reply:
    view = await service.add_insights(
        db=ctx.db, who=ctx.principal, case_ref=ctx.params["case_id"], insights=_insights(ctx)
    )
    return 200, case_response(view)


async def remove_insights(ctx: Ctx) -> Reply:
    view = await service.remove_insights(
        db=ctx.db, who=ctx.principal, case_ref=ctx.params["case_id"], insights=_insights(ctx)
    )
    return 200, case_response(view)


PATH = "/api/v2/cases/{case_id}/insights"
ROUTES = [
    Route(
        "PUT",
        PATH,
        "AddCaseInsights",
        "Add insights to a case",
        "Insights",
        add_insights,
        200,
        scope="cases_write",
        body=CaseInsightsRequest,
        response=CaseResponse,
        resource_type="case",
    ),
    Route(
        "DELETE",
        PATH,
        "RemoveCaseInsights",
        "Remove insights from a case",
        "Insights",
        remove_insights,
        200,
        scope="cases_write",
        body=CaseInsightsRequest,
        response=CaseResponse,
        resource_type="case",
    ),
]

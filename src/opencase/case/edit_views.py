"""HTTP handlers for case edits: POST /api/v2/cases/{case_id}/<field>, assign, unassign, and
PATCH /api/v2/cases/{case_id}/relationships/project."""

from __future__ import annotations

from typing import Any

from opencase.case import edits
from opencase.case.edit_schemas import (
    CaseAssignRequest,
    CaseUpdateAttributesRequest,
    CaseUpdateDescriptionRequest,
    CaseUpdateDueDateRequest,
    CaseUpdatePriorityRequest,
    CaseUpdateResolvedReasonRequest,
    CaseUpdateStatusRequest,
    CaseUpdateTitleRequest,
    ProjectRelationshipRequest,
)
from opencase.case.schemas import CaseEmptyRequest, CaseResponse, case_response
from opencase.http.routing import Ctx, Handler, Reply, Route


def _common(ctx: Ctx) -> dict[str, Any]:
    return {"db": ctx.db, "who": ctx.principal, "ref": ctx.params["case_id"]}


async def update_title(ctx: Ctx) -> Reply:
    attrs = ctx.body.data.attributes
    return 200, case_response(await edits.update_title(**_common(ctx), title=attrs.title))


async def update_description(ctx: Ctx) -> Reply:
    attrs = ctx.body.data.attributes
    view = await edits.update_description(**_common(ctx), description=attrs.description)
    return 200, case_response(view)


async def update_priority(ctx: Ctx) -> Reply:
    attrs = ctx.body.data.attributes
    return 200, case_response(await edits.update_priority(**_common(ctx), priority=attrs.priority))


async def update_status(ctx: Ctx) -> Reply:
    attrs = ctx.body.data.attributes
    view = await edits.update_status(
        **_common(ctx), status_name=attrs.status_name, status=attrs.status
    )
    return 200, case_response(view)


async def update_due_date(ctx: Ctx) -> Reply:
    attrs = ctx.body.data.attributes
    return 200, case_response(await edits.update_due_date(**_common(ctx), due_date=attrs.due_date))


async def update_resolved_reason(ctx: Ctx) -> Reply:
    attrs = ctx.body.data.attributes
    view = await edits.update_resolved_reason(
        **_common(ctx), resolved_reason=attrs.security_resolved_reason
    )
    return 200, case_response(view)


async def update_attributes(ctx: Ctx) -> Reply:
    attrs = ctx.body.data.attributes
    view = await edits.update_attributes(**_common(ctx), attributes=attrs.attributes)
    return 200, case_response(view)


async def assign_case(ctx: Ctx) -> Reply:
    attrs = ctx.body.data.attributes
    view = await edits.assign_case(**_common(ctx), assignee_id=attrs.assignee_id)
    return 200, case_response(view)


async def unassign_case(ctx: Ctx) -> Reply:
    return 200, case_response(await edits.unassign_case(**_common(ctx)))


async def move_case(ctx: Ctx) -> Reply:
    view = await edits.move_case(**_common(ctx), project_id=ctx.body.data.id)
    return 200, case_response(view)


def _edit(path: str, operation_id: str, summary: str, handler: Handler, body: Any) -> Route:
    return Route(
        "POST",
        f"/api/v2/cases/{{case_id}}/{path}",
        operation_id,
        summary,
        "Cases",
        handler,
        200,
        scope="cases_write",
        body=body,
        response=CaseResponse,
        resource_type="case",
    )


ROUTES = [
    _edit("title", "UpdateCaseTitle", "Update case title", update_title, CaseUpdateTitleRequest),
    _edit(
        "description",
        "UpdateCaseDescription",
        "Update case description",
        update_description,
        CaseUpdateDescriptionRequest,
    ),
    _edit(
        "priority",
        "UpdatePriority",
        "Update case priority",
        update_priority,
        CaseUpdatePriorityRequest,
    ),
    _edit("status", "UpdateStatus", "Update case status", update_status, CaseUpdateStatusRequest),
    _edit(
        "due_date",
        "UpdateCaseDueDate",
        "Update case due date",
        update_due_date,
        CaseUpdateDueDateRequest,
    ),
    _edit(
        "resolved_reason",
        "UpdateCaseResolvedReason",
        "Update case resolved reason",
        update_resolved_reason,
        CaseUpdateResolvedReasonRequest,
    ),
    _edit(
        "attributes",
        "UpdateAttributes",
        "Update case attributes",
        update_attributes,
        CaseUpdateAttributesRequest,
    ),
    _edit("assign", "AssignCase", "Assign case", assign_case, CaseAssignRequest),
    _edit("unassign", "UnassignCase", "Unassign case", unassign_case, CaseEmptyRequest),
    Route(
        "PATCH",
        "/api/v2/cases/{case_id}/relationships/project",
        "MoveCaseToProject",
        "Update case project",
        "Cases",
        move_case,
        200,
        scope="cases_write",
        body=ProjectRelationshipRequest,
        response=CaseResponse,
        resource_type="project",
    ),
]

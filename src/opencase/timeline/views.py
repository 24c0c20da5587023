"""HTTP handlers for a case's comments (/comment, /comment/{cell_id}) and its /timelines."""

from __future__ import annotations

from opencase.http import query
from opencase.http.routing import Ctx, Param, Reply, Route, uuid_param
from opencase.timeline import service
from opencase.timeline.models import PAGE_NUMBER_MAX, PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX
from opencase.timeline.schemas import (
    CaseCommentRequest,
    CaseUpdateCommentRequest,
    TimelineResponse,
    timeline_response,
)


async def comment_case(ctx: Ctx) -> Reply:
    timeline = await service.comment_case(
        db=ctx.db,
        who=ctx.principal,
        case_ref=ctx.params["case_id"],
        message=ctx.body.data.attributes.comment,
    )
    return 200, timeline_response(timeline)


async def update_comment(ctx: Ctx) -> Reply:
    cell_id = uuid_param("cell_id", ctx.params["cell_id"])
    timeline = await service.update_comment(
        db=ctx.db,
        who=ctx.principal,
        case_ref=ctx.params["case_id"],
        cell_id=cell_id,
        message=ctx.body.data.attributes.comment,
    )
    return 200, timeline_response(timeline)


async def delete_comment(ctx: Ctx) -> Reply:
    cell_id = uuid_param("cell_id", ctx.params["cell_id"])
    await service.delete_comment(
        db=ctx.db, who=ctx.principal, case_ref=ctx.params["case_id"], cell_id=cell_id
    )
    return 204, None


async def list_timeline(ctx: Ctx) -> Reply:
    q = ctx.query
    timeline = await service.list_timeline(
        db=ctx.db,
        who=ctx.principal,
        case_ref=ctx.params["case_id"],
        page_size=query.integer(q, "page[size]", PAGE_SIZE_DEFAULT, 1, PAGE_SIZE_MAX),
        page_number=query.integer(q, "page[number]", 0, 0, PAGE_NUMBER_MAX),
        ascending=query.boolean(q, "sort[ascending]"),
    )
    return 200, timeline_response(timeline)


TIMELINE_PARAMS = (
    Param(
        "page[size]",
        {"type": "integer", "default": PAGE_SIZE_DEFAULT, "minimum": 1, "maximum": PAGE_SIZE_MAX},
        "Timeline cells per page.",
    ),
    Param(
        "page[number]",
        {"type": "integer", "default": 0, "minimum": 0, "maximum": PAGE_NUMBER_MAX},
        "Page to return, 0-based.",
    ),
    Param(
        "sort[ascending]",
        {"type": "boolean", "default": False},
        "Oldest first when true; newest first by default.",
    ),
)

COMMENT_PATH = "/api/v2/cases/{case_id}/comment"
CELL_PATH = "/api/v2/cases/{case_id}/comment/{cell_id}"
ROUTES = [
    Route(
        "POST",
        COMMENT_PATH,
        "CommentCase",
        "Comment case",
        "Timeline",
        comment_case,
        200,
        body=CaseCommentRequest,
        response=TimelineResponse,
        resource_type="case",
    ),
    Route(
        "PUT",
        CELL_PATH,
        "UpdateCaseComment",
        "Update case comment",
        "Timeline",
        update_comment,
        200,
        scope="cases_write",
        body=CaseUpdateCommentRequest,
        response=TimelineResponse,
        resource_type="case",
    ),
    Route(
        "DELETE",
        CELL_PATH,
        "DeleteCaseComment",
        "Delete case comment",
        "Timeline",
        delete_comment,
        204,
    ),
    Route(
        "GET",
        "/api/v2/cases/{case_id}/timelines",
        "ListCaseTimeline",
        "Get case timeline",
        "Timeline",
        list_timeline,
        200,
        scope="cases_read",
        response=TimelineResponse,
        query=TIMELINE_PARAMS,
    ),
]

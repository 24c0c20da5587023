"""HTTP handlers for /api/v2/cases/{case_id}/watchers."""

from __future__ import annotations

from opencase.http.routing import Ctx, Reply, Route, uuid_param
from opencase.watcher import service
from opencase.watcher.schemas import CaseWatchersResponse, watchers_response


async def list_watchers(ctx: Ctx) -> Reply:
    watchers = await service.list_watchers(
        db=ctx.db, who=ctx.principal, case_ref=ctx.params["case_id"]
    )
    return 200, watchers_response(watchers)


async def watch_case(ctx: Ctx) -> Reply:
    user_id = uuid_param("user_uuid", ctx.params["user_uuid"])
    await service.watch_case(
        db=ctx.db, who=ctx.principal, case_ref=ctx.params["case_id"], user_id=user_id
    )
    return 201, None


async def unwatch_case(ctx: Ctx) -> Reply:
    user_id = uuid_param("user_uuid", ctx.params["user_uuid"])
    await service.unwatch_case(
        db=ctx.db, who=ctx.principal, case_ref=ctx.params["case_id"], user_id=user_id
    )
    return 204, None


PATH = "/api/v2/cases/{case_id}/watchers"
ROUTES = [
    Route(
        "GET",
        PATH,
        "ListCaseWatchers",
        "List case watchers",
        "Watchers",
        list_watchers,
        200,
        scope="cases_read",
        response=CaseWatchersResponse,
    ),
    Route(
        "POST",
        PATH + "/{user_uuid}",
        "WatchCase",
        "Watch a case",
        "Watchers",
        watch_case,
        201,
        scope="cases_write",
    ),
    Route(
        "DELETE",
        PATH + "/{user_uuid}",
        "UnwatchCase",
        "Unwatch a case",
        "Watchers",
        unwatch_case,
        204,
        scope="cases_write",
    ),
]

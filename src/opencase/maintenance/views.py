"""HTTP handlers for /api/v2/maintenance_windows and /api/v2/maintenance_windows/{id}."""

from __future__ import annotations

from opencase.http.routing import Ctx, Reply, Route, uuid_param
from opencase.maintenance import service
from opencase.maintenance.schemas import (
    MaintenanceWindowCreateRequest,
    MaintenanceWindowResponse,
    MaintenanceWindowsResponse,
    MaintenanceWindowUpdateRequest,
    window_resource,
)


def _window_id(ctx: Ctx) -> str:
    return uuid_param("maintenance_window_id", ctx.params["maintenance_window_id"])


async def list_windows(ctx: Ctx) -> Reply:
    windows = await service.list_windows(db=ctx.db, who=ctx.principal)
    return 200, MaintenanceWindowsResponse([window_resource(w) for w in windows])


async def create_window(ctx: Ctx) -> Reply:
    attrs = ctx.body.data.attributes
    window = await service.create_window(
        db=ctx.db,
        who=ctx.principal,
        name=attrs.name,
        query=attrs.query,
        start_at=attrs.start_at,
        end_at=attrs.end_at,
    )
    return 201, MaintenanceWindowResponse(window_resource(window))


async def update_window(ctx: Ctx) -> Reply:
    window_id = _window_id(ctx)
    attrs = ctx.body.data.attributes
    window = await service.update_window(
        db=ctx.db,
        who=ctx.principal,
        window_id=window_id,
        name=attrs.name,
        query=attrs.query,
        start_at=attrs.start_at,
        end_at=attrs.end_at,
    )
    return 200, MaintenanceWindowResponse(window_resource(window))


async def delete_window(ctx: Ctx) -> Reply:
    await service.delete_window(db=ctx.db, who=ctx.principal, window_id=_window_id(ctx))
    return 204, None


BASE = "/api/v2/maintenance_windows"
TAG = "Maintenance windows"
READ = "event_correlation_config_read"
WRITE = "event_correlation_config_write"
ROUTES: list[Route] = [
    Route(
        "GET",
        BASE,
        "ListMaintenanceWindows",
        "List maintenance windows",
        TAG,
        list_windows,
        200,
        scope=READ,
        response=MaintenanceWindowsResponse,
    ),
    Route(
        "POST",
        BASE,
        "CreateMaintenanceWindow",
        "Create a maintenance window",
        TAG,
        create_window,
        201,
        scope=WRITE,
        body=MaintenanceWindowCreateRequest,
        response=MaintenanceWindowResponse,
        resource_type="maintenance_window",
    ),
    Route(
        "PUT",
        BASE + "/{maintenance_window_id}",
        "UpdateMaintenanceWindow",
        "Update a maintenance window",
        TAG,
        update_window,
        200,
        scope=WRITE,
        body=MaintenanceWindowUpdateRequest,
        response=MaintenanceWindowResponse,
        resource_type="maintenance_window",
    ),
    Route(
        "DELETE",
        BASE + "/{maintenance_window_id}",
        "DeleteMaintenanceWindow",
        "Delete a maintenance window",
        TAG,
        delete_window,
        204,
        scope=WRITE,
    ),
]

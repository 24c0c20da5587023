"""HTTP handlers for /api/v2/cases/projects."""

from __future__ import annotations

from opencase.http.routing import Ctx, Reply, Route, uuid_param
from opencase.project import service
from opencase.project.schemas import (
    ProjectCreateRequest,
    ProjectResponse,
    ProjectsResponse,
    ProjectUpdateRequest,
    project_resource,
)


async def create_project(ctx: Ctx) -> Reply:
    attrs = ctx.body.data.attributes
    project = await service.create_project(
        db=ctx.db,
        who=ctx.principal,
        key=attrs.key,
        name=attrs.name,
        enabled_custom_case_types=attrs.enabled_custom_case_types,
    )
    return 201, ProjectResponse(project_resource(project))


async def list_projects(ctx: Ctx) -> Reply:
    projects = await service.list_projects(db=ctx.db, who=ctx.principal)
    return 200, ProjectsResponse([project_resource(p) for p in projects])


async def get_project(ctx: Ctx) -> Reply:
    project_id = uuid_param("project_id", ctx.params["project_id"])
    project = await service.get_project(db=ctx.db, who=ctx.principal, project_id=project_id)
    return 200, ProjectResponse(project_resource(project))


async def update_project(ctx: Ctx) -> Reply:
    project_id = uuid_param("project_id", ctx.params["project_id"])
    attrs = ctx.body.data.attributes
    project = await service.update_project(
        db=ctx.db,
        who=ctx.principal,
        project_id=project_id,
        name=attrs.name,
        enabled_custom_case_types=attrs.enabled_custom_case_types,
    )
    return 200, ProjectResponse(project_resource(project))


async def delete_project(ctx: Ctx) -> Reply:
    project_id = uuid_param("project_id", ctx.params["project_id"])
    await service.delete_project(db=ctx.db, who=ctx.principal, project_id=project_id)
    return 204, None


BASE = "/api/v2/cases/projects"
ROUTES = [
    Route(
        "GET",
        BASE,
        "GetProjects",
        "Get all projects",
        "Projects",
        list_projects,
        200,
        scope="cases_read",
        response=ProjectsResponse,
    ),
    Route(
        "POST",
        BASE,
        "CreateProject",
        "Create a project",
        "Projects",
        create_project,
        201,
        scope="cases_write",
        body=ProjectCreateRequest,
        response=ProjectResponse,
        resource_type="project",
        errors=(409,),
    ),
    Route(
        "GET",
        BASE + "/{project_id}",
        "GetProject",
        "Get the details of a project",
        "Projects",
        get_project,
        200,
        scope="cases_read",
        response=ProjectResponse,
    ),
    Route(
        "PATCH",
        BASE + "/{project_id}",
        "UpdateProject",
        "Update a project",
        "Projects",
        update_project,
        200,
        scope="cases_write",
        body=ProjectUpdateRequest,
        response=ProjectResponse,
        resource_type="project",
    ),
    Route(
        "DELETE",
        BASE + "/{project_id}",
        "DeleteProject",
        "Remove a project and its cases",
        "Projects",
        delete_project,
        204,
        scope="cases_write",
    ),
]

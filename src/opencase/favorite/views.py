"""HTTP handlers for /api/v2/cases/projects/favorites and /projects/{project_id}/favorites."""

from __future__ import annotations

from opencase.favorite import service
from opencase.favorite.schemas import ProjectFavoritesResponse, favorites_response
from opencase.http.routing import Ctx, Reply, Route, uuid_param


async def list_favorites(ctx: Ctx) -> Reply:
    favorites = await service.list_favorites(db=ctx.db, who=ctx.principal)
    return 200, favorites_response(favorites)


async def favorite_project(ctx: Ctx) -> Reply:
    project_id = uuid_param("project_id", ctx.params["project_id"])
    await service.favorite_project(db=ctx.db, who=ctx.principal, project_id=project_id)
    return 204, None


async def unfavorite_project(ctx: Ctx) -> Reply:
    project_id = uuid_param("project_id", ctx.params["project_id"])
    await service.unfavorite_project(db=ctx.db, who=ctx.principal, project_id=project_id)
    return 204, None


BASE = "/api/v2/cases/projects"
ROUTES = [
    # The literal segment wins over {project_id} in Falcon's router: GET /projects/favorites
    # lists favorites, it is not GetProject("favorites").
    Route(
        "GET",
        BASE + "/favorites",
        "ListUserCaseProjectFavorites",
        "List project favorites",
        "Projects",
        list_favorites,
        200,
        scope="cases_read",
        response=ProjectFavoritesResponse,
    ),
    Route(
        "POST",
        BASE + "/{project_id}/favorites",
        "FavoriteCaseProject",
        "Favorite a project",
        "Projects",
        favorite_project,
        204,
        scope="cases_write",
    ),
    Route(
        "DELETE",
        BASE + "/{project_id}/favorites",
        "UnfavoriteCaseProject",
        "Unfavorite a project",
        "Projects",
        unfavorite_project,
        204,
        scope="cases_write",
    ),
]

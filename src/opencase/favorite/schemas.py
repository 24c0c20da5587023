"""Project favorites on the wire: ProjectFavoritesResponse of Datadog's spec."""

from __future__ import annotations

from typing import Literal

import msgspec

from opencase.favorite.models import ProjectFavorite


class ProjectFavoriteResource(msgspec.Struct, frozen=True):
    id: str  # the project's id
    type: Literal["project_favorite"] = "project_favorite"


class ProjectFavoritesResponse(msgspec.Struct, frozen=True):
    data: list[ProjectFavoriteResource]


def favorites_response(favorites: list[ProjectFavorite]) -> ProjectFavoritesResponse:
    return ProjectFavoritesResponse([ProjectFavoriteResource(f.project_id) for f in favorites])

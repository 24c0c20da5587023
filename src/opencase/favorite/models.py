"""Project favorites: the projects a user has bookmarked."""

from __future__ import annotations

import msgspec


class ProjectFavorite(msgspec.Struct, frozen=True):
    project_id: str
    created_at: int  # when the user favorited the project

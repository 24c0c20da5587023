"""Wire structs shared by every resource: relationships and included users."""

from __future__ import annotations

from typing import Literal

import msgspec

from opencase.http.fields import Uuid
from opencase.identity.models import User


class UserRef(msgspec.Struct, frozen=True):
    id: Uuid
    type: Literal["user"] = "user"


class UserRelationship(msgspec.Struct, frozen=True):
    data: UserRef | None


class ProjectRef(msgspec.Struct, frozen=True):
    id: Uuid
    type: Literal["project"] = "project"


class ProjectRelationship(msgspec.Struct, frozen=True):
    data: ProjectRef


class UserAttributes(msgspec.Struct, frozen=True):
    active: bool
    email: str
    handle: str
    name: str


class UserResource(msgspec.Struct, frozen=True):
    id: str
    attributes: UserAttributes
    type: Literal["user"] = "user"


def user_resource(user: User) -> UserResource:
    """A user as the `included` arrays show it."""
    return UserResource(
        id=user.id,
        attributes=UserAttributes(
            active=user.active, email=user.email, handle=user.handle, name=user.name
        ),
    )

"""Project resources on the wire (JSON:API, Datadog field names)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from opencase.core.clock import rfc3339, rfc3339_opt
from opencase.http.fields import Uuid
from opencase.project.models import CASE_TYPES_MAX, KEY_MAX, NAME_MAX, Project

Name = Annotated[str, Meta(min_length=1, max_length=NAME_MAX)]
CaseTypeIds = Annotated[list[Uuid], Meta(max_length=CASE_TYPES_MAX)]


class ProjectCreateAttributes(msgspec.Struct, frozen=True):
    name: Name
    key: Annotated[str, Meta(min_length=1, max_length=KEY_MAX)]
    enabled_custom_case_types: CaseTypeIds = []


class ProjectCreate(msgspec.Struct, frozen=True):
    type: Literal["project"]
    attributes: ProjectCreateAttributes


class ProjectCreateRequest(msgspec.Struct, frozen=True):
    data: ProjectCreate


class ProjectUpdateAttributes(msgspec.Struct, frozen=True):
    name: Name | None = None
    enabled_custom_case_types: CaseTypeIds | None = None


class ProjectUpdate(msgspec.Struct, frozen=True):
    type: Literal["project"]
    attributes: ProjectUpdateAttributes = ProjectUpdateAttributes()


class ProjectUpdateRequest(msgspec.Struct, frozen=True):
    data: ProjectUpdate


class ProjectAttributes(msgspec.Struct, frozen=True, omit_defaults=True):
    key: str
    name: str
    enabled_custom_case_types: list[str]
    restricted: bool
    created_at: str
    modified_at: str | None = None


class ProjectResource(msgspec.Struct, frozen=True):
    id: str
    attributes: ProjectAttributes
    type: Literal["project"] = "project"


class ProjectResponse(msgspec.Struct, frozen=True):
    data: ProjectResource


class ProjectsResponse(msgspec.Struct, frozen=True):
    data: list[ProjectResource]


def project_resource(project: Project) -> ProjectResource:
    return ProjectResource(
        id=project.id,
        attributes=ProjectAttributes(
            key=project.key,
            name=project.name,
            enabled_custom_case_types=project.enabled_custom_case_types,
            restricted=False,
            created_at=rfc3339(project.created_at),
            modified_at=rfc3339_opt(project.modified_at),
        ),
    )

"""Case views on the wire: CaseViewCreateRequest, CaseViewUpdateRequest, CaseViewResponse and
CaseViewsResponse of Datadog's spec."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from opencase.core.clock import rfc3339, rfc3339_opt
from opencase.http.fields import Uuid
from opencase.http.jsonapi import ProjectRef, ProjectRelationship, UserRef, UserRelationship
from opencase.view.models import NAME_MAX, NP_RULE_ID_MAX, QUERY_MAX, SavedView

Name = Annotated[str, Meta(min_length=1, max_length=NAME_MAX)]
Query = Annotated[str, Meta(max_length=QUERY_MAX)]
NpRuleId = Annotated[str, Meta(min_length=1, max_length=NP_RULE_ID_MAX)]


class CaseViewCreateAttributes(msgspec.Struct, frozen=True):
    name: Name
    query: Query
    project_id: Uuid
    np_rule_id: NpRuleId | None = None


class CaseViewCreate(msgspec.Struct, frozen=True):
    type: Literal["view"]
    attributes: CaseViewCreateAttributes


class CaseViewCreateRequest(msgspec.Struct, frozen=True):
    data: CaseViewCreate


class CaseViewUpdateAttributes(msgspec.Struct, frozen=True):
    name: Name | None = None  # None: unchanged
    query: Query | None = None  # None: unchanged
    np_rule_id: NpRuleId | msgspec.UnsetType | None = msgspec.UNSET  # None removes it


class CaseViewUpdate(msgspec.Struct, frozen=True):
    type: Literal["view"]
    attributes: CaseViewUpdateAttributes = CaseViewUpdateAttributes()


class CaseViewUpdateRequest(msgspec.Struct, frozen=True):
    data: CaseViewUpdate


class CaseViewAttributes(msgspec.Struct, frozen=True, omit_defaults=True):
    name: str
    query: str
    created_at: str
    modified_at: str | None = None
    np_rule_id: str | None = None


class CaseViewRelationships(msgspec.Struct, frozen=True, omit_defaults=True):
    project: ProjectRelationship
    created_by: UserRelationship | None = None
    modified_by: UserRelationship | None = None


class CaseViewResource(msgspec.Struct, frozen=True):
    id: str
    attributes: CaseViewAttributes
    relationships: CaseViewRelationships
    type: Literal["view"] = "view"


class CaseViewResponse(msgspec.Struct, frozen=True):
    data: CaseViewResource


class CaseViewsResponse(msgspec.Struct, frozen=True):
    data: list[CaseViewResource]


def _user(user_id: str | None) -> UserRelationship | None:
    return None if user_id is None else UserRelationship(UserRef(user_id))


def view_resource(view: SavedView) -> CaseViewResource:
    return CaseViewResource(
        id=view.id,
        attributes=CaseViewAttributes(
            name=view.name,
            query=view.query,
            created_at=rfc3339(view.created_at),
            modified_at=rfc3339_opt(view.modified_at),
            np_rule_id=view.np_rule_id,
        ),
        relationships=CaseViewRelationships(
            project=ProjectRelationship(ProjectRef(view.project_id)),
            created_by=_user(view.created_by),
            modified_by=_user(view.modified_by),
        ),
    )

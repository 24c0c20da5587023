"""Case resources on the wire (JSON:API, Datadog field names) and their conversion."""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

import msgspec
from msgspec import Meta

from opencase.case.models import DESCRIPTION_MAX, PRIORITIES, TITLE_MAX, CaseView
from opencase.case_type.builtin import BUILTIN_BY_ID, LEGACY_STATUS, STATUS_GROUPS
from opencase.core.clock import rfc3339, rfc3339_opt
from opencase.http.errors import ENUM_CHOICES
from opencase.http.fields import ShortName, Uuid
from opencase.http.jsonapi import (
    ProjectRef,
    ProjectRelationship,
    UserRef,
    UserRelationship,
    UserResource,
    user_resource,
)

Priority = Literal["NOT_DEFINED", "P1", "P2", "P3", "P4", "P5"]
ENUM_CHOICES["priority"] = ("P1", "P2", "P3", "P4", "P5", "NOT_DEFINED")

Title = Annotated[str, Meta(min_length=1, max_length=TITLE_MAX)]
Description = Annotated[str, Meta(max_length=DESCRIPTION_MAX)]
CUSTOM_ATTRIBUTES_MAX = 200  # values one new case may set


class CaseCreateAttributes(msgspec.Struct, frozen=True):
    title: Title
    type_id: Uuid
    description: Description = ""
    priority: Priority = "NOT_DEFINED"
    status_name: ShortName | None = None
    custom_attributes: Annotated[dict[str, Any], Meta(max_length=CUSTOM_ATTRIBUTES_MAX)] = {}


class UserRelationshipIn(msgspec.Struct, frozen=True):
    data: UserRef | None = None


class CaseCreateRelationships(msgspec.Struct, frozen=True):
    project: ProjectRelationship
    assignee: UserRelationshipIn | None = None


class CaseCreate(msgspec.Struct, frozen=True):
    type: Literal["case"]
    attributes: CaseCreateAttributes
    relationships: CaseCreateRelationships


class CaseCreateRequest(msgspec.Struct, frozen=True):
    data: CaseCreate


class CaseEmpty(msgspec.Struct, frozen=True):
    type: Literal["case"]


class CaseEmptyRequest(msgspec.Struct, frozen=True):
    data: CaseEmpty


class InsightOut(msgspec.Struct, frozen=True):
    type: str
    ref: str
    resource_id: str


class CaseAttributes(msgspec.Struct, frozen=True, omit_defaults=True):
    title: str
    key: str
    description: str
    priority: str
    status: str
    status_name: str
    status_group: str
    type: str
    type_id: str
    attributes: dict[str, list[str]]
    custom_attributes: dict[str, Any]
    insights: list[InsightOut]
    comment_count: int
    creation_source: str
    internal_id: str
    merge_status: str
    public_id: str
    created_at: str
    modified_at: str | None = None
    closed_at: str | None = None
    archived_at: str | None = None
    due_date: str | None = None
    resolved_reason: str | None = None
    jira_issue: dict[str, Any] | None = None
    service_now_ticket: dict[str, Any] | None = None


class CaseRelationships(msgspec.Struct, frozen=True, omit_defaults=True):
    project: ProjectRelationship
    created_by: UserRelationship | None = None
    modified_by: UserRelationship | None = None
    assignee: UserRelationship | None = None


class CaseResource(msgspec.Struct, frozen=True):
    id: str
    attributes: CaseAttributes
    relationships: CaseRelationships
    type: Literal["case"] = "case"


class CaseResponse(msgspec.Struct, frozen=True):
    data: CaseResource
    included: list[UserResource]


def _rel(user_id: str | None) -> UserRelationship | None:
    return None if user_id is None else UserRelationship(UserRef(user_id))


def wire_insights(view: CaseView) -> list[InsightOut]:
    return [InsightOut(i.type, i.ref, i.resource_id) for i in view.insights]


def case_resource(view: CaseView, insights: msgspec.Raw | None = None) -> CaseResource:
    """The case on the wire; `insights`, when given, is its insights array already encoded."""
    c = view.case
    builtin = BUILTIN_BY_ID.get(c.type_id)
    return CaseResource(
        id=c.id,
        attributes=CaseAttributes(
            title=c.title,
            key=c.key,
            description=c.description,
            priority=PRIORITIES[c.priority],
            status=LEGACY_STATUS[c.status],
            status_name=c.status_name,
            status_group=STATUS_GROUPS[c.status],
            type=builtin.legacy_type if builtin else "STANDARD",
            type_id=c.type_id,
            attributes=c.attributes,
            custom_attributes=c.custom_attributes,
            # msgspec writes a Raw as it is; the document still describes the list.
            insights=wire_insights(view) if insights is None else cast(list[InsightOut], insights),
            comment_count=c.comment_count,
            creation_source=c.creation_source,
            internal_id=c.id,
            merge_status="NOT_MERGED",
            public_id=str(c.public_id),
            created_at=rfc3339(c.created_at),
            modified_at=rfc3339_opt(c.modified_at),
            closed_at=rfc3339_opt(c.closed_at),
            archived_at=rfc3339_opt(c.archived_at),
            due_date=c.due_date,
            resolved_reason=c.resolved_reason,
            jira_issue=None if c.tickets is None else c.tickets.get("jira_issue"),
            service_now_ticket=None if c.tickets is None else c.tickets.get("service_now_ticket"),
        ),
        relationships=CaseRelationships(
            project=ProjectRelationship(ProjectRef(c.project_id)),
            created_by=_rel(c.created_by),
            modified_by=_rel(c.modified_by),
            assignee=_rel(c.assignee_id),
        ),
    )


def included_users(views: list[CaseView]) -> list[UserResource]:
    """The users the cases name, each once, in the order first named (case by case: creator,
    last modifier, assignee), whatever order the database gave them in."""
    seen: dict[str, UserResource] = {}
    for view in views:
        for user_id in view.case.user_ids:
            user = view.users.get(user_id)
            if user is not None and user_id not in seen:
                seen[user_id] = user_resource(user)
    return list(seen.values())


def case_response(view: CaseView, insights: msgspec.Raw | None = None) -> CaseResponse:
    return CaseResponse(data=case_resource(view, insights), included=included_users([view]))

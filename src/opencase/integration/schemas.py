"""The integration operations on the wire: JiraIssueCreateRequest, JiraIssueLinkRequest,
ServiceNowTicketCreateRequest, NotebookCreateRequest and RelationshipToIncidentRequest of
Datadog's spec, and opencase's own notebook response."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from opencase.core.clock import rfc3339
from opencase.http.jsonapi import UserRef, UserRelationship
from opencase.integration.service import Notebook

Id = Annotated[str, Meta(min_length=1, max_length=256)]


class JiraIssueCreateAttributes(msgspec.Struct, frozen=True):
    jira_account_id: Id
    project_id: Id
    issue_type_id: Id
    # Jira fields as Jira takes them, passed on as given (within the request's size limit).
    fields: Annotated[dict[str, Any], Meta(max_length=100)] = {}


class JiraIssueCreateData(msgspec.Struct, frozen=True):
    type: Literal["issues"]
    attributes: JiraIssueCreateAttributes


class JiraIssueCreateRequest(msgspec.Struct, frozen=True):
    data: JiraIssueCreateData


class JiraIssueLinkAttributes(msgspec.Struct, frozen=True):
    jira_issue_url: Annotated[str, Meta(min_length=1, max_length=2048)]


class JiraIssueLinkData(msgspec.Struct, frozen=True):
    type: Literal["issues"]
    attributes: JiraIssueLinkAttributes


class JiraIssueLinkRequest(msgspec.Struct, frozen=True):
    data: JiraIssueLinkData


class ServiceNowTicketCreateAttributes(msgspec.Struct, frozen=True):
    instance_name: Id
    assignment_group: Annotated[str, Meta(max_length=256)] | None = None


class ServiceNowTicketCreateData(msgspec.Struct, frozen=True):
    type: Literal["tickets"]
    attributes: ServiceNowTicketCreateAttributes


class ServiceNowTicketCreateRequest(msgspec.Struct, frozen=True):
    data: ServiceNowTicketCreateData


class NotebookCreateData(msgspec.Struct, frozen=True):
    type: Literal["notebook"]


class NotebookCreateRequest(msgspec.Struct, frozen=True):
    data: NotebookCreateData


class IncidentRelationshipData(msgspec.Struct, frozen=True):
    type: Literal["incidents"]
    id: Annotated[str, Meta(max_length=256)]


class RelationshipToIncidentRequest(msgspec.Struct, frozen=True):
    data: IncidentRelationshipData


class NotebookAttributes(msgspec.Struct, frozen=True):
    format: Literal["markdown"]
    content: str
    created_at: str


class NotebookRelationships(msgspec.Struct, frozen=True):
    created_by: UserRelationship


class NotebookResource(msgspec.Struct, frozen=True):
    id: str
    attributes: NotebookAttributes
    relationships: NotebookRelationships
    type: Literal["notebook"] = "notebook"


class NotebookResponse(msgspec.Struct, frozen=True):
    data: NotebookResource


def notebook_response(notebook: Notebook) -> NotebookResponse:
    return NotebookResponse(
        NotebookResource(
            id=notebook.case_id,
            attributes=NotebookAttributes("markdown", notebook.body, rfc3339(notebook.created_at)),
            relationships=NotebookRelationships(UserRelationship(UserRef(notebook.created_by))),
        )
    )

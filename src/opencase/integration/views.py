"""HTTP handlers for /api/v2/cases/{case_id}/relationships/{jira_issues, servicenow_tickets,
notebook, incidents}."""

from __future__ import annotations

from opencase.case.schemas import CaseResponse, case_response
from opencase.http.routing import Ctx, Reply, Route
from opencase.integration import service
from opencase.integration.schemas import (
    JiraIssueCreateRequest,
    JiraIssueLinkRequest,
    NotebookCreateRequest,
    NotebookResponse,
    RelationshipToIncidentRequest,
    ServiceNowTicketCreateRequest,
    notebook_response,
)


async def create_jira_issue(ctx: Ctx) -> Reply:
    attrs = ctx.body.data.attributes
    await service.create_jira_issue(
        db=ctx.db, who=ctx.principal, ref=ctx.params["case_id"],
        jira_account_id=attrs.jira_account_id, project_id=attrs.project_id,
        issue_type_id=attrs.issue_type_id, fields=attrs.fields,
    )  # fmt: skip
    return 202, None


async def link_jira_issue(ctx: Ctx) -> Reply:
    url = ctx.body.data.attributes.jira_issue_url
    await service.link_jira_issue(db=ctx.db, who=ctx.principal, ref=ctx.params["case_id"], url=url)
    return 204, None


async def unlink_jira_issue(ctx: Ctx) -> Reply:
    await service.unlink_jira_issue(db=ctx.db, who=ctx.principal, ref=ctx.params["case_id"])
    return 204, None


async def create_servicenow_ticket(ctx: Ctx) -> Reply:
    attrs = ctx.body.data.attributes
    await service.create_servicenow_ticket(
        db=ctx.db, who=ctx.principal, ref=ctx.params["case_id"],
        instance_name=attrs.instance_name, assignment_group=attrs.assignment_group,
    )  # fmt: skip
    return 202, None


async def create_notebook(ctx: Ctx) -> Reply:
    await service.create_notebook(db=ctx.db, who=ctx.principal, ref=ctx.params["case_id"])
    return 204, None


async def get_notebook(ctx: Ctx) -> Reply:
    notebook = await service.get_notebook(db=ctx.db, who=ctx.principal, ref=ctx.params["case_id"])
    return 200, notebook_response(notebook)


async def link_incident(ctx: Ctx) -> Reply:
    view = await service.link_incident(
        db=ctx.db, who=ctx.principal, ref=ctx.params["case_id"], incident_id=ctx.body.data.id
    )
    return 201, case_response(view)


BASE = "/api/v2/cases/{case_id}/relationships"
TAG = "Integrations"
ROUTES = [
    Route(
        "POST", BASE + "/jira_issues", "CreateCaseJiraIssue", "Create Jira issue for case", TAG,
        create_jira_issue, 202, scope="cases_write", body=JiraIssueCreateRequest,
        resource_type="issues", errors=(404, 409),
    ),
    Route(
        "PATCH", BASE + "/jira_issues", "LinkJiraIssueToCase", "Link existing Jira issue to case",
        TAG, link_jira_issue, 204, scope="cases_write", body=JiraIssueLinkRequest,
        resource_type="issues", errors=(404, 409),
    ),
    Route(
        "DELETE", BASE + "/jira_issues", "UnlinkJiraIssue", "Remove Jira issue link from case",
        TAG, unlink_jira_issue, 204, scope="cases_write", errors=(404,),
    ),
    Route(
        "POST", BASE + "/servicenow_tickets", "CreateCaseServiceNowTicket",
        "Create ServiceNow ticket for case", TAG, create_servicenow_ticket, 202,
        scope="cases_write", body=ServiceNowTicketCreateRequest, resource_type="tickets",
        errors=(404, 409),
    ),
    Route(
        "POST", BASE + "/notebook", "CreateCaseNotebook", "Create investigation notebook for case",
        TAG, create_notebook, 204, scope="cases_write", body=NotebookCreateRequest,
        resource_type="notebook", errors=(404,),
    ),
    Route(
        "GET", BASE + "/notebook", "GetCaseNotebook",
        "Get a case's investigation notebook (opencase)", TAG, get_notebook, 200,
        scope="cases_read", response=NotebookResponse, errors=(404,),
    ),
    Route(
        "POST", BASE + "/incidents", "LinkIncident", "Link incident to case", TAG, link_incident,
        201, scope="cases_write", body=RelationshipToIncidentRequest, response=CaseResponse,
        resource_type="incidents", errors=(404,),
    ),
]  # fmt: skip

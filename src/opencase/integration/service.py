"""The integration operations of a case: a Jira issue (created through Jira from the outbox,
or an existing one linked), a ServiceNow ticket (created from the outbox), an investigation
notebook, and a linked incident.

Decisions (the README's "Integrations" says the same):
- CreateCaseJiraIssue / CreateCaseServiceNowTicket answer 202 once the request is committed
  together with its outbox delivery: the case shows `jira_issue` / `service_now_ticket` with
  status IN_PROGRESS at once, COMPLETED with the result when the outside system has answered,
  FAILED when the delivery died. The organisation must have the integration set up (else 400);
  a case that already has one (in progress or completed) answers 409, a FAILED one may be
  requested again.
- LinkJiraIssueToCase takes a Jira issue URL (`https://<site>/browse/KEY-123`): 409 when the
  case already has an issue; UnlinkJiraIssue removes it (404 when there is none). A late
  answer to a creation that was unlinked meanwhile changes nothing.
- CreateCaseNotebook assembles a Markdown document from the case, its insights and its
  timeline (oldest first, up to 1,000 events) and stores it with the case, replacing the one
  before; GET on the same path returns it (opencase's own operation, GetCaseNotebook).
- LinkIncident records the incident as an INCIDENT insight of the case (ref
  `/incidents/<id>`), so "which cases cite this incident?" is an insight search
  (`insight.type:INCIDENT insight.resource_id:<id>`); 201 with the case.
- Archived cases refuse all but reading the notebook (400), as they refuse edits.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from opencase.case.models import PRIORITIES, Case, CaseView, Insight
from opencase.case.schemas import case_response
from opencase.case.service import ensure_not_archived, find_case, load_view, next_modified_at
from opencase.core.clock import now_us, rfc3339
from opencase.core.db import Connection, Database
from opencase.core.errors import Conflict, InvalidInput, NotFound
from opencase.event.service import record
from opencase.identity.models import Principal
from opencase.insight.service import add_insights
from opencase.integration import sql
from opencase.integration.settings import find_integration
from opencase.integration.tickets import JIRA, SERVICENOW, encoded
from opencase.outbox.service import enqueue
from opencase.timeline.schemas import SUMMARIES

_ATTRS = "/data/attributes"
_JIRA_URL = re.compile(r"^https?://[^/\s]+/(?:.*/)?browse/([A-Za-z][A-Za-z0-9_]*)-([0-9]+)/?$")
NOTEBOOK_EVENTS = 1_000
INCIDENT_ID_MAX = 256


class Notebook(msgspec.Struct, frozen=True):
    case_id: str
    created_at: int
    created_by: str
    body: str  # Markdown


def _tickets(case: Case) -> dict[str, Any]:
    return dict(case.tickets or {})


async def _write_tickets(
    conn: Connection, who: Principal, case: Case, tickets: dict[str, Any], action: str,
    details: dict[str, Any],
) -> None:  # fmt: skip
    now = next_modified_at(case)
    await conn.execute(
        sql.SET_TICKETS_EDITED, who.org_id, case.id, encoded(tickets), now, who.user_id
    )
    await record(
        conn, org_id=who.org_id, case_id=case.id, actor_id=who.user_id, at=now, action=action,
        details=details,
    )  # fmt: skip


def _busy(tickets: dict[str, Any], system: str) -> bool:
    ticket = tickets.get(system)
    return ticket is not None and ticket.get("status") != "FAILED"


async def _request_ticket(
    *,
    db: Database,
    who: Principal,
    ref: str,
    system: str,
    kind: str,
    instance: str,
    pointer: str,
    request: dict[str, Any],
) -> None:
    label = {"jira": "Jira", "servicenow": "ServiceNow"}[kind]
    async with db.transaction() as conn:
        case = await find_case(conn, who.org_id, ref, for_update=True)
        ensure_not_archived(case)
        if await find_integration(conn, org_id=who.org_id, kind=kind, instance=instance) is None:
            raise InvalidInput(
                f"{label} is not set up for this organisation"
                + (f" (instance {instance!r})" if instance else "")
                + f": opencase integrations set {kind} --org ... --url ... --token-stdin",
                pointer=pointer,
            )
        tickets = _tickets(case)
        if _busy(tickets, system):
            raise Conflict(
                f"the case already has a {label} {'issue' if kind == 'jira' else 'ticket'}"
            )
        wire = msgspec.to_builtins(case_response(await load_view(conn, who.org_id, case)))
        event = f"case.{system}_requested"
        delivery_id = await enqueue(
            conn, org_id=who.org_id, case_id=case.id, event=event, target_kind=kind,
            target_id=case.id, payload=wire, recipient=request,
        )  # fmt: skip
        tickets[system] = {"status": "IN_PROGRESS"}
        tickets["pending"] = {**tickets.get("pending", {}), system: delivery_id}
        await _write_tickets(conn, who, case, tickets, event, {"delivery_id": delivery_id})


async def create_jira_issue(
    *,
    db: Database,
    who: Principal,
    ref: str,
    jira_account_id: str,
    project_id: str,
    issue_type_id: str,
    fields: dict[str, Any],
) -> None:
    """Ask Jira (from the outbox) for a new issue about the case."""
    request = {
        "jira_account_id": jira_account_id,
        "project_id": project_id,
        "issue_type_id": issue_type_id,
        "fields": fields,
    }
    await _request_ticket(
        db=db, who=who, ref=ref, system=JIRA, kind="jira", instance=jira_account_id,
        pointer=f"{_ATTRS}/jira_account_id", request=request,
    )  # fmt: skip


async def create_servicenow_ticket(
    *, db: Database, who: Principal, ref: str, instance_name: str, assignment_group: str | None
) -> None:
    """Ask ServiceNow (from the outbox) for a new incident about the case."""
    request = {"instance_name": instance_name}
    if assignment_group:
        request["assignment_group"] = assignment_group
    await _request_ticket(
        db=db, who=who, ref=ref, system=SERVICENOW, kind="servicenow", instance=instance_name,
        pointer=f"{_ATTRS}/instance_name", request=request,
    )  # fmt: skip


async def link_jira_issue(*, db: Database, who: Principal, ref: str, url: str) -> None:
    """Link an existing Jira issue (by its URL) to the case."""
    match = _JIRA_URL.match(url.strip())
    if match is None:
        raise InvalidInput(
            f"{url!r} is not a Jira issue URL (https://<site>/browse/KEY-123)",
            pointer=f"{_ATTRS}/jira_issue_url",
        )
    project_key, number = match.group(1).upper(), match.group(2)
    result = {
        "issue_key": f"{project_key}-{number}",
        "issue_url": url.strip(),
        "project_key": project_key,
    }
    async with db.transaction() as conn:
        case = await find_case(conn, who.org_id, ref, for_update=True)
        ensure_not_archived(case)
        tickets = _tickets(case)
        if _busy(tickets, JIRA):
            raise Conflict("the case already has a Jira issue")
        tickets[JIRA] = {"status": "COMPLETED", "result": result}
        tickets["pending"] = {**tickets.get("pending", {}), JIRA: None}
        await _write_tickets(conn, who, case, tickets, "case.jira_issue_linked", result)


async def unlink_jira_issue(*, db: Database, who: Principal, ref: str) -> None:
    """Remove the case's Jira issue (the issue itself stays in Jira)."""
    async with db.transaction() as conn:
        case = await find_case(conn, who.org_id, ref, for_update=True)
        ensure_not_archived(case)
        tickets = _tickets(case)
        ticket = tickets.pop(JIRA, None)
        if ticket is None:
            raise NotFound("jira_issue")
        tickets["pending"] = {**tickets.get("pending", {}), JIRA: None}
        await _write_tickets(
            conn, who, case, tickets, "case.jira_issue_unlinked", ticket.get("result", {})
        )


def _markdown(view: CaseView, events: list[Any]) -> str:
    c = view.case
    lines = [
        f"# {c.key}: {c.title}",
        "",
        f"- Status: {c.status_name}",
        f"- Priority: {PRIORITIES[c.priority]}",
        f"- Created: {rfc3339(c.created_at)}",
    ]
    if c.assignee_id:
        user = view.users.get(c.assignee_id)
        lines.append(f"- Assignee: {user.email if user else c.assignee_id}")
    for key, values in sorted(c.attributes.items()):
        lines.append(f"- {key}: {', '.join(values)}")
    lines += ["", "## Description", "", c.description or "_No description._", "", "## Insights", ""]
    if view.insights:
        lines += ["| Type | Resource | Reference |", "|---|---|---|"]
        lines += [f"| {i.type} | {i.resource_id} | `{i.ref}` |" for i in view.insights]
    else:
        lines.append("_No insights._")
    lines += ["", "## Timeline", ""]
    for e in events:
        details = msgspec.json.decode(e["details"])
        if e["action"] == "comment":
            text = "Comment: " + str(details.get("message", "")).replace("\n", " ")
        else:
            summary = SUMMARIES.get(e["action"])
            text = summary(details, view.users) if summary else e["action"]
        lines.append(f"- {rfc3339(e['created_at'])}: {text}")
    if not events:
        lines.append("_Nothing yet._")
    return "\n".join(lines) + "\n"


async def create_notebook(*, db: Database, who: Principal, ref: str) -> Notebook:
    """Assemble the case's investigation notebook (Markdown) and store it with the case."""
    async with db.transaction() as conn:
        case = await find_case(conn, who.org_id, ref, for_update=True)
        ensure_not_archived(case)
        view = await load_view(conn, who.org_id, case)
        events = await conn.fetch(sql.ALL_EVENTS, who.org_id, case.id, NOTEBOOK_EVENTS)
        notebook = Notebook(case.id, now_us(), who.user_id, _markdown(view, events))
        await conn.execute(
            sql.SAVE_NOTEBOOK, who.org_id, case.id, notebook.created_at, who.user_id, notebook.body
        )
    return notebook


async def get_notebook(*, db: Database, who: Principal, ref: str) -> Notebook:
    """The case's stored notebook; 404 when none was created."""
    async with db.snapshot() as conn:
        case = await find_case(conn, who.org_id, ref)
        row = await conn.fetchrow(sql.NOTEBOOK, who.org_id, case.id)
    if row is None:
        raise NotFound("notebook")
    return Notebook(case.id, row["created_at"], str(row["created_by"]), row["body"])


async def link_incident(*, db: Database, who: Principal, ref: str, incident_id: str) -> CaseView:
    """Link an incident to the case, as an INCIDENT insight."""
    incident_id = incident_id.strip()
    if not incident_id or len(incident_id) > INCIDENT_ID_MAX or "/" in incident_id:
        raise InvalidInput(
            f"an incident id is 1 to {INCIDENT_ID_MAX} characters without '/'", pointer="/data/id"
        )
    async with db.snapshot() as conn:
        ensure_not_archived(await find_case(conn, who.org_id, ref))
    insight = Insight("INCIDENT", f"/incidents/{incident_id}", incident_id)
    return await add_insights(db=db, who=who, case_ref=ref, insights=[insight])

"""Ticket systems: Jira (REST API v3, POST /rest/api/3/issue) and ServiceNow (Table API,
POST /api/now/table/incident), both with basic authentication (user and API token) from the
organisation's integration. Success fills in the case's jira_issue / service_now_ticket;
a delivery that dies leaves it FAILED."""

from __future__ import annotations

from typing import Any

import httpx
import msgspec

from opencase.adapters.base import Attempt, Need, Outcome, Target, headers, post
from opencase.core.clock import now_us
from opencase.core.db import Connection
from opencase.event.service import record_system
from opencase.integration.tickets import JIRA, SERVICENOW, settle

_encode = msgspec.json.encode


def _auth(target: Target) -> tuple[str, str] | None:
    return None if target.username is None else (target.username, target.secret)


def _adf(text: str) -> dict[str, Any]:
    """Plain text as an Atlassian Document Format document (what API v3 wants)."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()] or [" "]
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": p}]} for p in paragraphs
        ],
    }


class _Ticket:
    system: str

    async def delivered(self, conn: Connection, attempt: Attempt, outcome: Outcome) -> None:
        if attempt.case_id is None or outcome.result is None:
            return
        ticket = {"status": "COMPLETED", "result": outcome.result}
        if await settle(conn, org_id=attempt.org_id, case_id=attempt.case_id,
                        system=self.system, delivery_id=attempt.id, ticket=ticket):  # fmt: skip
            await record_system(
                conn, org_id=attempt.org_id, case_id=attempt.case_id, at=now_us(),
                action=f"case.{self.system}_created", details=outcome.result,
            )  # fmt: skip

    async def dead(self, conn: Connection, attempt: Attempt, error: str) -> None:
        if attempt.case_id is None:
            return
        ticket = {"status": "FAILED", "result": {}}
        await settle(conn, org_id=attempt.org_id, case_id=attempt.case_id, system=self.system,
                     delivery_id=attempt.id, ticket=ticket)  # fmt: skip


class Jira(_Ticket):
    system = JIRA

    def needs(self, attempt: Attempt) -> Need:
        return ("integration", "jira", str((attempt.recipient or {}).get("jira_account_id", "")))

    async def send(self, http: httpx.AsyncClient, attempt: Attempt, target: Target) -> Outcome:
        request = attempt.recipient or {}
        case = attempt.document().get("data", {})
        attributes = case.get("attributes", {})
        description = attributes.get("description") or attributes.get("title", "")
        fields = {
            "project": {"id": request.get("project_id")},
            "issuetype": {"id": request.get("issue_type_id")},
            "summary": f"[{attributes.get('key', '')}] {attributes.get('title', '')}"[:255],
            "description": _adf(f"{description}\n\nopencase case {attributes.get('key', '')}"),
            **request.get("fields", {}),
        }
        base = target.url.rstrip("/")
        response, error = await post(
            http, base + "/rest/api/3/issue", _encode({"fields": fields}),
            headers(attempt, target.secret), auth=_auth(target),
        )  # fmt: skip
        if error is not None or response is None:
            return Outcome(error=error)
        try:
            answer = response.json()
            key = str(answer["key"])
        except (ValueError, KeyError, TypeError):
            return Outcome(error="Jira answered without an issue key")
        result = {
            "issue_id": str(answer.get("id", "")),
            "issue_key": key,
            "issue_url": f"{base}/browse/{key}",
            "project_key": key.rsplit("-", 1)[0],
        }
        return Outcome(result=result)


class ServiceNow(_Ticket):
    system = SERVICENOW

    def needs(self, attempt: Attempt) -> Need:
        instance = str((attempt.recipient or {}).get("instance_name", ""))
        return ("integration", "servicenow", instance)

    async def send(self, http: httpx.AsyncClient, attempt: Attempt, target: Target) -> Outcome:
        request = attempt.recipient or {}
        case = attempt.document().get("data", {})
        attributes = case.get("attributes", {})
        incident = {
            "short_description": f"[{attributes.get('key', '')}] {attributes.get('title', '')}",
            "description": attributes.get("description", ""),
            "correlation_id": case.get("id", ""),
            "correlation_display": "opencase",
            **({"assignment_group": request["assignment_group"]}
               if request.get("assignment_group") else {}),
        }  # fmt: skip
        base = target.url.rstrip("/")
        response, error = await post(
            http, base + "/api/now/table/incident", _encode(incident),
            headers(attempt, target.secret), auth=_auth(target),
        )  # fmt: skip
        if error is not None or response is None:
            return Outcome(error=error)
        try:
            sys_id = str(response.json()["result"]["sys_id"])
        except (ValueError, KeyError, TypeError):
            return Outcome(error="ServiceNow answered without a sys_id")
        return Outcome(
            result={"sys_target_link": f"{base}/nav_to.do?uri=incident.do?sys_id={sys_id}"}
        )

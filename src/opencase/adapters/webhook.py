"""Signed webhooks: the delivery's JSON document POSTed as it is, signed with the endpoint's
secret. The same for an organisation's webhooks (HTTP recipients), workflows
(EXECUTE_WORKFLOW) and agents (ASSIGN_AGENT, which also records the assignment)."""

from __future__ import annotations

import httpx

from opencase.adapters.base import Attempt, Need, Outcome, Quiet, Target, headers, post
from opencase.core.clock import now_us
from opencase.core.db import Connection
from opencase.event.service import record_system

# Which recipient field names the endpoint, per kind.
_NAME_KEY = {"webhook": "name", "workflow": "handle", "agent": "assigned_agent_id"}


class Webhook(Quiet):
    def __init__(self, kind: str) -> None:
        self.kind = kind

    def needs(self, attempt: Attempt) -> Need:
        if attempt.recipient is None:  # enqueued for one webhook by its id
            return ("endpoint_id", self.kind, attempt.target_id)
        return ("endpoint", self.kind, str(attempt.recipient.get(_NAME_KEY[self.kind], "")))

    async def send(self, http: httpx.AsyncClient, attempt: Attempt, target: Target) -> Outcome:
        _, error = await post(http, target.url, attempt.body, headers(attempt, target.secret))
        return Outcome(error=error)


class Agent(Webhook):
    """ASSIGN_AGENT: the agent endpoint took the case; the case's timeline says so."""

    def __init__(self) -> None:
        super().__init__("agent")

    async def delivered(self, conn: Connection, attempt: Attempt, outcome: Outcome) -> None:
        if attempt.case_id is None or attempt.recipient is None:
            return
        await record_system(
            conn, org_id=attempt.org_id, case_id=attempt.case_id, at=now_us(),
            action="case.agent_assigned",
            details={
                "agent_type": attempt.recipient.get("agent_type"),
                "assigned_agent_id": attempt.recipient.get("assigned_agent_id"),
                "rule_id": attempt.target_id,
                "delivery_id": attempt.id,
            },
        )  # fmt: skip

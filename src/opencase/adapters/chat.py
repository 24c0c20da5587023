"""Chat and paging: Slack (Web API chat.postMessage with a bot token), Microsoft Teams
(incoming webhook) and PagerDuty (Events API v2). Each organisation's base URL and token come
from `opencase integrations set`, so tests and proxies can point them anywhere."""

from __future__ import annotations

import httpx
import msgspec

from opencase.adapters.base import Attempt, Need, Outcome, Quiet, Target, headers, post, summary

_encode = msgspec.json.encode


class Slack(Quiet):
    def needs(self, attempt: Attempt) -> Need:
        return ("integration", "slack", "")

    async def send(self, http: httpx.AsyncClient, attempt: Attempt, target: Target) -> Outcome:
        recipient = attempt.recipient or {}
        doc = attempt.document()
        body = _encode({
            "channel": recipient.get("channel_id") or recipient.get("channel"),
            "text": summary(doc),
        })  # fmt: skip
        head = {**headers(attempt, target.secret), "Authorization": f"Bearer {target.secret}"}
        response, error = await post(http, target.url.rstrip("/") + "/chat.postMessage", body, head)
        if error is None and response is not None:
            answer = response.json() if response.content else {}
            if not answer.get("ok", False):  # Slack says no with 200 and ok: false
                return Outcome(error=f"Slack: {answer.get('error', 'not ok')}")
        return Outcome(error=error)


class Teams(Quiet):
    """One incoming webhook URL per channel: the integration instance named as the
    recipient's `channel_name`, else the organisation's default Teams integration."""

    def needs(self, attempt: Attempt) -> Need:
        return ("integration", "teams", str((attempt.recipient or {}).get("channel_name", "")))

    async def send(self, http: httpx.AsyncClient, attempt: Attempt, target: Target) -> Outcome:
        text = summary(attempt.document())
        body = _encode({"text": text, "summary": text})
        _, error = await post(http, target.url, body, headers(attempt, target.secret))
        return Outcome(error=error)


# PagerDuty severities by case priority (NOT_DEFINED, P1..P5).
_SEVERITY = {"P1": "critical", "P2": "error", "P3": "warning"}


class PagerDuty(Quiet):
    """A routing key per service: the integration instance named as the recipient's
    `service_name`, else the default one. The case id is the dedup_key, so every change of
    a case updates one PagerDuty incident; a closed case resolves it."""

    def needs(self, attempt: Attempt) -> Need:
        return ("integration", "pagerduty", str((attempt.recipient or {}).get("service_name", "")))

    async def send(self, http: httpx.AsyncClient, attempt: Attempt, target: Target) -> Outcome:
        doc = attempt.document()
        case = doc.get("data", {})
        attributes = case.get("attributes", {})
        closed = attributes.get("status_group") == "SG_CLOSED"
        body = _encode({
            "routing_key": target.secret,
            "event_action": "resolve" if closed else "trigger",
            "dedup_key": case.get("id", attempt.id),
            "payload": {
                "summary": summary(doc)[:1024],
                "source": "opencase",
                "severity": _SEVERITY.get(attributes.get("priority", ""), "info"),
                "custom_details": {"event": attempt.event, "case_key": attributes.get("key")},
            },
        })  # fmt: skip
        url = target.url.rstrip("/") + "/v2/enqueue"
        _, error = await post(http, url, body, headers(attempt, target.secret))
        return Outcome(error=error)

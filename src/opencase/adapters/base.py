"""The interface every adapter implements, and what the worker hands it."""

from __future__ import annotations

import contextlib
import time
from typing import Any, Protocol

import httpx
import msgspec

from opencase.core.db import Connection
from opencase.outbox import signing


class Attempt(msgspec.Struct, frozen=True):
    """One try of one delivery."""

    org_id: str
    id: str  # the delivery's id: its idempotency key, the same on every try
    case_id: str | None
    event: str  # case.created, case.status_changed, ...
    kind: str  # the adapter's kind (the outbox row's target_kind)
    target_id: str
    body: bytes  # the delivery's JSON document, as stored
    recipient: dict[str, Any] | None
    attempts: int  # tries before this one

    def document(self) -> dict[str, Any]:
        doc: dict[str, Any] = msgspec.json.decode(self.body)
        return doc


class Target(msgspec.Struct, frozen=True):
    """Where and with what credentials: a registered endpoint (url + secret) or an
    organisation's integration (url, username, token)."""

    url: str
    secret: str  # the endpoint's signing secret, or the integration's token
    username: str | None = None


class Outcome(msgspec.Struct, frozen=True):
    error: str | None = None  # None: delivered
    result: dict[str, Any] | None = None  # what the receiver answered that the case keeps


# What target a try needs: ("endpoint", kind, name) or ("endpoint_id", kind, id) from the
# registered endpoints, ("integration", kind, instance) from the organisation's integrations;
# None: the adapter needs no stored target (email: the SMTP server is a setting).
Need = tuple[str, str, str] | None


class Adapter(Protocol):
    def needs(self, attempt: Attempt) -> Need: ...

    async def send(self, http: httpx.AsyncClient, attempt: Attempt, target: Target) -> Outcome:
        """One try; never raises for the receiver's failures (they are an Outcome's error)."""
        ...

    async def delivered(self, conn: Connection, attempt: Attempt, outcome: Outcome) -> None:
        """Record on the case what the receiver answered, in the outcome's transaction."""
        ...

    async def dead(self, conn: Connection, attempt: Attempt, error: str) -> None:
        """Record on the case that the delivery failed for good."""
        ...


class Quiet:
    """An adapter that records nothing beyond the delivery's own outcome."""

    async def delivered(self, conn: Connection, attempt: Attempt, outcome: Outcome) -> None:
        return None

    async def dead(self, conn: Connection, attempt: Attempt, error: str) -> None:
        return None


def headers(attempt: Attempt, secret: str) -> dict[str, str]:
    """The headers of every HTTP delivery: JSON, signed with `secret`, delivery id, event."""
    return {
        "Content-Type": "application/json",
        signing.HEADER: signing.sign(secret, attempt.body, int(time.time())),
        signing.DELIVERY_HEADER: attempt.id,
        signing.EVENT_HEADER: attempt.event,
        "User-Agent": "opencase-outbox",
    }


async def post(
    http: httpx.AsyncClient,
    url: str,
    body: bytes,
    head: dict[str, str],
    auth: tuple[str, str] | None = None,
) -> tuple[httpx.Response | None, str | None]:
    """POST; (response, None) on a 2xx answer, else (response or None, why not)."""
    try:
        if auth is None:
            response = await http.post(url, content=body, headers=head)
        else:
            response = await http.post(url, content=body, headers=head, auth=httpx.BasicAuth(*auth))
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return response, None
    text = response.text[:200].strip()
    return response, f"HTTP {response.status_code}" + (f": {text}" if text else "")


def summary(doc: dict[str, Any]) -> str:
    """One line about a delivery's change, for chat messages and email subjects."""
    case = doc.get("data", {}).get("attributes", {})
    what = {
        "case.created": "created",
        "case.status_changed": "status changed to {to_status_name}",
        "case.attribute_changed": "{field} changed",
        "case.comment_added": "new comment",
        "case.signal_correlated": "signal correlated",
    }.get(doc.get("event", ""), doc.get("event", "changed"))
    with contextlib.suppress(KeyError, IndexError):
        what = what.format(**doc.get("change", {}))
    return f"[{case.get('key', '?')}] {case.get('title', '')}: {what}"

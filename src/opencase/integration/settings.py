"""An organisation's outside systems (`opencase integrations set`): a base URL, an optional
user and a token per kind, and for some kinds per instance: ServiceNow by instance name (as
CreateCaseServiceNowTicket names it), Jira by account id (JiraIssueCreate's jira_account_id),
PagerDuty by service name and Teams by channel name (their recipients' names); the instance
"" is the kind's default. Tokens are stored for the worker and never shown again."""

from __future__ import annotations

from urllib.parse import urlsplit

import msgspec

from opencase.core.clock import now_us
from opencase.core.db import Connection, Database, Row
from opencase.core.errors import InvalidInput, NotFound
from opencase.identity.service import org_id_named
from opencase.integration import sql

KINDS = ("jira", "servicenow", "slack", "pagerduty", "teams")
NEEDS_TOKEN = ("jira", "servicenow", "slack", "pagerduty")


class Integration(msgspec.Struct, frozen=True):
    kind: str
    instance: str
    url: str
    username: str | None
    created_at: int


async def set_integration(
    *,
    db: Database,
    org_name: str,
    kind: str,
    url: str,
    username: str | None,
    token: str,
    instance: str = "",
) -> None:
    """Create or replace an organisation's integration of a kind (and instance)."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise InvalidInput(f"{url!r} is not an http(s) URL")
    if kind in NEEDS_TOKEN and not token:
        raise InvalidInput(f"{kind} needs an API token (--token-stdin)")
    org_id = await org_id_named(db=db, org_name=org_name)
    async with db.transaction() as conn:
        await conn.execute(
            sql.UPSERT, org_id, kind, instance, url.rstrip("/"), username, token, now_us()
        )


async def list_integrations(*, db: Database, org_name: str) -> list[Integration]:
    """The organisation's integrations by kind and instance (never their tokens)."""
    org_id = await org_id_named(db=db, org_name=org_name)
    async with db.snapshot() as conn:
        rows = await conn.fetch(sql.LIST, org_id)
    return [
        Integration(r["kind"], r["instance"], r["url"], r["username"], r["created_at"])
        for r in rows
    ]


async def delete_integration(*, db: Database, org_name: str, kind: str, instance: str = "") -> None:
    """Remove an integration; deliveries still pending to it end dead ("target gone")."""
    org_id = await org_id_named(db=db, org_name=org_name)
    async with db.transaction() as conn:
        if not await conn.execute(sql.DELETE, org_id, kind, instance):
            raise NotFound(f"{kind} integration")


async def find_integration(
    conn: Connection, *, org_id: str, kind: str, instance: str
) -> Row | None:
    """The integration a delivery or request uses: the named instance, else the kind's
    default one; None when the organisation has neither."""
    row: Row | None = await conn.fetchrow(sql.FIND, org_id, kind, instance)
    return row

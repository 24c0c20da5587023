"""Registered endpoints of an organisation: a name, an HTTPS (or, for tests and private
networks, HTTP) URL and a signing secret. Three kinds: `webhook` (a notification rule's HTTP
recipient names it), `workflow` (an automation rule's EXECUTE_WORKFLOW names its handle) and
`agent` (ASSIGN_AGENT names its assigned_agent_id); names are unique per kind. The secret is
written once and never shown again; every delivery is signed with it (opencase.outbox.signing)."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import msgspec

from opencase.core.clock import now_us
from opencase.core.db import Database
from opencase.core.errors import Conflict, InvalidInput, NotFound
from opencase.identity.service import org_id_named
from opencase.webhook import sql

NAME_MAX = 100
SECRET_MIN = 16  # characters: a guessable secret makes the signature worthless
KINDS = ("webhook", "workflow", "agent")


class Webhook(msgspec.Struct, frozen=True):
    id: str
    name: str
    url: str
    created_at: int


def _check(name: str, url: str, secret: str) -> None:
    if not name.strip() or len(name) > NAME_MAX:
        raise InvalidInput(f"name must be 1 to {NAME_MAX} characters and not blank")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise InvalidInput(f"{url!r} is not an http(s) URL")
    if len(secret) < SECRET_MIN:
        raise InvalidInput(f"the secret must be at least {SECRET_MIN} characters")


async def create_webhook(
    *, db: Database, org_name: str, name: str, url: str, secret: str, kind: str = "webhook"
) -> Webhook:
    """Register an endpoint; its name is unique among the organisation's of its kind."""
    _check(name, url, secret)
    org_id = await org_id_named(db=db, org_name=org_name)
    hook = Webhook(id=str(uuid.uuid4()), name=name, url=url, created_at=now_us())
    async with db.transaction() as conn:
        if await conn.fetchval(sql.BY_NAME, org_id, kind, name) is not None:
            raise Conflict(f"a {kind} named {name!r} already exists")
        await conn.execute(sql.INSERT, org_id, hook.id, name, url, secret, hook.created_at, kind)
    return hook


async def list_webhooks(*, db: Database, org_name: str, kind: str = "webhook") -> list[Webhook]:
    """The organisation's endpoints of a kind, by name (never their secrets)."""
    org_id = await org_id_named(db=db, org_name=org_name)
    async with db.snapshot() as conn:
        rows = await conn.fetch(sql.LIST, org_id, kind)
    return [Webhook(str(r["id"]), r["name"], r["url"], r["created_at"]) for r in rows]


async def delete_webhook(*, db: Database, org_name: str, name: str, kind: str = "webhook") -> None:
    """Remove an endpoint; deliveries still pending to it end dead ("target gone")."""
    org_id = await org_id_named(db=db, org_name=org_name)
    async with db.transaction() as conn:
        if not await conn.execute(sql.DELETE, org_id, kind, name):
            raise NotFound(kind)

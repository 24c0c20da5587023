"""Webhooks: a name, an HTTPS (or, for tests and private networks, HTTP) URL and a signing
secret, per organisation. The secret is written once and never shown again; every delivery
to the webhook is signed with it (opencase.outbox.signing)."""

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
    *, db: Database, org_name: str, name: str, url: str, secret: str
) -> Webhook:
    """Register a webhook; its name is unique in the organisation."""
    _check(name, url, secret)
    org_id = await org_id_named(db=db, org_name=org_name)
    hook = Webhook(id=str(uuid.uuid4()), name=name, url=url, created_at=now_us())
    async with db.transaction() as conn:
        if await conn.fetchval(sql.BY_NAME, org_id, name) is not None:
            raise Conflict(f"a webhook named {name!r} already exists")
        await conn.execute(sql.INSERT, org_id, hook.id, name, url, secret, hook.created_at)
    return hook


async def list_webhooks(*, db: Database, org_name: str) -> list[Webhook]:
    """The organisation's webhooks by name (never their secrets)."""
    org_id = await org_id_named(db=db, org_name=org_name)
    async with db.snapshot() as conn:
        rows = await conn.fetch(sql.LIST, org_id)
    return [Webhook(str(r["id"]), r["name"], r["url"], r["created_at"]) for r in rows]


async def delete_webhook(*, db: Database, org_name: str, name: str) -> None:
    """Remove a webhook; deliveries still pending to it end as dead ("webhook deleted")."""
    org_id = await org_id_named(db=db, org_name=org_name)
    async with db.transaction() as conn:
        if not await conn.execute(sql.DELETE, org_id, name):
            raise NotFound("webhook")

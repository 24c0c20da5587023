"""Key pairs: creation (CLI), verification (every API request), listing and revocation."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
import uuid

from opencase.core.clock import now_us, rfc3339, rfc3339_opt
from opencase.core.db import Connection, Database, Row
from opencase.core.errors import Conflict, InvalidInput, NotFound
from opencase.identity import sql
from opencase.identity.models import SCOPES, CreatedKeys, KeyInfo, Principal, User

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def hash_key(secret: str) -> str:
    """SHA-256 of a key. Keys are 128+ random bits, so a fast hash cannot be brute-forced."""
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_scopes(text: str) -> list[str]:
    """Scopes from a comma-separated list, each one opencase knows."""
    scopes = sorted({s.strip() for s in text.split(",") if s.strip()})
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise InvalidInput(f"unknown scopes {unknown}; choose from {', '.join(sorted(SCOPES))}")
    return scopes


async def create_keys(
    *, db: Database, org_name: str, user_email: str, scopes: list[str]
) -> CreatedKeys:
    """Create the organisation and user when missing, then a new API key and application key."""
    if not org_name.strip():
        raise InvalidInput("organisation name must not be empty")
    if not _EMAIL.match(user_email):
        raise InvalidInput(f"{user_email!r} is not an email address")
    api_key, app_key = secrets.token_hex(16), secrets.token_hex(20)
    now = now_us()
    async with db.transaction() as conn:
        org_id = await conn.fetchval(sql.ORG_BY_NAME, org_name)
        if org_id is None:
            org_id = str(uuid.uuid4())
            await conn.execute(sql.INSERT_ORG, org_id, org_name, now)
        user_id = await conn.fetchval(sql.USER_BY_EMAIL, org_id, user_email)
        if user_id is None:
            user_id = str(uuid.uuid4())
            handle = user_email
            name = user_email.split("@", 1)[0]
            await conn.execute(sql.INSERT_USER, org_id, user_id, user_email, name, handle, now)
        api_key_id, app_key_id = str(uuid.uuid4()), str(uuid.uuid4())
        await conn.execute(
            sql.INSERT_API_KEY, org_id, api_key_id, hash_key(api_key), api_key[:8], now
        )
        await conn.execute(
            sql.INSERT_APP_KEY,
            org_id,
            app_key_id,
            user_id,
            hash_key(app_key),
            app_key[:8],
            ",".join(scopes),
            now,
        )
    return CreatedKeys(
        org_id=org_id,
        org_name=org_name,
        user_id=user_id,
        user_email=user_email,
        api_key_id=api_key_id,
        api_key=api_key,
        app_key_id=app_key_id,
        app_key=app_key,
        scopes=scopes,
    )


async def list_keys(*, db: Database) -> list[KeyInfo]:
    """Every key of every organisation, without secrets."""
    async with db.snapshot() as conn:
        rows = await conn.fetch(sql.LIST_KEYS)
    return [
        KeyInfo(
            kind=r["kind"],
            id=str(r["id"]),
            org_name=r["org_name"],
            user_email=r["email"],
            prefix=r["prefix"],
            scopes=[s for s in r["scopes"].split(",") if s],
            created_at=rfc3339(r["created_at"]),
            revoked_at=rfc3339_opt(r["revoked_at"]),
        )
        for r in rows
    ]


async def revoke_key(*, db: Database, key_id: str) -> None:
    """Revoke an API or application key by its id (as `keys list` shows it)."""
    try:
        key_id = str(uuid.UUID(key_id))
    except ValueError:
        raise InvalidInput(
            f"{key_id!r} is not a key id (a UUID from `opencase keys list`)"
        ) from None
    now = now_us()
    async with db.transaction() as conn:
        done = await conn.execute(sql.REVOKE_API_KEY, key_id, now)
        done += await conn.execute(sql.REVOKE_APP_KEY, key_id, now)
    if not done:
        raise NotFound("active key")


class Authenticator:
    """Verifies key pairs, remembering verified ones for `ttl` seconds."""

    def __init__(self, db: Database, ttl: float) -> None:
        self._db = db
        self._ttl = ttl
        self._cache: dict[tuple[str, str], tuple[float, Principal | str]] = {}

    async def authenticate(self, api_key: str, app_key: str) -> Principal | str:
        """The caller, or the reason the pair is refused (`str`)."""
        now = time.monotonic()
        hit = self._cache.get((api_key, app_key))
        if hit is not None and hit[0] > now:
            return hit[1]
        result = await self._verify(api_key, app_key)
        if self._ttl > 0:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[(api_key, app_key)] = (now + self._ttl, result)
        return result

    async def _verify(self, api_key: str, app_key: str) -> Principal | str:
        api_hash, app_hash = hash_key(api_key), hash_key(app_key)
        async with self._db.snapshot() as conn:
            api = await conn.fetchrow(sql.API_KEY_BY_HASH, api_hash)
            app = await conn.fetchrow(sql.APP_KEY_BY_HASH, app_hash)
        # The index finds the row by hash; the comparison that decides is constant-time.
        if api is None or not hmac.compare_digest(api["key_hash"], api_hash):
            return "invalid API key"
        if app is None or not hmac.compare_digest(app["key_hash"], app_hash):
            return "invalid application key"
        if str(app["org_id"]) != str(api["org_id"]):
            return "application key does not belong to the API key's organisation"
        return Principal(
            org_id=str(api["org_id"]),
            user_id=str(app["user_id"]),
            scopes=frozenset(app["scopes"].split(",")),
        )


def user_from_row(row: Row) -> User:
    """A User from a row of the users table."""
    return User(
        id=str(row["id"]),
        email=row["email"],
        name=row["name"],
        handle=row["handle"],
        active=bool(row["active"]),
    )


async def org_id_of(conn: Connection, org_name: str) -> str:
    """The id of the organisation of this name; 404 when there is none."""
    org_id = await conn.fetchval(sql.ORG_BY_NAME, org_name)
    if org_id is None:
        raise NotFound(f"organisation {org_name!r}")
    return str(org_id)


async def org_id_named(*, db: Database, org_name: str) -> str:
    """org_id_of, in a snapshot of its own."""
    async with db.snapshot() as conn:
        return await org_id_of(conn, org_name)


async def create_user(
    *, db: Database, org_name: str, email: str, name: str | None, handle: str | None
) -> User:
    """Add a user (no key) to an existing organisation; the email must be new there."""
    if not _EMAIL.match(email):
        raise InvalidInput(f"{email!r} is not an email address")
    name = email.split("@", 1)[0] if name is None else name.strip()
    handle = email if handle is None else handle.strip()
    if not name or not handle:
        raise InvalidInput("name and handle must not be blank")
    user = User(id=str(uuid.uuid4()), email=email, name=name, handle=handle, active=True)
    async with db.transaction() as conn:
        org_id = await org_id_of(conn, org_name)
        if await conn.fetchval(sql.USER_BY_EMAIL, org_id, email) is not None:
            raise Conflict(f"organisation {org_name!r} already has a user {email}")
        await conn.execute(sql.INSERT_USER, org_id, user.id, email, name, handle, now_us())
    return user


async def list_users(*, db: Database, org_name: str) -> list[User]:
    """The users of an organisation, by email."""
    async with db.snapshot() as conn:
        org_id = await org_id_of(conn, org_name)
        return [user_from_row(r) for r in await conn.fetch(sql.LIST_USERS, org_id)]

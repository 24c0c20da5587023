"""Signing in to the web UI: password checks, slowing down guessers, server-side sessions.

A session cookie is `org_id.session_id.secret`. The database keeps the secret's SHA-256 (the
secret is 256 random bits, so a fast hash is enough), an expiry and `revoked_at`: signing out
or `opencase users set-password` ends a session on every process at once. Each session has its
own CSRF token, which every state-changing form and request of the UI must echo.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import secrets
import uuid

import msgspec

from opencase.account import sql
from opencase.account.passwords import hash_password, verify_password
from opencase.core.clock import now_us
from opencase.core.db import Database
from opencase.identity.models import SCOPES, Principal

# After this many consecutive failures for an email, each further attempt must wait
# 2**(failures - FREE_FAILURES) seconds after the last one (at most THROTTLE_MAX_SECONDS).
FREE_FAILURES = 5
THROTTLE_MAX_SECONDS = 900


@functools.cache
def _dummy_hash() -> str:
    """Checked against when no account has the email, so the answer takes as long either way."""
    return hash_password(secrets.token_hex(16))


class Session(msgspec.Struct, frozen=True):
    """A signed-in user, as the pages see them."""

    org_id: str
    id: str
    user_id: str
    email: str
    org_name: str
    csrf_token: str
    expires_at: int

    @property
    def principal(self) -> Principal:
        """The identity the pages act with: the user's own, every scope (as the UI's owner)."""
        return Principal(org_id=self.org_id, user_id=self.user_id, scopes=SCOPES)


class SignedIn(msgspec.Struct, frozen=True):
    session: Session
    cookie: str  # the cookie's value; the only place the secret exists


class Throttled(Exception):
    """Too many failed sign-ins for this email: try again after `seconds`."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {seconds} s")
        self.seconds = seconds


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def wait_seconds(failures: int, last_failed_at: int, now: int) -> int:
    """How long this email must still wait before another attempt (0: it may try now)."""
    if failures < FREE_FAILURES:
        return 0
    delay: int = min(2 ** (failures - FREE_FAILURES), THROTTLE_MAX_SECONDS) * 1_000_000
    remaining = last_failed_at + delay - now
    return max(0, -(-remaining // 1_000_000))


async def sign_in(
    *, db: Database, email: str, password: str, org_name: str | None, hours: float
) -> SignedIn | None:
    """A new session for the account with this email and password, or None (wrong either
    way). An email in several organisations signs in to the first (by name) whose password
    matches, or to `org_name` when given. Raises Throttled after repeated failures."""
    email = email.strip()
    email_hash = _sha256(email.casefold())
    async with db.snapshot() as conn:
        row = await conn.fetchrow(sql.FAILURES, email_hash)
        accounts = await conn.fetch(sql.ACCOUNTS_BY_EMAIL, email, email.lower())
    now = now_us()
    if row is not None:
        wait = wait_seconds(row["failures"], row["last_failed_at"], now)
        if wait:
            raise Throttled(wait)
    if org_name:
        accounts = [a for a in accounts if a["org_name"] == org_name]
    match = None
    # scrypt takes ~0.15 s of CPU: off the event loop (hashlib releases the GIL meanwhile).
    for account in accounts:
        if await asyncio.to_thread(verify_password, password, account["password_hash"]):
            match = account
            break
    if not accounts:
        await asyncio.to_thread(verify_password, password, _dummy_hash())
    if match is None:
        async with db.transaction() as conn:
            await conn.execute(sql.RECORD_FAILURE, email_hash, now)
        return None
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    org_id, session_id = str(match["org_id"]), str(uuid.uuid4())
    expires_at = now + int(hours * 3600 * 1_000_000)
    async with db.transaction() as conn:
        await conn.execute(sql.CLEAR_FAILURES, email_hash)
        await conn.execute(
            sql.INSERT_SESSION,
            org_id,
            session_id,
            str(match["id"]),
            _sha256(secret),
            csrf,
            now,
            expires_at,
        )
    session = Session(
        org_id=org_id,
        id=session_id,
        user_id=str(match["id"]),
        email=match["email"],
        org_name=match["org_name"],
        csrf_token=csrf,
        expires_at=expires_at,
    )
    return SignedIn(session=session, cookie=f"{org_id}.{session_id}.{secret}")


def _parse_cookie(cookie: str) -> tuple[str, str, str] | None:
    parts = cookie.split(".")
    if len(parts) != 3:
        return None
    try:
        return str(uuid.UUID(parts[0])), str(uuid.UUID(parts[1])), parts[2]
    except ValueError:
        return None


async def session_of(*, db: Database, cookie: str) -> Session | None:
    """The live session a cookie names, or None (unknown, wrong secret, expired, revoked)."""
    parsed = _parse_cookie(cookie)
    if parsed is None:
        return None
    org_id, session_id, secret = parsed
    async with db.snapshot() as conn:
        row = await conn.fetchrow(sql.SESSION, org_id, session_id, now_us())
    if row is None or not hmac.compare_digest(row["secret_hash"], _sha256(secret)):
        return None
    return Session(
        org_id=org_id,
        id=session_id,
        user_id=str(row["user_id"]),
        email=row["email"],
        org_name=row["org_name"],
        csrf_token=row["csrf_token"],
        expires_at=row["expires_at"],
    )


async def sign_out(*, db: Database, session: Session) -> None:
    """End the session (the cookie stops working on every process)."""
    async with db.transaction() as conn:
        await conn.execute(sql.REVOKE_SESSION, session.org_id, session.id, now_us())

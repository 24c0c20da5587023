"""Setting a user's password (the CLI); checking one belongs to the web UI's sign-in."""

from __future__ import annotations

from opencase.account import sql as account_sql
from opencase.account.passwords import check_strength, hash_password
from opencase.core.clock import now_us
from opencase.core.db import Database
from opencase.core.errors import InvalidInput, NotFound
from opencase.identity import sql
from opencase.identity.service import org_id_of


async def set_password(*, db: Database, org_name: str, email: str, password: str) -> None:
    """Give the organisation's user `email` this password (replacing any other); the user's
    web sessions end."""
    problem = check_strength(password)
    if problem:
        raise InvalidInput(problem)
    digest = hash_password(password)  # before the transaction: it takes a while
    async with db.transaction() as conn:
        org_id = await org_id_of(conn, org_name)
        user_id = await conn.fetchval(sql.USER_BY_EMAIL, org_id, email)
        if user_id is None:
            raise NotFound(f"user {email} in organisation {org_name!r}")
        await conn.execute(sql.SET_PASSWORD, org_id, email, digest)
        await conn.execute(account_sql.REVOKE_USER_SESSIONS, org_id, str(user_id), now_us())

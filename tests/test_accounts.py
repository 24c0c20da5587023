"""Sign-in passwords set from the command line (`users create --password-stdin`,
`users set-password`), stored as scrypt hashes."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from conftest import Server

from opencase.account.passwords import hash_password, verify_password
from opencase.core.config import load_settings
from opencase.core.db import connect


def stored_hash(server: Server, org: str, email: str) -> str | None:
    async def read() -> str | None:
        db = await connect(load_settings(database_url=server.database_url))
        try:
            async with db.snapshot() as conn:
                return await conn.fetchval(
                    "SELECT u.password_hash FROM users u JOIN orgs o ON o.id = u.org_id "
                    "WHERE o.name = $1 AND u.email = $2",
                    org,
                    email,
                )
        finally:
            await db.close()

    return asyncio.run(read())


def test_create_with_a_password_then_change_it(server: Server) -> None:
    org = f"acct-{uuid.uuid4().hex[:8]}"
    server.create_keys(org, "owner@acct.test")
    out = server.cli(
        "users",
        "create",
        "--org",
        org,
        "--email",
        "bob@acct.test",
        "--password-stdin",
        input="correct horse battery staple\n",
    )
    assert out.returncode == 0, out.stderr
    first = stored_hash(server, org, "bob@acct.test")
    assert first is not None and first.startswith("scrypt$32768$8$1$")
    assert verify_password("correct horse battery staple", first)
    assert not verify_password("correct horse battery stapl", first)

    out = server.cli(
        "users",
        "set-password",
        "--org",
        org,
        "--email",
        "bob@acct.test",
        "--password-stdin",
        input="another long passphrase\n",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"password set for bob@acct.test in organisation {org}"
    second = stored_hash(server, org, "bob@acct.test")
    assert second != first and verify_password("another long passphrase", second)
    # A user made without one has none: no sign-in until it is set.
    assert stored_hash(server, org, "owner@acct.test") is None


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--email", "bob@acct.test"], "short\n", "at least 12 characters"),
        (["--email", "bob@acct.test"], " " * 20 + "\n", "must not be blank"),
        (["--email", "nobody@acct.test"], "long enough password\n", "not found"),
    ],
)
def test_set_password_refuses_bad_input(
    server: Server, args: list[str], password: str, message: str
) -> None:
    org = f"acct-{uuid.uuid4().hex[:8]}"
    server.create_keys(org, "bob@acct.test")
    out = server.cli(
        "users",
        "set-password",
        "--org",
        org,
        *args,
        "--password-stdin",
        input=password,
        check=False,
    )
    assert out.returncode == 2, out.stdout
    assert message in out.stderr and "Traceback" not in out.stderr
    assert stored_hash(server, org, "bob@acct.test") is None


def test_hashes_are_salted_and_malformed_ones_never_verify() -> None:
    assert hash_password("same password here") != hash_password("same password here")
    for bad in (None, "", "plain", "bcrypt$x$y$z$a$b", "scrypt$notanumber$8$1$AA$AA"):
        assert not verify_password("same password here", bad)

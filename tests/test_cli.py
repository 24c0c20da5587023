"""The `opencase` command: keys, db upgrade and serve's refusals."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Server, _engine_params, dispose_server, make_server


@pytest.fixture(params=_engine_params())
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """A server (not started) on a new, empty database of each engine."""
    srv = make_server(request.param, tmp_path)
    yield srv
    dispose_server(srv)


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def create(server: Server, org: str, user: str, *extra: str) -> dict[str, Any]:
    out = server.cli("keys", "create", "--org", org, "--user", user, "--json", *extra)
    assert out.returncode == 0
    assert out.stderr == ""
    created: dict[str, Any] = json.loads(out.stdout)
    return created


def list_keys(server: Server) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = json.loads(server.cli("keys", "list", "--json").stdout)
    return listed


# keys create -----------------------------------------------------------------------------


def test_keys_create_json(server: Server) -> None:
    org = unique("hooli")
    out = create(server, org, "gavin@hooli.test")
    assert set(out) == {
        "api_key",
        "app_key",
        "org_id",
        "org",
        "user_id",
        "user",
        "api_key_id",
        "app_key_id",
        "scopes",
    }
    assert re.fullmatch(r"[0-9a-f]{32}", out["api_key"])
    assert re.fullmatch(r"[0-9a-f]{40}", out["app_key"])
    for name in ("org_id", "user_id", "api_key_id", "app_key_id"):
        assert str(uuid.UUID(out[name])) == out[name]
    assert out["org"] == org
    assert out["user"] == "gavin@hooli.test"
    assert out["scopes"] == [
        "cases_read",
        "cases_shared_settings_write",
        "cases_write",
        "event_correlation_config_read",
        "event_correlation_config_write",
    ]
    # The pair works.
    client = server.client(None)
    client.session.headers.update(
        {"DD-API-KEY": out["api_key"], "DD-APPLICATION-KEY": out["app_key"]}
    )
    r = client.get("/api/v2/cases/projects")
    assert r.status_code == 200
    assert r.json() == {"data": []}  # a new organisation sees nothing of the others


def test_keys_create_text(server: Server) -> None:
    org = unique("text")
    out = server.cli("keys", "create", "--org", org, "--user", "t@text.test")
    lines = out.stdout.splitlines()
    assert lines[0].startswith(f"organisation  {org} (")
    assert lines[1].startswith("user          t@text.test (")
    api = next(line for line in lines if line.startswith("DD_API_KEY="))
    app = next(line for line in lines if line.startswith("DD_APP_KEY="))
    assert re.fullmatch(r"DD_API_KEY=[0-9a-f]{32}", api)
    assert re.fullmatch(r"DD_APP_KEY=[0-9a-f]{40}", app)
    assert "shown only once" in out.stderr


def test_keys_create_twice_reuses_org_and_user(server: Server) -> None:
    org = unique("pied")
    first = create(server, org, "richard@pied.test")
    second = create(server, org, "richard@pied.test", "--scopes", "cases_read")
    other_user = create(server, org, "jared@pied.test")
    other_org = create(server, unique("pied"), "richard@pied.test")
    assert second["org_id"] == first["org_id"]
    assert second["user_id"] == first["user_id"]
    assert second["scopes"] == ["cases_read"]
    assert {second["api_key"], second["app_key"]}.isdisjoint({first["api_key"], first["app_key"]})
    assert second["api_key_id"] != first["api_key_id"]
    assert second["app_key_id"] != first["app_key_id"]
    assert other_user["org_id"] == first["org_id"]
    assert other_user["user_id"] != first["user_id"]
    assert other_org["org_id"] != first["org_id"]
    assert other_org["user_id"] != first["user_id"]
    # Both pairs of one user work, with their own scopes.
    read_only = server.client(None)
    read_only.session.headers.update(
        {"DD-API-KEY": first["api_key"], "DD-APPLICATION-KEY": second["app_key"]}
    )
    assert read_only.get("/api/v2/cases/projects").status_code == 200
    body = {"data": {"type": "project", "attributes": {"name": "n", "key": "NOPE"}}}
    assert read_only.post("/api/v2/cases/projects", json=body).status_code == 403


def test_scopes_are_normalised(server: Server) -> None:
    out = create(
        server,
        unique("scoped"),
        "s@scoped.test",
        "--scopes",
        " cases_write, cases_read,cases_read,",
    )
    assert out["scopes"] == ["cases_read", "cases_write"]


BAD_CREATE = [
    (["--user", "not-an-email"], "'not-an-email' is not an email address"),
    (["--user", "a b@c.test"], "'a b@c.test' is not an email address"),
    (["--user", "@nohost"], "'@nohost' is not an email address"),
    (["--scopes", "cases_read,admin"], "unknown scopes ['admin']"),
    (["--scopes", ""], "unknown scopes []"),
    (["--scopes", " , "], "unknown scopes []"),
    (["--org", "  "], "organisation name must not be empty"),
]


def test_keys_create_refuses_bad_input(server: Server) -> None:
    before = list_keys(server)
    for args, message in BAD_CREATE:
        argv = ["keys", "create", "--json"]
        if "--org" not in args:
            argv += ["--org", unique("bad")]
        if "--user" not in args:
            argv += ["--user", "ok@bad.test"]
        out = server.cli(*argv, *args, check=False)
        assert out.returncode == 2, args
        assert out.stdout == ""
        assert out.stderr.startswith("opencase: ")
        assert message in out.stderr, (args, out.stderr)
    assert list_keys(server) == before


def test_keys_create_requires_org_and_user(server: Server) -> None:
    out = server.cli("keys", "create", "--org", "x", check=False)
    assert out.returncode == 2
    assert "--user" in out.stderr


# keys list and revoke --------------------------------------------------------------------


def test_keys_list_never_shows_secrets(server: Server) -> None:
    org = unique("listed")
    created = create(server, org, "l@listed.test", "--scopes", "cases_read")
    listed = list_keys(server)
    mine = [k for k in listed if k["org"] == org]
    assert sorted(k["kind"] for k in mine) == ["api", "app"]
    api = next(k for k in mine if k["kind"] == "api")
    app = next(k for k in mine if k["kind"] == "app")
    assert api["id"] == created["api_key_id"]
    assert app["id"] == created["app_key_id"]
    assert api["prefix"] == created["api_key"][:8]
    assert app["prefix"] == created["app_key"][:8]
    assert api["user"] is None
    assert app["user"] == "l@listed.test"
    assert api["scopes"] == []
    assert app["scopes"] == ["cases_read"]
    for key in mine:
        assert set(key) == {
            "kind",
            "id",
            "org",
            "user",
            "prefix",
            "scopes",
            "created_at",
            "revoked_at",
        }
        assert key["revoked_at"] is None
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", key["created_at"])
    for output in (
        server.cli("keys", "list", "--json").stdout,
        server.cli("keys", "list").stdout,
    ):
        assert created["api_key"] not in output
        assert created["app_key"] not in output
        assert created["api_key"][:9] not in output
        assert created["app_key"][:9] not in output
        assert created["app_key_id"] in output


def test_keys_revoke(server: Server) -> None:
    org = unique("revoked")
    created = create(server, org, "r@revoked.test")
    out = server.cli("keys", "revoke", created["app_key_id"])
    assert out.returncode == 0
    assert out.stdout.strip() == f"revoked {created['app_key_id']}"
    mine = {k["kind"]: k for k in list_keys(server) if k["org"] == org}
    assert mine["app"]["revoked_at"] is not None
    assert mine["api"]["revoked_at"] is None
    text = server.cli("keys", "list").stdout
    (line,) = [line for line in text.splitlines() if created["app_key_id"] in line]
    assert "revoked" in line


def test_keys_revoke_unknown_id_fails(server: Server) -> None:
    out = server.cli("keys", "revoke", str(uuid.uuid4()), check=False)
    assert out.returncode == 2
    assert out.stderr.strip() == "opencase: active key not found"
    out = server.cli("keys", "revoke", "not-a-key-id", check=False)
    assert out.returncode == 2
    assert "'not-a-key-id' is not a key id" in out.stderr


# serve -----------------------------------------------------------------------------------


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    srv = make_server("sqlite", tmp_path)
    out = srv.cli("serve", "--workers", "2", "--port", "1", check=False)
    assert out.returncode == 2
    assert "PostgreSQL" in out.stderr
    assert "--workers must be 1" in out.stderr
    assert not (tmp_path / "opencase.db").exists()  # refused before touching the database


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OPENCASE_DATABASE_URL": "mysql://x/y"}, "OPENCASE_DATABASE_URL must be"),
        ({"OPENCASE_PORT": "eighty"}, "OPENCASE_PORT='eighty' is not a valid int"),
        ({"OPENCASE_SQLITE_SYNCHRONOUS": "sometimes"}, "OPENCASE_SQLITE_SYNCHRONOUS must be"),
    ],
)
def test_bad_settings_exit_2(tmp_path: Path, env: dict[str, str], message: str) -> None:
    srv = make_server("sqlite", tmp_path, **env)
    for argv in (["serve"], ["db", "upgrade"], ["keys", "list"]):
        out = srv.cli(*argv, check=False)
        assert out.returncode == 2, argv
        assert out.stderr.startswith("opencase: ")
        assert message in out.stderr


def test_no_command_is_a_usage_error(server: Server) -> None:
    out = server.cli(check=False)
    assert out.returncode == 2
    assert "usage: opencase" in out.stderr


# db upgrade ------------------------------------------------------------------------------


def _check_schema_works(srv: Server) -> None:
    keys = srv.create_keys("acme", "alice@acme.test")
    srv.start()
    try:
        api = srv.client(keys)
        project = api.new_project("UPG")
        case = api.new_case(project["id"], "After upgrade")
        assert case["attributes"]["key"] == "UPG-1"
        assert api.get(f"/api/v2/cases/{case['id']}").status_code == 200
    finally:
        srv.stop()
    assert "Traceback" not in srv.log_text()


def test_db_upgrade_is_idempotent(fresh: Server) -> None:
    for _ in range(2):
        out = fresh.cli("db", "upgrade")
        assert out.returncode == 0
        assert out.stdout.strip() == f"schema is at the newest revision ({fresh.engine})"
    created = create(fresh, "first", "first@first.test")
    # Again on a database that holds data: nothing is lost.
    assert fresh.cli("db", "upgrade").returncode == 0
    listed = list_keys(fresh)
    assert sorted(k["id"] for k in listed) == sorted([created["api_key_id"], created["app_key_id"]])


def test_concurrent_db_upgrades_on_a_fresh_database(fresh: Server) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "opencase", "db", "upgrade"],
            env=fresh.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (stdout, stderr) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, stderr
        assert stdout.strip() == f"schema is at the newest revision ({fresh.engine})"
    _check_schema_works(fresh)

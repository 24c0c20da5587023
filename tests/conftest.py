"""Test harness: every test talks HTTP to a real `opencase serve` process.

The `server` fixture is parametrised over the storage engines, so each test that uses it runs
once on SQLite and once on PostgreSQL. PostgreSQL tests skip (with the reason) when no server
answers on OPENCASE_TEST_PG (default postgresql://127.0.0.1:5432/test), except under CI=true,
where they fail instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import socket
import string
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

# The fuzzing suites' fixtures (fuzz_keys, fuzz_world).
pytest_plugins = ["fuzzing"]

PG_ADMIN_URL = os.environ.get("OPENCASE_TEST_PG", "postgresql://root@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
STANDARD_TYPE = "00000000-0000-0000-0000-000000000001"


# Datadog's contract, beside the checkout (../shared/reference/); tests needing it skip without.
REFERENCE_CONTRACT = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "reference"
    / "datadog-case-management-openapi.yaml"
)


def reference_contract_path() -> Path:
    """The reference contract's path; skips the test when it is absent."""
    if not REFERENCE_CONTRACT.exists():
        pytest.skip(f"reference contract not found at {REFERENCE_CONTRACT}")
    return REFERENCE_CONTRACT


def reference_contract() -> dict[str, Any]:
    """The reference contract, parsed; skips the test when it is absent."""
    import yaml

    doc: dict[str, Any] = yaml.safe_load(reference_contract_path().read_text())
    return doc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_reachable() -> str | None:
    """None when PostgreSQL answers, else why not."""
    parts = urlsplit(PG_ADMIN_URL)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), 2):
            return None
    except OSError as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}"


def _psql(sql: str) -> None:
    import asyncio

    import asyncpg

    async def run() -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


def create_pg_database() -> str:
    """A new, empty PostgreSQL database for one test session; returns its URL."""
    name = f"opencase_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _psql(f'CREATE DATABASE "{name}"')
    parts = urlsplit(PG_ADMIN_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_pg_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    _psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def random_key(prefix: str = "P") -> str:
    return prefix + "".join(random.choices(string.ascii_uppercase, k=7))


class Client:
    """requests with a key pair; every call returns the Response."""

    def __init__(self, base_url: str, api_key: str | None, app_key: str | None) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        if api_key is not None:
            self.session.headers["DD-API-KEY"] = api_key
        if app_key is not None:
            self.session.headers["DD-APPLICATION-KEY"] = app_key
        self.session.headers["Accept"] = "application/json"

    def request(self, method: str, path: str, **kw: Any) -> requests.Response:
        return self.session.request(method, self.base_url + path, timeout=30, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> requests.Response:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.request("DELETE", path, **kw)

    # Helpers used across test modules -------------------------------------------------

    def new_project(self, key: str | None = None, name: str = "Test project") -> dict[str, Any]:
        r = self.post(
            "/api/v2/cases/projects",
            json={
                "data": {
                    "type": "project",
                    "attributes": {"name": name, "key": key or random_key()},
                }
            },
        )
        assert r.status_code == 201, r.text
        return r.json()["data"]

    def new_case(
        self,
        project_id: str,
        title: str = "A case",
        assignee: str | None = None,
        **attributes: Any,
    ) -> dict[str, Any]:
        body = case_body(project_id, title, assignee, **attributes)
        r = self.post("/api/v2/cases", json=body)
        assert r.status_code == 201, r.text
        return r.json()["data"]


def case_body(
    project_id: str, title: str = "A case", assignee: str | None = None, **attributes: Any
) -> dict[str, Any]:
    relationships: dict[str, Any] = {"project": {"data": {"id": project_id, "type": "project"}}}
    if assignee is not None:
        relationships["assignee"] = {"data": {"id": assignee, "type": "user"}}
    return {
        "data": {
            "type": "case",
            "attributes": {"title": title, "type_id": STANDARD_TYPE, **attributes},
            "relationships": relationships,
        }
    }


@dataclass
class Keys:
    api_key: str
    app_key: str
    org_id: str
    user_id: str
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class Server:
    """A running `opencase serve` process and the database behind it."""

    engine: str
    database_url: str
    port: int
    workers: int = 1
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(
        self, *args: str, check: bool = True, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "opencase", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
            input=input,
        )

    def create_keys(self, org: str, user: str, scopes: str | None = None) -> Keys:
        args = ["keys", "create", "--org", org, "--user", user, "--json"]
        if scopes is not None:
            args += ["--scopes", scopes]
        out = json.loads(self.cli(*args).stdout)
        return Keys(out["api_key"], out["app_key"], out["org_id"], out["user_id"], out)

    def client(self, keys: Keys | None) -> Client:
        if keys is None:
            return Client(self.base_url, None, None)
        return Client(self.base_url, keys.api_key, keys.app_key)

    def start(self) -> None:
        assert self.log_path is not None
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "opencase",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log_path.read_text()[-3000:]}")

    def stop(self, kill: bool = False) -> None:
        if self.process is None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def log_text(self) -> str:
        return self.log_path.read_text() if self.log_path and self.log_path.exists() else ""


def _engine_params() -> list[Any]:
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def require_service(service: str, reason: str | None) -> None:
    """Skip the test when `reason` says the service is missing (fail it under CI=true)."""
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true requires {service}: {reason}")
        pytest.skip(reason)


def require_pg() -> None:
    """Skip the test when PostgreSQL is not reachable (fail it under CI=true)."""
    require_service("PostgreSQL", _pg_reachable())


@contextlib.contextmanager
def migrated_pg_database() -> Iterator[str]:
    """The URL of a new PostgreSQL database at opencase's newest schema, dropped afterwards."""
    require_pg()
    from opencase.core import migrate
    from opencase.core.config import load_settings

    url = create_pg_database()
    try:
        asyncio.run(migrate.upgrade(load_settings(database_url=url)))
        yield url
    finally:
        drop_pg_database(url)


def make_server(engine: str, tmp: Path, workers: int = 1, **extra_env: str) -> Server:
    """A configured (not yet started) server on a fresh database of the given engine."""
    if engine == "postgresql":
        require_pg()
        url = create_pg_database()
    else:
        url = f"sqlite:///{tmp / 'opencase.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENCASE_")}
    # Rate limits stay off unless a test asks for them: suites send thousands of requests.
    env.update(
        {
            "OPENCASE_DATABASE_URL": url,
            "OPENCASE_AUTH_CACHE_SECONDS": "0",
            "OPENCASE_RATE_LIMITS": "off",
            **extra_env,
        }
    )
    return Server(
        engine=engine,
        database_url=url,
        port=free_port(),
        workers=workers,
        env=env,
        log_path=tmp / "server.log",
    )


def dispose_server(server: Server) -> None:
    server.stop()
    if server.engine == "postgresql":
        drop_pg_database(server.database_url)


@pytest.fixture(scope="session", params=_engine_params())
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """One server per engine for the whole session."""
    srv = make_server(request.param, tmp_path_factory.mktemp(f"server-{request.param}"))
    srv.start()
    yield srv
    log = srv.log_text()
    dispose_server(srv)
    assert "Traceback" not in log, f"the server logged a traceback:\n{log[-5000:]}"


@pytest.fixture(scope="session")
def keys(server: Server) -> Keys:
    """Full-scope keys of organisation `acme`."""
    return server.create_keys("acme", "alice@acme.test")


@pytest.fixture(scope="session")
def api(server: Server, keys: Keys) -> Client:
    """A client for organisation `acme` with every scope."""
    return server.client(keys)


@pytest.fixture(scope="session")
def readonly_api(server: Server) -> Client:
    """A client for organisation `acme` whose application key has only cases_read."""
    return server.client(server.create_keys("acme", "reader@acme.test", "cases_read"))


@pytest.fixture(scope="session")
def other_api(server: Server) -> Client:
    """A client for a second organisation, `globex`."""
    return server.client(server.create_keys("globex", "gina@globex.test"))


@pytest.fixture
def project(api: Client) -> dict[str, Any]:
    """A fresh project of `acme`."""
    return api.new_project()

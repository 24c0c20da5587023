"""Concurrent case creation: keys stay gap-free per project and public ids per organisation,
on each engine and on PostgreSQL with several worker processes."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from conftest import Client, Keys, Server, case_body, dispose_server, make_server

N = 50


def fresh_keys(server: Server) -> Keys:
    """Keys of a brand-new organisation, so that its public ids start at 1."""
    return server.create_keys(f"conc-{uuid.uuid4().hex[:10]}", "racer@conc.test")


def create_concurrently(server: Server, keys: Keys, project_ids: list[str]) -> list[Any]:
    """POST one case per entry of `project_ids`, all at once; the 201 bodies in that order."""
    barrier = threading.Barrier(len(project_ids), timeout=60)

    def create(i: int) -> Any:
        client = server.client(keys)  # one session per thread
        body = case_body(project_ids[i], f"racer {i}")
        barrier.wait()
        r = client.post("/api/v2/cases", json=body)
        assert r.status_code == 201, r.text
        return r.json()["data"]

    with ThreadPoolExecutor(len(project_ids)) as pool:
        return list(pool.map(create, range(len(project_ids))))


def check_numbering(client: Client, cases: list[Any], projects: list[dict[str, Any]]) -> None:
    assert len({c["id"] for c in cases}) == len(cases)
    # Public ids: distinct and gap-free across the (fresh) organisation.
    public_ids = sorted(int(c["attributes"]["public_id"]) for c in cases)
    assert public_ids == list(range(1, len(cases) + 1))
    for project in projects:
        mine = [c for c in cases if c["relationships"]["project"]["data"]["id"] == project["id"]]
        key = project["attributes"]["key"]
        assert sorted(c["attributes"]["key"] for c in mine) == sorted(
            f"{key}-{n}" for n in range(1, len(mine) + 1)
        )
    # What the server acknowledged is what it stored.
    for case in cases:
        got = client.get(f"/api/v2/cases/{case['attributes']['key']}")
        assert got.status_code == 200, got.text
        assert got.json()["data"]["id"] == case["id"]
        assert got.json()["data"]["attributes"]["title"] == case["attributes"]["title"]
    for project in projects:
        r = client.get(
            "/api/v2/cases", params={"filter": f"project:{project['attributes']['key']}"}
        )
        mine = [c for c in cases if c["relationships"]["project"]["data"]["id"] == project["id"]]
        assert r.json()["meta"]["total_cases"] == len(mine)


def one_project(server: Server) -> None:
    keys = fresh_keys(server)
    client = server.client(keys)
    project = client.new_project()
    cases = create_concurrently(server, keys, [project["id"]] * N)
    check_numbering(client, cases, [project])
    # The next case continues the sequence.
    key = project["attributes"]["key"]
    nxt = client.new_case(project["id"])["attributes"]
    assert (nxt["key"], nxt["public_id"]) == (f"{key}-{N + 1}", str(N + 1))


def two_projects(server: Server) -> None:
    keys = fresh_keys(server)
    client = server.client(keys)
    first, second = client.new_project(), client.new_project()
    ids = [first["id"] if i % 2 else second["id"] for i in range(N)]
    cases = create_concurrently(server, keys, ids)
    check_numbering(client, cases, [first, second])


def two_orgs(server: Server) -> None:
    """Two organisations racing: each has its own gap-free public ids."""
    a, b = fresh_keys(server), fresh_keys(server)
    pa, pb = server.client(a).new_project(), server.client(b).new_project()
    barrier = threading.Barrier(N, timeout=60)

    def create(i: int) -> tuple[int, Any]:
        keys, project = (a, pa) if i % 2 else (b, pb)
        client = server.client(keys)
        barrier.wait()
        r = client.post("/api/v2/cases", json=case_body(project["id"], f"org race {i}"))
        assert r.status_code == 201, r.text
        return i % 2, r.json()["data"]

    with ThreadPoolExecutor(N) as pool:
        results = list(pool.map(create, range(N)))
    for side, keys, project in ((1, a, pa), (0, b, pb)):
        cases = [c for s, c in results if s == side]
        check_numbering(server.client(keys), cases, [project])


@pytest.fixture(scope="module")
def pg_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A PostgreSQL server with two worker processes."""
    srv = make_server("postgresql", Path(tmp_path_factory.mktemp("pg-workers")), workers=2)
    try:
        srv.start()
        # /healthz answers as soon as one worker is up; wait for both so that both serve.
        deadline = time.monotonic() + 60
        while srv.log_text().count("Application startup complete") < 2:
            assert time.monotonic() < deadline, srv.log_text()
            time.sleep(0.1)
        yield srv
    finally:
        log = srv.log_text()
        dispose_server(srv)
    assert "Traceback" not in log, log[-5000:]


def test_one_project(server: Server) -> None:
    one_project(server)


def test_two_projects(server: Server) -> None:
    two_projects(server)


def test_two_organisations(server: Server) -> None:
    two_orgs(server)


@pytest.mark.postgresql
def test_one_project_two_workers(pg_workers: Server) -> None:
    one_project(pg_workers)


@pytest.mark.postgresql
def test_two_projects_two_workers(pg_workers: Server) -> None:
    two_projects(pg_workers)


@pytest.mark.postgresql
def test_two_organisations_two_workers(pg_workers: Server) -> None:
    two_orgs(pg_workers)

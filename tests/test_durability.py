"""Durability: a case acknowledged with 201 survives the server being killed (SIGKILL)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import (
    Client,
    Server,
    case_body,
    dispose_server,
    free_port,
    make_server,
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def dedicated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """A server of its own on a fresh database, stopped and dropped afterwards."""
    srv = make_server(request.param, tmp_path)
    try:
        srv.start()
        yield srv
    finally:
        log = srv.log_text()
        dispose_server(srv)
    assert "Traceback" not in log, log[-5000:]


def restart_after_kill(server: Server) -> None:
    server.stop(kill=True)
    server.port = free_port()  # the old port may linger; the database is what must survive
    server.start()


def all_cases(client: Client, project_key: str) -> list[Any]:
    out: list[Any] = []
    number = 1
    while True:
        r = client.get(
            "/api/v2/cases",
            params={"filter": f"project:{project_key}", "page[size]": 100, "page[number]": number},
        )
        assert r.status_code == 200, r.text
        out += r.json()["data"]
        if number >= r.json()["meta"]["page"]["total"]:
            return out
        number += 1


def kill_amid_writers(
    server: Server,
    writer: Callable[[int], None],
    count: int,
    stop: threading.Event,
    enough: Callable[[], bool],
    errors: list[str],
) -> list[threading.Thread]:
    """Run `count` writer threads until `enough()`, SIGKILL the server while they still
    write, and wait for every writer to notice."""
    threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(count)]
    for t in threads:
        t.start()
    try:
        deadline = time.monotonic() + 120
        while not enough():
            assert time.monotonic() < deadline, "writers made no progress"
            assert not errors, errors
            time.sleep(0.005)
        server.stop(kill=True)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return threads


def check_survived(client: Client, acked: list[Any]) -> None:
    for case in acked:
        for ref in (case["id"], case["attributes"]["key"]):
            r = client.get(f"/api/v2/cases/{ref}")
            assert r.status_code == 200, (ref, r.text)
            got = r.json()["data"]
            assert got["id"] == case["id"]
            assert got["attributes"]["title"] == case["attributes"]["title"]
            assert got["attributes"]["public_id"] == case["attributes"]["public_id"]


def test_acknowledged_cases_survive_kill(dedicated: Server) -> None:
    server = dedicated
    keys = server.create_keys("acme", "alice@acme.test")
    client = server.client(keys)
    project = client.new_project()
    key = project["attributes"]["key"]
    acked = [client.new_case(project["id"], f"durable {i}", priority="P2") for i in range(10)]
    closed = client.new_case(project["id"], "closed one", status_name="Closed")
    acked.append(closed)

    restart_after_kill(server)
    client = server.client(keys)  # keys live in the database too
    check_survived(client, acked)
    assert [c["id"] for c in all_cases(client, key)] == [c["id"] for c in reversed(acked)]
    got = client.get(f"/api/v2/cases/{closed['id']}").json()["data"]["attributes"]
    assert got["closed_at"] == closed["attributes"]["closed_at"]
    # Numbering carries on where it stopped.
    nxt = client.new_case(project["id"])["attributes"]
    assert nxt["key"] == f"{key}-{len(acked) + 1}"
    assert nxt["public_id"] == str(len(acked) + 1)


def test_kill_while_creating(dedicated: Server) -> None:
    server = dedicated
    keys = server.create_keys("acme", "alice@acme.test")
    project = server.client(keys).new_project()
    key = project["attributes"]["key"]
    acked: list[Any] = []
    refused: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(w: int) -> None:
        client = server.client(keys)
        i = 0
        while not stop.is_set():
            try:
                r = client.post("/api/v2/cases", json=case_body(project["id"], f"w{w} #{i}"))
            except requests.RequestException:
                return  # the server died mid-request: this case may or may not exist
            if r.status_code != 201:
                with lock:
                    refused.append(r.text)
                return
            with lock:
                acked.append(r.json()["data"])
            i += 1

    threads = kill_amid_writers(server, writer, 3, stop, lambda: len(acked) >= 40, refused)
    assert not refused, refused
    with lock:
        acknowledged = list(acked)

    server.port = free_port()
    server.start()
    client = server.client(keys)
    check_survived(client, acknowledged)
    stored = all_cases(client, key)
    # At most one in-flight request per writer may have committed without its 201 arriving.
    assert len(acknowledged) <= len(stored) <= len(acknowledged) + len(threads)
    assert {c["id"] for c in acknowledged} <= {c["id"] for c in stored}
    # Keys stayed gap-free through the crash, and numbering resumes after the last one.
    numbers = sorted(int(c["attributes"]["key"].rsplit("-", 1)[1]) for c in stored)
    assert numbers == list(range(1, len(stored) + 1))
    nxt = client.new_case(project["id"])["attributes"]
    assert nxt["key"] == f"{key}-{len(stored) + 1}"
    assert nxt["public_id"] == str(len(stored) + 1)


def test_kill_in_a_burst_of_concurrent_insight_writes(dedicated: Server) -> None:
    """16 writers add 10 insights at a time to one case (on SQLite, in shared group commits);
    SIGKILL mid-burst. Every acknowledged PUT survives whole, and no other is half there: its
    10 insights and its timeline event are all present or all absent."""
    server = dedicated
    keys = server.create_keys("acme", "alice@acme.test")
    setup = server.client(keys)
    case = setup.new_case(setup.new_project()["id"], "burst")
    path = f"/api/v2/cases/{case['id']}/insights"
    acked: list[tuple[int, int]] = []
    failed: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def body(w: int, i: int) -> dict[str, Any]:
        insights = [
            {"type": "MONITOR", "ref": f"/monitors/{w}-{i}-{j}", "resource_id": f"{w}-{i}-{j}"}
            for j in range(10)
        ]
        return {"data": {"type": "case", "attributes": {"insights": insights}}}

    def writer(w: int) -> None:
        client = server.client(keys)
        i = 0
        while not stop.is_set():
            try:
                r = client.put(path, json=body(w, i))
            except requests.RequestException:
                return  # died mid-request: this PUT may or may not have committed
            with lock:
                (acked.append((w, i)) if r.status_code == 200 else failed.append(r.text))
            if r.status_code != 200:
                return
            i += 1

    threads = kill_amid_writers(server, writer, 16, stop, lambda: len(acked) >= 80, failed)
    assert not failed, failed
    restart_after_kill_started(server)
    client = server.client(keys)
    got = client.get(f"/api/v2/cases/{case['id']}").json()["data"]["attributes"]["insights"]
    groups: dict[tuple[int, int], int] = {}
    for insight in got:
        w, i, _ = insight["resource_id"].split("-")
        groups[int(w), int(i)] = groups.get((int(w), int(i)), 0) + 1
    assert set(acked) <= set(groups)
    assert set(groups.values()) == {10}, "a PUT is half there"
    # At most one in-flight PUT per writer committed without its answer arriving.
    assert len(groups) <= len(acked) + len(threads)
    timeline = client.get(f"/api/v2/cases/{case['id']}/timelines", params={"page[size]": 1000})
    added = [c for c in timeline.json()["data"] if c["attributes"]["type"] == "INSIGHTS_ADDED"]
    assert len(added) == len(groups)


def restart_after_kill_started(server: Server) -> None:
    """Start a server killed with stop(kill=True) again, on a fresh port."""
    server.port = free_port()
    server.start()

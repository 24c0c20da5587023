"""Production mode, from the outside: several `opencase serve` processes on one PostgreSQL,
rate limits shared by them, graceful shutdown on SIGTERM, /readyz, /metrics, JSON logs with
request ids, and the request limits (head size, statement timeout)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from conftest import (
    Client,
    Keys,
    Server,
    case_body,
    dispose_server,
    free_port,
    make_server,
    require_service,
)

BENCH = Path(__file__).resolve().parents[1] / "bench"


def sibling(server: Server, tmp: Path, **extra_env: str) -> Server:
    """A second server process on the same database (another host, as far as it can tell)."""
    return Server(
        engine=server.engine,
        database_url=server.database_url,
        port=free_port(),
        env={**server.env, **extra_env},
        log_path=tmp / f"server-{uuid.uuid4().hex[:6]}.log",
    )


def start_together(*servers: Server) -> None:
    """Start the processes at the same moment (they migrate a fresh database together)."""
    with ThreadPoolExecutor(len(servers)) as pool:
        list(pool.map(lambda s: s.start(), servers))


def fresh_keys(server: Server) -> Keys:
    return server.create_keys(f"prod-{uuid.uuid4().hex[:10]}", "ops@prod.test")


def no_tracebacks(*servers: Server) -> None:
    for s in servers:
        assert "Traceback" not in s.log_text(), s.log_text()[-5000:]


def running_pair(tmp: Path, **env: str) -> Iterator[tuple[Server, Server]]:
    """Two servers on one fresh PostgreSQL database, started at the same time."""
    a = make_server("postgresql", tmp, **env)
    b = sibling(a, tmp)
    try:
        start_together(a, b)
        yield a, b
    finally:
        b.stop()
        dispose_server(a)
    no_tracebacks(a, b)


@pytest.fixture
def pg_pair(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    yield from running_pair(tmp_path)


# Two processes, one database ------------------------------------------------------------


@pytest.mark.postgresql
def test_two_servers_interleave_writes_to_the_same_cases(pg_pair: tuple[Server, Server]) -> None:
    a, b = pg_pair
    keys = fresh_keys(a)
    via = [a.client(keys), b.client(keys)]
    project = via[0].new_project()
    cases = [via[i % 2].new_case(project["id"], f"shared {i}") for i in range(4)]
    n = 40
    barrier = threading.Barrier(n, timeout=60)

    def work(i: int) -> list[int]:
        client = Client(via[i % 2].base_url, keys.api_key, keys.app_key)
        case = cases[i % len(cases)]
        barrier.wait()
        statuses = []
        # A new case in the shared project (numbering), then evidence and a comment on a
        # shared case, then an edit of the one field this thread owns on that case.
        r = client.post("/api/v2/cases", json=case_body(project["id"], f"created {i}"))
        statuses.append(r.status_code)
        insights = [
            {"type": "MONITOR", "ref": f"/monitors/{i}-{j}", "resource_id": f"{i}-{j}"}
            for j in range(3)
        ]
        r = client.put(
            f"/api/v2/cases/{case['id']}/insights",
            json={"data": {"type": "case", "attributes": {"insights": insights}}},
        )
        statuses.append(r.status_code)
        r = client.post(
            f"/api/v2/cases/{case['id']}/comment",
            json={"data": {"type": "case", "attributes": {"comment": f"note {i}"}}},
        )
        statuses.append(r.status_code)
        return statuses

    with ThreadPoolExecutor(n) as pool:
        results = list(pool.map(work, range(n)))
    assert all(s == [201, 200, 200] for s in results), results

    # Keys gap-free and unique across both processes: 4 first cases + 40 created together.
    listed = via[1].get(
        "/api/v2/cases",
        params={"filter": f"project:{project['attributes']['key']}", "page[size]": 100},
    )
    assert listed.status_code == 200, listed.text
    got_keys = sorted(c["attributes"]["key"] for c in listed.json()["data"])
    key = project["attributes"]["key"]
    assert got_keys == sorted(f"{key}-{k}" for k in range(1, n + len(cases) + 1))
    # Every insight and every comment of every thread, once, read through either process.
    for index, case in enumerate(cases):
        mine = [i for i in range(n) if i % len(cases) == index]
        data = via[index % 2].get(f"/api/v2/cases/{case['id']}").json()["data"]
        ids = sorted(x["resource_id"] for x in data["attributes"]["insights"])
        assert ids == sorted(f"{i}-{j}" for i in mine for j in range(3))
        assert data["attributes"]["comment_count"] == len(mine)


@pytest.mark.postgresql
def test_edits_of_one_case_through_two_servers_lose_nothing(
    pg_pair: tuple[Server, Server],
) -> None:
    a, b = pg_pair
    keys = fresh_keys(a)
    api = a.client(keys)
    case = api.new_case(api.new_project()["id"], "edit me", priority="P3")
    priorities = ["P1", "P2", "P3", "P4", "P5"]
    last: dict[str, str] = {}

    def rename(i: int) -> None:  # through a
        client = a.client(keys)
        for k in range(15):
            title = f"title {i}-{k}"
            r = client.post(
                f"/api/v2/cases/{case['id']}/title",
                json={"data": {"type": "case", "attributes": {"title": title}}},
            )
            assert r.status_code == 200, r.text
        last["title"] = title

    def reprioritise(i: int) -> None:  # through b
        client = b.client(keys)
        for k in range(15):
            priority = priorities[k % 5]
            r = client.post(
                f"/api/v2/cases/{case['id']}/priority",
                json={"data": {"type": "case", "attributes": {"priority": priority}}},
            )
            assert r.status_code == 200, r.text
        last["priority"] = priority

    threads = [
        threading.Thread(target=rename, args=(0,)),
        threading.Thread(target=reprioritise, args=(1,)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    attrs = b.client(keys).get(f"/api/v2/cases/{case['id']}").json()["data"]["attributes"]
    # Neither process's write of one field put back the other's stale value.
    assert (attrs["title"], attrs["priority"]) == (last["title"], last["priority"])


# Rate limits ---------------------------------------------------------------------------


def _redis_reachable() -> str | None:
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=2).ping()
        return None
    except Exception as exc:
        return f"Redis at 127.0.0.1:6379 is not reachable: {exc}"


@pytest.fixture(params=["postgresql", "redis"])
def limited_pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    """Two servers on one PostgreSQL, reads limited to 10 an hour, counted in the parameter."""
    env = {"OPENCASE_RATE_LIMITS": "read=10/3600,write=1000/60"}
    if request.param == "redis":
        require_service("Redis", _redis_reachable())
        env["OPENCASE_REDIS_URL"] = "redis://127.0.0.1:6379/0"
    yield from running_pair(tmp_path, **env)


def _clear_of_window_end(client: Client) -> None:
    """Wait out the hour's last seconds, so that a test's requests share one window."""
    # A write, so that the read counter under test is left alone.
    r = client.post(
        "/api/v2/cases/projects",
        json={
            "data": {
                "type": "project",
                "attributes": {"name": "w", "key": f"W{uuid.uuid4().hex[:6].upper()}"},
            }
        },
    )
    assert r.status_code == 201, r.text
    # The read window is an hour from the epoch, the same clock as the write's minute windows.
    left = 3600 - time.time() % 3600
    if left < 30:
        time.sleep(left + 1)


@pytest.mark.postgresql
def test_rate_limits_are_shared_by_two_processes(limited_pair: tuple[Server, Server]) -> None:
    a, b = limited_pair
    keys = fresh_keys(a)
    via = [a.client(keys), b.client(keys)]
    _clear_of_window_end(via[0])
    resets = []
    for i in range(10):
        r = via[i % 2].get("/api/v2/cases/projects")
        assert r.status_code == 200, r.text
        assert r.headers["X-RateLimit-Limit"] == "10"
        assert r.headers["X-RateLimit-Period"] == "3600"
        assert r.headers["X-RateLimit-Remaining"] == str(9 - i)
        assert r.headers["X-RateLimit-Name"] == "cases_read"
        resets.append(int(r.headers["X-RateLimit-Reset"]))
    assert all(0 < s <= 3600 for s in resets)
    assert resets == sorted(resets, reverse=True)
    assert resets[0] - resets[-1] <= 5

    for client in via:  # the 11th and 12th, one through each process
        r = client.get("/api/v2/cases/projects")
        assert r.status_code == 429, r.text
        assert r.headers["X-RateLimit-Remaining"] == "0"
        assert r.headers["X-RateLimit-Limit"] == "10"
        assert r.headers["X-RateLimit-Name"] == "cases_read"
        assert r.headers["Retry-After"] == r.headers["X-RateLimit-Reset"]
        reset = r.headers["X-RateLimit-Reset"]
        assert r.headers["content-type"] == "application/vnd.api+json"
        assert r.json() == {
            "errors": [
                {
                    "status": "429",
                    "title": "Too Many Requests",
                    "detail": "more than 10 cases_read requests in 3600 s for this "
                    f"organisation; the window resets in {reset} s",
                }
            ]
        }
    # Another family of the same organisation, and another organisation, are not affected.
    w = via[1].post(
        "/api/v2/cases/projects",
        json={
            "data": {
                "type": "project",
                "attributes": {"name": "x", "key": f"X{uuid.uuid4().hex[:6].upper()}"},
            }
        },
    )
    assert w.status_code == 201
    assert w.headers["X-RateLimit-Name"] == "cases_write"
    other = fresh_keys(a)
    assert b.client(other).get("/api/v2/cases/projects").headers["X-RateLimit-Remaining"] == "9"
    # Both processes counted their refusals.
    for server in (a, b):
        text = requests.get(server.base_url + "/metrics", timeout=10).text
        assert 'opencase_rate_limit_rejections_total{name="cases_read"} 1.0' in text


@pytest.mark.postgresql
def test_a_burst_through_two_processes_admits_exactly_the_limit(
    limited_pair: tuple[Server, Server],
) -> None:
    a, b = limited_pair
    keys = fresh_keys(a)
    _clear_of_window_end(a.client(keys))
    n = 30
    barrier = threading.Barrier(n, timeout=60)

    def hit(i: int) -> tuple[int, str]:
        client = (a if i % 2 else b).client(keys)
        barrier.wait()
        r = client.get("/api/v2/cases/projects")
        return r.status_code, r.headers.get("X-RateLimit-Remaining", "")

    with ThreadPoolExecutor(n) as pool:
        results = list(pool.map(hit, range(n)))
    admitted = sorted(int(rem) for status, rem in results if status == 200)
    refused = [rem for status, rem in results if status == 429]
    # No count was handed out twice and none was skipped.
    assert admitted == list(range(10))
    assert refused == ["0"] * (n - 10)


def test_sqlite_has_no_rate_limits_by_default_and_counts_in_process_when_on(
    tmp_path: Path,
) -> None:
    plain = make_server("sqlite", tmp_path / "plain", OPENCASE_RATE_LIMITS="")
    (tmp_path / "plain").mkdir()
    limited = make_server("sqlite", tmp_path / "on", OPENCASE_RATE_LIMITS="read=2/3600")
    (tmp_path / "on").mkdir()
    for server in (plain, limited):
        server.start()
    try:
        r = plain.client(fresh_keys(plain)).get("/api/v2/cases/projects")
        assert r.status_code == 200
        assert not any(h.lower().startswith("x-ratelimit") for h in r.headers)
        client = limited.client(fresh_keys(limited))
        statuses = [client.get("/api/v2/cases/projects").status_code for _ in range(3)]
        assert statuses in ([200, 200, 429], [200, 200, 200])  # the last: an hour turned over
    finally:
        plain.stop()
        limited.stop()
    no_tracebacks(plain, limited)


def test_requests_are_served_unlimited_while_redis_is_down(tmp_path: Path) -> None:
    server = make_server(
        "sqlite",
        tmp_path,
        OPENCASE_RATE_LIMITS="on",
        OPENCASE_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
    )
    server.start()
    try:
        client = server.client(fresh_keys(server))
        for _ in range(3):
            r = client.get("/api/v2/cases/projects")
            assert r.status_code == 200, r.text
            assert "X-RateLimit-Limit" not in r.headers
    finally:
        server.stop()
    log = server.log_text()
    assert log.count("rate limits not enforced: the counters are unreachable") == 1
    assert "Traceback" not in log


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("reads=10/60", "'reads=10/60': expected FAMILY=REQUESTS/SECONDS"),
        ("read=ten/60", "REQUESTS and SECONDS are whole numbers"),
        ("read=10/0", "REQUESTS >= 0 and SECONDS >= 1"),
    ],
)
def test_a_bad_rate_limit_setting_stops_the_server(
    tmp_path: Path, value: str, message: str
) -> None:
    server = make_server("sqlite", tmp_path, OPENCASE_RATE_LIMITS=value)
    out = server.cli("serve", check=False)
    assert out.returncode == 2
    assert "OPENCASE_RATE_LIMITS" in out.stderr and message in out.stderr
    assert "Traceback" not in out.stderr


# Graceful shutdown ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_sigterm_during_a_burst_of_writes_loses_no_acknowledged_write(
    tmp_path: Path, engine: str
) -> None:
    server = make_server(engine, tmp_path, OPENCASE_SHUTDOWN_TIMEOUT_SECONDS="5")
    keys = server.create_keys("drain", "ops@drain.test")
    server.start()
    try:
        project = server.client(keys).new_project()
        acknowledged: list[str] = []
        failed: list[str] = []
        stop = threading.Event()

        def writer(w: int) -> None:
            client = server.client(keys)
            k = 0
            while not stop.is_set():
                title = f"w{w}-{k}"
                k += 1
                try:
                    r = client.post("/api/v2/cases", json=case_body(project["id"], title))
                except requests.RequestException:
                    failed.append(title)
                    client = server.client(keys)  # a new connection, refused once it is down
                    if server.process is None or server.process.poll() is not None:
                        return
                    time.sleep(0.01)
                    continue
                if r.status_code == 201:
                    acknowledged.append(title)
                else:
                    failed.append(f"{title}: {r.status_code}")

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        assert server.process is not None
        before = len(acknowledged)
        sent = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        code = server.process.wait(timeout=30)
        took = time.monotonic() - sent
        stop.set()
        for t in threads:
            t.join()
        server.process = None
    finally:
        server.stop()
    assert code == 0, server.log_text()[-3000:]
    assert took < 5 + 5  # the documented timeout, and then some for exiting
    assert before > 20  # the burst was under way
    log = server.log_text()
    assert "Traceback" not in log
    assert "Shutting down" in log or "Finished server process" in log

    # Every acknowledged case is there, whole; nothing is there twice.
    server.start()
    try:
        api = server.client(keys)
        key = project["attributes"]["key"]
        stored: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"filter": f"project:{key}", "page[size]": 100}
            if cursor:
                params["page[cursor]"] = cursor
            page = api.get("/api/v2/cases", params=params).json()
            stored += [c["attributes"]["title"] for c in page["data"]]
            cursor = page.get("meta", {}).get("page", {}).get("next_cursor")
            if not cursor or not page["data"]:
                break
    finally:
        dispose_server(server)
    assert len(stored) == len(set(stored))
    missing = set(acknowledged) - set(stored)
    assert not missing, sorted(missing)[:10]
    # What is stored beyond the acknowledged writes was committed while its client lost the
    # connection; it is one of the writes that got no 2xx.
    assert set(stored) - set(acknowledged) <= {f.split(":")[0] for f in failed}


# Health, readiness, metrics and logs ---------------------------------------------------


def test_healthz_and_readyz(server: Server) -> None:
    r = requests.get(server.base_url + "/healthz", timeout=10)
    assert r.status_code == 200 and r.json() == {"status": "ok", "engine": server.engine}
    r = requests.get(server.base_url + "/readyz", timeout=10)
    assert r.status_code == 200, r.text
    from opencase.core import migrate

    assert r.json() == {
        "status": "ready",
        "engine": server.engine,
        "revision": migrate.head_revision(),
    }


@pytest.mark.postgresql
def test_readyz_fails_while_the_schema_is_behind(tmp_path: Path) -> None:
    server = make_server("postgresql", tmp_path)
    server.start()
    psql = ["psql", server.database_url, "-qAtc"]
    try:
        head = subprocess.run(
            [*psql, "SELECT version_num FROM alembic_version"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        subprocess.run([*psql, "UPDATE alembic_version SET version_num = '0001'"], check=True)
        r = requests.get(server.base_url + "/readyz", timeout=10)
        assert r.status_code == 503
        assert r.json()["errors"][0]["detail"] == (
            f"the database schema is at 0001, this server needs {head}"
        )
        # Alive all the same: a load balancer should stop sending, not restart the process.
        assert requests.get(server.base_url + "/healthz", timeout=10).status_code == 200
        subprocess.run([*psql, f"UPDATE alembic_version SET version_num = '{head}'"], check=True)
        assert requests.get(server.base_url + "/readyz", timeout=10).status_code == 200
    finally:
        dispose_server(server)
    assert "Traceback" not in server.log_text()


def _sample(text: str, line_start: str) -> float:
    values = [float(ln.rsplit(" ", 1)[1]) for ln in text.splitlines() if ln.startswith(line_start)]
    assert len(values) == 1, (
        line_start,
        [ln for ln in text.splitlines() if ln.startswith(line_start.split("{")[0])],
    )
    return values[0]


def _scrape_after_traffic(server: Server, keys: Keys, n: int) -> tuple[str, str]:
    api = server.client(keys)
    case = api.new_case(api.new_project()["id"], "metered")
    for _ in range(n):
        assert api.get(f"/api/v2/cases/{case['id']}").status_code == 200
    assert api.get(f"/api/v2/cases/{uuid.uuid4()}").status_code == 404
    r = requests.get(server.base_url + "/metrics", timeout=10)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain; version=")
    return r.text, case["id"]


def test_metrics_after_traffic(tmp_path: Path) -> None:
    server = make_server("sqlite", tmp_path)
    keys = server.create_keys("metered", "ops@metered.test")
    server.start()
    try:
        text, _ = _scrape_after_traffic(server, keys, 7)
    finally:
        server.stop()
    route = 'method="GET",route="/api/v2/cases/{case_id}"'
    assert _sample(text, f'opencase_http_requests_total{{{route},status="200"}}') == 7
    assert _sample(text, f'opencase_http_requests_total{{{route},status="404"}}') == 1
    assert _sample(text, f"opencase_http_request_duration_seconds_count{{{route}}}") == 8
    assert _sample(text, f'opencase_http_request_duration_seconds_bucket{{le="+Inf",{route}}}') == 8
    assert (
        _sample(
            text, 'opencase_http_requests_total{method="POST",route="/api/v2/cases",status="201"}'
        )
        == 1
    )
    assert _sample(text, 'opencase_db_pool_connections{state="max"}') >= 1
    assert (
        "opencase_rate_limit_rejections_total" in text or "opencase_rate_limit_rejections" in text
    )


@pytest.mark.postgresql
def test_metrics_of_two_workers_add_up(tmp_path: Path) -> None:
    server = make_server("postgresql", tmp_path, workers=2)
    keys = server.create_keys("metered", "ops@metered.test")
    server.start()
    try:
        deadline = time.monotonic() + 60
        while server.log_text().count("Application startup complete") < 2:
            assert time.monotonic() < deadline, server.log_text()
            time.sleep(0.1)
        # Many short connections, so that both workers answer some.
        text, _ = _scrape_after_traffic(server, keys, 40)
    finally:
        dispose_server(server)
    route = 'method="GET",route="/api/v2/cases/{case_id}"'
    assert _sample(text, f'opencase_http_requests_total{{{route},status="200"}}') == 40
    assert _sample(text, 'opencase_db_pool_connections{state="max"}') == 2 * 16
    assert "Traceback" not in server.log_text()


def test_logs_are_json_lines_with_the_request_id(tmp_path: Path) -> None:
    server = make_server("sqlite", tmp_path)
    keys = server.create_keys("logged", "ops@logged.test")
    server.start()
    try:
        api = server.client(keys)
        r = api.get("/api/v2/cases/projects", headers={"X-Request-Id": "trace-42.a:b"})
        assert r.headers["X-Request-Id"] == "trace-42.a:b"
        r = api.get(f"/api/v2/cases/{uuid.uuid4()}", headers={"X-Request-Id": "bad id with spaces"})
        made = r.headers["X-Request-Id"]
        assert made != "bad id with spaces" and len(made) == 32
        time.sleep(0.3)
    finally:
        server.stop()
    lines = [json.loads(ln) for ln in server.log_text().splitlines() if ln.strip()]
    assert all({"time", "level", "logger", "message"} <= set(ln) for ln in lines)
    access = {ln.get("request_id"): ln for ln in lines if ln["logger"] == "opencase.access"}
    first = access["trace-42.a:b"]
    assert first["method"] == "GET" and first["path"] == "/api/v2/cases/projects"
    assert first["route"] == "/api/v2/cases/projects" and first["status"] == 200
    assert first["org_id"] == keys.org_id and isinstance(first["duration_ms"], float)
    assert access[made]["status"] == 404
    assert any("Application startup complete" in ln["message"] for ln in lines)


def test_access_log_can_be_turned_off(tmp_path: Path) -> None:
    server = make_server("sqlite", tmp_path, OPENCASE_ACCESS_LOG="0", OPENCASE_LOG_FORMAT="text")
    server.start()
    try:
        assert requests.get(server.base_url + "/healthz", timeout=10).status_code == 200
        time.sleep(0.3)
    finally:
        server.stop()
    log = server.log_text()
    assert "Application startup complete" in log
    assert "opencase.access" not in log
    with pytest.raises(json.JSONDecodeError):
        json.loads(log.splitlines()[0])


# Request limits ------------------------------------------------------------------------


def test_request_heads_over_the_limit_get_431(api: Client) -> None:
    r = api.get("/api/v2/cases/projects", headers={"X-Padding": "x" * 17_000})
    assert r.status_code == 431
    assert r.headers["content-type"] == "application/vnd.api+json"
    error = r.json()["errors"][0]
    assert error["status"] == "431" and error["title"] == "Request Header Fields Too Large"
    assert error["detail"].endswith("more than 16384")
    assert api.get("/api/v2/cases/projects", headers={"X-Padding": "x" * 15_000}).status_code == 200


@pytest.mark.postgresql
def test_a_statement_past_the_timeout_is_a_503_and_changes_nothing(tmp_path: Path) -> None:
    server = make_server("postgresql", tmp_path, OPENCASE_DB_STATEMENT_TIMEOUT_MS="500")
    keys = server.create_keys("slow", "ops@slow.test")
    server.start()
    try:
        api = server.client(keys)
        case = api.new_case(api.new_project()["id"], "locked")
        # Another session holds the case's row lock: the server's write waits on it.
        holder = subprocess.Popen(
            ["psql", server.database_url, "-qAt"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdin is not None and holder.stdout is not None
        holder.stdin.write(
            f"BEGIN; SELECT 'locked' FROM cases WHERE id = '{case['id']}' FOR UPDATE;\n"
        )
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        r = api.post(
            f"/api/v2/cases/{case['id']}/title",
            json={"data": {"type": "case", "attributes": {"title": "renamed"}}},
        )
        took = time.monotonic() - started
        holder.stdin.write("ROLLBACK;\n")
        holder.stdin.close()
        holder.wait(timeout=10)
        assert r.status_code == 503, r.text
        assert "OPENCASE_DB_STATEMENT_TIMEOUT_MS" in r.json()["errors"][0]["detail"]
        assert 0.4 < took < 10
        after = api.get(f"/api/v2/cases/{case['id']}").json()["data"]["attributes"]
        assert after["title"] == "locked"
    finally:
        dispose_server(server)
    log = server.log_text()
    assert "Traceback" not in log
    assert "a statement ran past the timeout" in log


def test_a_read_past_the_timeout_on_sqlite_is_a_503(tmp_path: Path) -> None:
    """SQLite's reader is interrupted past the deadline; writes are not (they share a
    group commit), and small reads finish before the first check."""
    db = tmp_path / "big.db"
    subprocess.run(
        [
            sys.executable,
            str(BENCH / "generate.py"),
            "--engine",
            "sqlite",
            "--path",
            str(db),
            "--cases",
            "5000",
            "--insights",
            "0",
            "--info",
            str(tmp_path / "info.json"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    info = json.loads((tmp_path / "info.json").read_text())
    server = make_server(
        "sqlite",
        tmp_path,
        OPENCASE_DATABASE_URL=f"sqlite:///{db}",
        OPENCASE_DB_STATEMENT_TIMEOUT_MS="1",
    )
    server.start()
    try:
        api = Client(server.base_url, info["api_key"], info["app_key"])
        r = api.get("/api/v2/cases", params={"filter": "key:*1*"})  # a scan of every key
        assert r.status_code == 503, r.text
        assert "OPENCASE_DB_STATEMENT_TIMEOUT_MS" in r.json()["errors"][0]["detail"]
        assert api.get("/api/v2/cases/projects").status_code == 200
    finally:
        server.stop()
    assert "Traceback" not in server.log_text()

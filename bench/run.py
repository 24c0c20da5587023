"""HTTP benchmark of opencase against a bare-ASGI ceiling, with wrk.

    python bench/run.py [--engine sqlite|postgresql|both] [--duration 10] [--connections 32]
                        [--profile] [--sqlite-synchronous FULL|NORMAL|...] [--only NAME,...]
                        [--skip-bare] [--json FILE] [--server-script PATH]

For each engine: a fresh database, `opencase serve` pinned to core 1 (`taskset -c 1`), keys
from the CLI, a project and cases through the API; then wrk, pinned to core 0
(`taskset -c 0 wrk -t1 -cN -dDs --latency -s bench/lua/...`), runs each scenario after a 1 s
warm-up. The bare ASGI app (bench/bare_app.py, same uvicorn flags) runs in the same pass and
on the same core, as the ceiling: GET scenarios are compared with the bare GET, writes with the
bare PUT of a 3 KB body.

CPU/req is the server process's utime+stime (/proc/PID/stat) over the run divided by the
requests wrk completed. PostgreSQL is not pinned: its backends share both cores with wrk and the
server, and their CPU/req is shown separately (the backends of the benchmark's database plus
the WAL writer, checkpointer, background writer and parallel workers). `other` is the CPU of
both cores used by anything else (other users of the machine): above ~10% a row is disturbed.
The server runs with opencase's defaults (auth cache 5 s, SQLite synchronous=FULL) unless
--sqlite-synchronous is given.

Any non-2xx response or socket error fails the run (exit status 1). The insight PUTs are
checked against the database: each request must have added exactly N new insight rows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LUA = HERE / "lua"
RESULTS = HERE / "results"
PG_ADMIN_URL = os.environ.get("OPENCASE_BENCH_PG", "postgresql://root@127.0.0.1:5432/test")
STANDARD_TYPE = "00000000-0000-0000-0000-000000000001"
SERVER_CORE, LOAD_CORE = "1", "0"
CLK_TCK = os.sysconf("SC_CLK_TCK")
WARMUP_SECONDS = 1
MIN_PUT_CASES = 2000  # insight PUTs rotate over at least this many cases
BIG_CASE_INSIGHTS = 1000
SERVER_SCRIPT: list[str] = []  # --server-script: run this instead of `python -m opencase`


# --------------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_ticks(pid: int) -> tuple[int, int]:
    """(utime, stime) of a process (all its threads), in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


_PG_AUX = (
    "checkpointer",
    "background writer",
    "walwriter",
    "autovacuum launcher",
    "startup",
    # Parallel query workers name their leader's PID, not the database.
    "parallel worker",
)


def postgres_ticks(dbname: str) -> dict[int, int]:
    """utime + stime of the PostgreSQL processes that work for us: the backends (and
    autovacuum workers) of our database, plus the shared WAL writer, checkpointer, background
    writer and parallel query workers (shared with any other user of the server). Other
    databases' backends are left out: other work on the machine must not count as ours."""
    out: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            if not cmdline.startswith("postgres:"):
                continue
            if dbname not in cmdline and not any(a in cmdline for a in _PG_AUX):
                continue
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(entry)] = int(fields[11]) + int(fields[12])
    return out


def core_busy() -> dict[str, tuple[int, int]]:
    """(busy, total) jiffies per core from /proc/stat."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                name, *vals = line.split()
                nums = [int(v) for v in vals]
                idle = nums[3] + nums[4]
                out[name[3:]] = (sum(nums) - idle, sum(nums))
    return out


@dataclass
class Server:
    name: str
    cmd: list[str]
    env: dict[str, str]
    port: int
    health_path: str
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    # The cores the server may run on (`taskset -c`); None: not pinned.
    cpus: str | None = SERVER_CORE

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid  # taskset execs the command: same pid

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - lives as long as the process
        pin = ["taskset", "-c", self.cpus] if self.cpus else []
        self.process = subprocess.Popen(
            [*pin, *self.cmd],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.base + self.health_path, timeout=1) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise SystemExit(f"{self.name} did not start:\n{self.log_path.read_text()[-3000:]}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


# --------------------------------------------------------------------------- wrk

_UNIT = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if m is None:
        raise ValueError(f"cannot read latency {text!r}")
    return float(m[1]) * _UNIT[m[2]]


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    raw: str


def run_wrk(
    url: str, duration: float, connections: int, script: Path | None, args: list[str]
) -> WrkResult:
    cmd = [
        "taskset",
        "-c",
        LOAD_CORE,
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    if script is not None:
        cmd += ["-s", str(script)]
    cmd.append(url)
    if args:
        cmd += ["--", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    text = out.stdout + out.stderr
    if out.returncode != 0 or "Requests/sec" not in text:
        raise SystemExit(f"wrk failed ({out.returncode}):\n{text}")
    req = re.search(r"(\d+) requests in ([\d.]+)(\w+),", text)
    assert req is not None, text
    seconds = float(req[2]) * {"ms": 1e-3, "s": 1.0, "m": 60.0}[req[3]]
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    non2 = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    assert p50 and p99, text
    return WrkResult(
        requests=int(req[1]),
        seconds=seconds,
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", text)[1]),  # type: ignore[index]
        p50_ms=_ms(p50[1]),
        p99_ms=_ms(p99[1]),
        non_2xx=int(non2[1]) if non2 else 0,
        socket_errors=sum(int(x) for x in sock.groups()) if sock else 0,
        raw=text,
    )


# --------------------------------------------------------------------------- databases


def pg_admin(sql: str, url: str = PG_ADMIN_URL) -> None:
    import asyncpg

    async def go() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(go())


def create_keys(env: dict[str, str]) -> dict[str, Any]:
    """`opencase keys create --json` for the benchmark's organisation, on env's database."""
    args = ["keys", "create", "--org", "bench", "--user", "bench@bench.test", "--json"]
    out = subprocess.run(
        [sys.executable, "-m", "opencase", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    keys: dict[str, Any] = json.loads(out.stdout)
    return keys


class DbProbe:
    """Direct reads of the benchmark database (setup ids, effectiveness checks)."""

    def __init__(self, engine: str, url: str) -> None:
        self.engine, self.url = engine, url

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        if self.engine == "sqlite":
            conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30)
            try:
                return conn.execute(sql.replace("$1", "?"), args).fetchall()
            finally:
                conn.close()
        import asyncpg

        async def go() -> list[tuple[Any, ...]]:
            conn = await asyncpg.connect(self.url)
            try:
                return [tuple(r) for r in await conn.fetch(sql, *args)]
            finally:
                await conn.close()

        return asyncio.run(go())

    def scalar(self, sql: str, *args: Any) -> Any:
        return self.query(sql, *args)[0][0]


# --------------------------------------------------------------------------- API client


class Api:
    def __init__(self, base: str, api_key: str, app_key: str) -> None:
        self.base = base
        self.headers = {
            "DD-API-KEY": api_key,
            "DD-APPLICATION-KEY": app_key,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data, self.headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                status, payload = r.status, r.read()
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, exc.read()
        if status != expect:
            raise SystemExit(f"{method} {path}: {status} {payload[:500]!r}")
        return json.loads(payload) if payload else None

    def new_project(self, name: str = "Bench", key: str = "BENCH") -> dict[str, Any]:
        body = {"data": {"type": "project", "attributes": {"name": name, "key": key}}}
        return self.call("POST", "/api/v2/cases/projects", body, 201)["data"]  # type: ignore[no-any-return]

    def new_case(self, project_id: str, title: str) -> dict[str, Any]:
        body = {
            "data": {
                "type": "case",
                "attributes": {"title": title, "type_id": STANDARD_TYPE},
                "relationships": {"project": {"data": {"id": project_id, "type": "project"}}},
            }
        }
        return self.call("POST", "/api/v2/cases", body, 201)["data"]  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- scenarios


@dataclass
class Row:
    engine: str
    scenario: str
    kind: str  # "read", "big" or "write": which bare ceiling it is compared with
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    requests: int
    cpu_ms_per_req: float
    sys_ms_per_req: float  # the kernel part of cpu_ms_per_req (stime)
    server_cpu_pct: float  # server CPU time / wall time of the run
    pg_cpu_ms_per_req: float | None = None
    core0_busy: float = 0.0
    core1_busy: float = 0.0
    wrk_cpu_pct: float = 0.0
    other_cpu_pct: float = 0.0  # CPU used by anything else on the machine, % of one core
    ratio: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Measured:
    def __init__(self, server: Server, engine: str, pg_name: str = "") -> None:
        self.server, self.engine, self.pg_name = server, engine, pg_name

    def run(
        self,
        scenario: str,
        kind: str,
        url_path: str,
        script: Path | None,
        args: list[str],
        duration: float,
        connections: int,
        warmup: bool = True,
        warmup_args: list[str] | None = None,
    ) -> Row:
        url = self.server.base + url_path
        if warmup:
            w = run_wrk(url, WARMUP_SECONDS, connections, script, warmup_args or args)
            _check(scenario + " (warm-up)", w)
        pg0 = postgres_ticks(self.pg_name) if self.engine == "postgresql" else {}
        c0 = core_busy()
        t0 = proc_ticks(self.server.pid)
        k0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        res = run_wrk(url, duration, connections, script, args)
        k1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t1 = proc_ticks(self.server.pid)
        c1 = core_busy()
        pg_ms = None
        pg_ticks = 0
        if self.engine == "postgresql":
            pg1 = postgres_ticks(self.pg_name)
            pg_ticks = sum(v - pg0.get(pid, 0) for pid, v in pg1.items())
            pg_ms = pg_ticks * 1000 / CLK_TCK / max(res.requests, 1)
        wrk_s = (k1.ru_utime - k0.ru_utime) + (k1.ru_stime - k0.ru_stime)
        # CPU of both cores not spent by the server, wrk or PostgreSQL: other work on the machine.
        busy_ticks = sum(c1[c][0] - c0[c][0] for c in ("0", "1"))
        other = busy_ticks - sum(t1) + sum(t0) - pg_ticks - wrk_s * CLK_TCK
        other_pct = max(0.0, 100.0 * other / CLK_TCK / res.seconds)
        user_s, sys_s = (t1[0] - t0[0]) / CLK_TCK, (t1[1] - t0[1]) / CLK_TCK
        cpu_s = user_s + sys_s

        def busy(core: str) -> float:
            b = c1[core][0] - c0[core][0]
            t = c1[core][1] - c0[core][1]
            return 100.0 * b / t if t else 0.0

        row = Row(
            engine=self.engine,
            scenario=scenario,
            kind=kind,
            rps=res.rps,
            p50_ms=res.p50_ms,
            p99_ms=res.p99_ms,
            non_2xx=res.non_2xx,
            socket_errors=res.socket_errors,
            requests=res.requests,
            cpu_ms_per_req=cpu_s * 1000 / max(res.requests, 1),
            sys_ms_per_req=sys_s * 1000 / max(res.requests, 1),
            server_cpu_pct=100.0 * cpu_s / res.seconds,
            pg_cpu_ms_per_req=pg_ms,
            core0_busy=busy("0"),
            core1_busy=busy("1"),
            wrk_cpu_pct=100.0 * wrk_s / res.seconds,
            other_cpu_pct=other_pct,
        )
        _check(scenario, res)
        if not self.server.alive():
            raise SystemExit(f"{self.server.name} died during {scenario}")
        print(
            f"  {scenario:<34} {row.rps:>9.0f} req/s  p50 {row.p50_ms:7.2f} ms  "
            f"p99 {row.p99_ms:7.2f} ms  cpu {row.cpu_ms_per_req:.3f} ms/req",
            flush=True,
        )
        return row


FAILURES: list[str] = []


def _check(scenario: str, res: WrkResult) -> None:
    if res.non_2xx or res.socket_errors:
        msg = (
            f"FAIL {scenario}: {res.non_2xx} non-2xx responses, {res.socket_errors} socket "
            f"errors out of {res.requests}"
        )
        print(msg, file=sys.stderr, flush=True)
        FAILURES.append(msg)


def bare_scenarios(duration: float, connections: int, tmp: Path) -> list[Row]:
    port = free_port()
    bare = Server(
        "bare ASGI app",
        [sys.executable, str(HERE / "bare_app.py"), "--port", str(port)],
        dict(os.environ),
        port,
        "/",
        tmp / "bare.log",
    )
    bare.start()
    try:
        m = Measured(bare, "bare")
        return [
            m.run("bare ASGI GET (2 KB JSON)", "read", "/", None, [], duration, connections),
            m.run("bare ASGI GET /big (120 KB)", "big", "/big", None, [], duration, connections),
            m.run(
                "bare ASGI PUT (3 KB body)",
                "write",
                "/",
                LUA / "bare_put.lua",
                [],
                duration,
                connections,
            ),
        ]
    finally:
        bare.stop()


def opencase_scenarios(
    engine: str,
    duration: float,
    connections: int,
    tmp: Path,
    synchronous: str | None,
    only: set[str] | None,
    profile: bool,
) -> list[Row]:
    if engine == "sqlite":
        url = f"sqlite:///{tmp / 'opencase.db'}"
        pg_name = None
    else:
        pg_name = f"opencase_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        pg_admin(f'CREATE DATABASE "{pg_name}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{pg_name}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENCASE_")}
    env["OPENCASE_DATABASE_URL"] = url
    if synchronous and engine == "sqlite":
        env["OPENCASE_SQLITE_SYNCHRONOUS"] = synchronous
    rows: list[Row] = []
    server = None
    try:
        keys = create_keys(env)
        port = free_port()
        server = Server(
            f"opencase ({engine})",
            [sys.executable, *(SERVER_SCRIPT or ["-m", "opencase"]), "serve", "--port", str(port)],
            env,
            port,
            "/healthz",
            tmp / f"opencase-{engine}.log",
        )
        server.start()
        api = Api(server.base, keys["api_key"], keys["app_key"])
        probe = DbProbe(engine, url)
        auth = [keys["api_key"], keys["app_key"]]
        project = api.new_project()
        big = api.new_case(project["id"], "Case with 1000 insights")
        for batch in range(BIG_CASE_INSIGHTS // 100):
            insights = [
                {
                    "type": "SECURITY_SIGNAL",
                    "ref": f"/security/signals/{batch}-{i}",
                    "resource_id": f"big-{batch}-{i}",
                }
                for i in range(100)
            ]
            api.call(
                "PUT",
                f"/api/v2/cases/{big['id']}/insights",
                {"data": {"type": "case", "attributes": {"insights": insights}}},
            )
        m = Measured(server, engine, pg_name or "")

        def want(name: str) -> bool:
            return only is None or name in only

        # 1. case creation (its cases are the ones the reads and insight writes use)
        if want("create"):
            rows.append(
                m.run(
                    "POST /cases (create)",
                    "write",
                    "/api/v2/cases",
                    LUA / "opencase.lua",
                    ["post_case", *auth, project["id"]],
                    duration,
                    connections,
                )
            )
        while probe.scalar("SELECT count(*) FROM cases") < MIN_PUT_CASES + 1:
            run_wrk(
                server.base,
                2,
                connections,
                LUA / "opencase.lua",
                ["post_case", *auth, project["id"]],
            )
        ids = [
            r[0]
            for r in probe.query(
                "SELECT id FROM cases WHERE id <> $1 ORDER BY public_id", big["id"]
            )
        ]
        ids = [str(i) for i in ids]
        read_ids = tmp / "read_ids.txt"
        read_ids.write_text("\n".join(ids[:1000]) + "\n")
        put_ids = tmp / "put_ids.txt"
        put_ids.write_text("\n".join(ids) + "\n")

        # 2. case read
        if want("get"):
            rows.append(
                m.run(
                    "GET /cases/{id}",
                    "read",
                    "/",
                    LUA / "opencase.lua",
                    ["get_ids", *auth, str(read_ids)],
                    duration,
                    connections,
                )
            )

        # 3. insight writes: every request adds N new insights
        for n in (1, 10):
            if not want(f"put{n}"):
                continue
            tag = uuid.uuid4().hex[:6]
            before = probe.scalar("SELECT count(*) FROM case_insights")
            row = m.run(
                f"PUT /cases/{{id}}/insights x{n}",
                "write",
                "/",
                LUA / "opencase.lua",
                ["put_insights", *auth, str(put_ids), str(n), f"p{n}{tag}"],
                duration,
                connections,
                warmup_args=["put_insights", *auth, str(put_ids), str(n), f"w{n}{tag}"],
            )
            time.sleep(0.5)  # let requests in flight when wrk stopped finish
            added = probe.scalar("SELECT count(*) FROM case_insights") - before
            prefix = f"p{n}{tag}-%"
            measured = probe.scalar(
                "SELECT count(*) FROM case_insights WHERE resource_id LIKE $1", prefix
            )
            max_count = probe.scalar(
                "SELECT max(insight_count) FROM cases WHERE id <> $1", big["id"]
            )
            # wrk counts completed responses; up to `connections` more may have been in flight.
            ok = n * row.requests <= measured <= n * (row.requests + connections)
            row.extra = {
                "rows_added_measured": measured,
                "rows_added_total": added,
                "max_insights_per_case": max_count,
                "cases": len(ids),
            }
            row.note = f"+{measured} insights over {len(ids)} cases, max {max_count}/case"
            if not ok:
                msg = (
                    f"FAIL {row.scenario}: {row.requests} requests x {n} but {measured} "
                    "new insight rows (every request must be an effective change)"
                )
                print(msg, file=sys.stderr)
                FAILURES.append(msg)
            if max_count > 10_000:
                FAILURES.append(f"FAIL {row.scenario}: a case exceeds 10,000 insights")
            rows.append(row)

        # 4. read of a case holding 1,000 insights
        if want("get1000"):
            rows.append(
                m.run(
                    f"GET /cases/{{id}} ({BIG_CASE_INSIGHTS} insights)",
                    "big",
                    "/",
                    LUA / "opencase.lua",
                    ["get", *auth, f"/api/v2/cases/{big['id']}"],
                    duration,
                    connections,
                )
            )

        # 5. search, first page of 10 (newest first) over every case of the organisation
        if want("search"):
            total = probe.scalar("SELECT count(*) FROM cases")
            row = m.run(
                "GET /cases search (page of 10)",
                "read",
                "/",
                LUA / "opencase.lua",
                ["get", *auth, "/api/v2/cases?page%5Bsize%5D=10"],
                duration,
                connections,
            )
            row.note = f"org holds {total} cases"
            rows.append(row)

        if profile:
            _profile_put(server, engine, auth, put_ids, duration, connections)

        if "Traceback" in server.log_path.read_text():
            FAILURES.append(f"FAIL {engine}: the server logged a traceback ({server.log_path})")
            print(server.log_path.read_text()[-3000:], file=sys.stderr)
        return rows
    finally:
        if server is not None:
            server.stop()
        if pg_name is not None:
            pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def _profile_put(
    server: Server, engine: str, auth: list[str], put_ids: Path, duration: float, connections: int
) -> None:
    """py-spy (pinned to the load core) on the server during two extra 10-insight PUT runs:
    wall clock (`--idle`: every sample, running or waiting) and CPU (only samples where the
    server thread was running). Not in the table: the sampler slows the server down."""
    if shutil.which("py-spy") is None:
        print("  (py-spy not installed: pip install py-spy; no profile)")
        return
    RESULTS.mkdir(exist_ok=True)
    seconds = max(int(duration), 5)
    for kind in ("wall", "cpu"):
        out = RESULTS / f"profile-{engine}-{kind}.txt"
        cmd = [
            "taskset",
            "-c",
            LOAD_CORE,
            "py-spy",
            "record",
            "--nonblocking",
            "--format",
            "raw",
            "-r",
            "200",
            "-d",
            str(seconds),
            "-p",
            str(server.pid),
            "-o",
            str(out),
        ]
        if kind == "wall":
            cmd.insert(5, "--idle")
        spy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(0.5)
        tag = uuid.uuid4().hex[:6]
        res = run_wrk(
            server.base + "/",
            seconds - 1,
            connections,
            LUA / "opencase.lua",
            ["put_insights", *auth, str(put_ids), "10", f"prof{kind}{tag}"],
        )
        _, err = spy.communicate(timeout=seconds + 60)
        _check(f"profiled PUT x10 ({kind})", res)
        if spy.returncode != 0 or not out.exists():
            print(f"  py-spy failed: {err.decode()[-500:]}")
            return
        sys.path.insert(0, str(HERE))
        from profile_summary import summarise

        print(f"\n  {kind} profile of PUT x10 on {engine} (py-spy attached): {res.rps:.0f} req/s")
        print("  " + summarise(out, 20, cpu=kind == "cpu").replace("\n", "\n  "))
        print()


def _fmt_table(rows: list[Row]) -> str:
    head = (
        f"| {'engine':<10} | {'scenario':<34} | {'req/s':>8} | {'p50 ms':>7} | {'p99 ms':>7} | "
        f"{'ratio':>6} | {'non-2xx':>7} | {'CPU ms/req':>10} | {'of it sys':>9} | {'srv CPU':>7} | "
        f"{'PG CPU ms/req':>13} | {'wrk CPU':>7} | {'other':>5} | note"
    )
    sep = re.sub(r"[^|]", "-", head)
    lines = [head, sep]
    for r in rows:
        ratio = f"{100 * r.ratio:5.1f}%" if r.ratio is not None else "     -"
        pg = f"{r.pg_cpu_ms_per_req:.3f}" if r.pg_cpu_ms_per_req is not None else "-"
        bad = r.non_2xx + r.socket_errors
        lines.append(
            f"| {r.engine:<10} | {r.scenario:<34} | {r.rps:>8.0f} | {r.p50_ms:>7.2f} | "
            f"{r.p99_ms:>7.2f} | {ratio:>6} | {bad:>7} | {r.cpu_ms_per_req:>10.3f} | "
            f"{r.sys_ms_per_req:>9.3f} | "
            f"{r.server_cpu_pct:>6.0f}% | {pg:>13} | {r.wrk_cpu_pct:>6.0f}% | "
            f"{r.other_cpu_pct:>4.0f}% | "
            f"{r.note}"
        )
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--duration", type=float, default=10, help="seconds per scenario (default 10)")
    p.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    p.add_argument(
        "--profile",
        action="store_true",
        help="also run py-spy on the server during an extra 10-insight PUT run",
    )
    p.add_argument(
        "--sqlite-synchronous",
        help="OPENCASE_SQLITE_SYNCHRONOUS for the server (default: opencase's default, FULL)",
    )
    p.add_argument("--only", help="comma-separated subset of create,get,put1,put10,get1000,search")
    p.add_argument("--json", type=Path, help="also write the rows as JSON to this file")
    p.add_argument("--skip-bare", action="store_true", help="no bare-app ceiling (A/B runs)")
    p.add_argument(
        "--server-script",
        help="for experiments: a script run instead of "
        "`python -m opencase` (it patches opencase, then calls opencase.cli.main)",
    )
    args = p.parse_args()
    if args.server_script:
        SERVER_SCRIPT.append(args.server_script)

    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is required")
    if os.cpu_count() is None or os.cpu_count() < 2:  # type: ignore[operator]
        raise SystemExit("needs 2 cores: wrk on core 0, the server on core 1")
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    only = set(args.only.split(",")) if args.only else None
    started = time.time()
    print(
        f"opencase HTTP benchmark, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, "
        f"{os.cpu_count()} cores; server on core {SERVER_CORE}, wrk on core {LOAD_CORE}; "
        f"{args.duration:g}s per scenario, {args.connections} connections"
    )
    if "postgresql" in engines:
        print("note: PostgreSQL is not pinned and shares both cores with wrk and the server")
    all_rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="opencase-bench-") as tmpdir:
        tmp = Path(tmpdir)
        for engine in engines:
            print(f"\n[{engine}] load avg {os.getloadavg()[0]:.2f}", flush=True)
            bare = [] if args.skip_bare else bare_scenarios(args.duration, args.connections, tmp)
            rows = opencase_scenarios(
                engine,
                args.duration,
                args.connections,
                tmp,
                args.sqlite_synchronous,
                only,
                args.profile,
            )
            ceiling = {r.kind: r.rps for r in bare}
            for r in bare + rows:
                r.ratio = r.rps / ceiling[r.kind] if r.kind in ceiling else None
            for r in bare:
                r.engine = f"{engine}"
                r.note = "ceiling"
            all_rows += bare + rows
    print(
        f"\nResults ({time.strftime('%Y-%m-%d')}, {time.time() - started:.0f} s in all; ratio "
        "= req/s over the bare ASGI GET for reads (GET /big for the 1,000-insight case), "
        "over the bare PUT for writes; CPU = server "
        "process utime+stime per request, 'of it sys' its stime part; srv CPU = server CPU "
        "time / wall time; "
        "wrk CPU likewise; other = CPU used by anything else on the machine (other users, "
        "kernel threads), % of one core: above ~10% the figures are disturbed)\n"
    )
    print(_fmt_table(all_rows))
    put10 = {
        r.engine: r for r in all_rows if r.scenario.endswith("insights x10") and r.ratio is not None
    }
    targets = {"sqlite": 0.25, "postgresql": 0.10}
    for engine, r in put10.items():
        verdict = "meets" if (r.ratio or 0) >= targets[engine] else "MISSES"
        print(
            f"target: 10-insight PUT on {engine} >= {100 * targets[engine]:.0f}% of the bare PUT:"
            f" {100 * (r.ratio or 0):.1f}% -> {verdict}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in all_rows], indent=1))
    if FAILURES:
        print("\n" + "\n".join(FAILURES), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

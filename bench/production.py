"""Production mode on PostgreSQL: the insight PUT with 1 and 2 workers, and what each
production feature (rate limits, metrics, access log) costs per request.

    python bench/production.py [--duration 10] [--connections 32] [--rounds 3]
                               [--redis | --no-redis] [--only scaling|features] [--cases 300]

The request: `PUT /api/v2/cases/{id}/insights` with 1 insight whose resource_id is new on every
request (wrk's `put_insights` mode of bench/lua/opencase.lua), so every request is an effective
change. Every measured run rotates over its own `--cases` cases (a few hundred), all created up
front through the API (wrk's `post_case`) in one fresh PostgreSQL database (OPENCASE_BENCH_PG
is the admin URL, as for run.py; the database is dropped at the end). A PUT answers the whole
case with all its insights, so a case's cost grows with its insights: with a fresh slice of
cases per run, each run starts from the same state whatever ran before it.

Each run is a new `opencase serve` process on that database (the variant's environment; keys
from `python -m opencase keys create`), a 1 s warm-up, then
`taskset -c 0 wrk -t1 -cN -dDs --latency` (bench/run.py's helpers). The variants run
interleaved: every round runs each of them once, the order rotating from round to round, and
the tables give the median over the rounds.

1. Scaling: `opencase serve --workers 1` against `--workers 2`, the server under
   `taskset -c 0,1`; with 2 workers the load starts once the log shows "Application startup
   complete" twice. Once with every production feature off, once with all on. **wrk, the
   server's workers and PostgreSQL share the machine's 2 cores**, so the scaling ratio
   (2 workers' req/s / 1 worker's) is a floor for a machine with more cores.
2. Features: 1 worker pinned to core 1 (wrk on core 0, PostgreSQL not pinned), variants
   - all off: OPENCASE_RATE_LIMITS=off OPENCASE_METRICS=0 OPENCASE_ACCESS_LOG=0
   - rate limits (PostgreSQL counters): OPENCASE_RATE_LIMITS=cases_write=100000000/86400,
     cases_read=100000000/86400 (never refuses; a day's window, so the counter check below
     never sees a window end inside a run)
   - rate limits (Redis counters): the same plus OPENCASE_REDIS_URL (OPENCASE_BENCH_REDIS,
     default redis://127.0.0.1:6379/0), when --redis is given or Redis answers
   - metrics only (OPENCASE_METRICS=1), access log only (OPENCASE_ACCESS_LOG=1; the server's
     output goes to a file), all on (rate limits on PostgreSQL + metrics + access log)

CPU ms/req is utime+stime (/proc) of every server process (the master and its worker
children) over the run, divided by the requests wrk completed; PG CPU that of the database's
backends plus PostgreSQL's shared WAL writer, checkpointer and background writer (run.py's
`postgres_ticks`); Redis CPU that of redis-server; `other` the CPU of both cores used by
anything else on the machine, in % of one core (above ~10% the run is disturbed). `procs` is
the number of server processes counted: 1 with --workers 1; with 2, the master, the workers
and multiprocessing's resource tracker. `counted` is what the checks below read for the run.

Checks that fail the run (exit status 1): any non-2xx response or socket error; new insight
rows must equal the completed requests (up to `--connections` more for requests in flight when
wrk stops); each feature must be on exactly in its variants: the PostgreSQL counters
(`rate_limit_counters`), the Redis counters, the `/metrics` request counter and the access
log lines must each count the run's requests where the feature is on (and nothing, or 404 for
/metrics, where it is off); a traceback in a server log; a worker outliving its server.
Everything printed also goes to bench/results/production.txt.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import resource
import shutil
import signal
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import (  # bench/run.py's helpers
    CLK_TCK,
    LOAD_CORE,
    LUA,
    PG_ADMIN_URL,
    RESULTS,
    SERVER_CORE,
    WARMUP_SECONDS,
    Api,
    DbProbe,
    Server,
    WrkResult,
    core_busy,
    create_keys,
    free_port,
    pg_admin,
    postgres_ticks,
    proc_ticks,
    run_wrk,
)

REDIS_URL = os.environ.get("OPENCASE_BENCH_REDIS", "redis://127.0.0.1:6379/0")
# Day-long windows: a Redis key expires a period after its first hit, so with minute windows
# a run crossing a minute lost the old key's hits before the check could read them.
HIGH_LIMITS = "cases_write=100000000/86400,cases_read=100000000/86400"
OFF = {"OPENCASE_RATE_LIMITS": "off", "OPENCASE_METRICS": "0", "OPENCASE_ACCESS_LOG": "0"}
ALL_ON = {"OPENCASE_RATE_LIMITS": HIGH_LIMITS, "OPENCASE_METRICS": "1", "OPENCASE_ACCESS_LOG": "1"}
BOTH_CORES = f"{LOAD_CORE},{SERVER_CORE}"
INSIGHTS_ROUTE = "/api/v2/cases/{case_id}/insights"
FAILURES: list[str] = []


def fail(msg: str) -> None:
    print(f"FAIL {msg}", flush=True)
    FAILURES.append(msg)


# --------------------------------------------------------------------------- variants


@dataclass(frozen=True)
class Variant:
    name: str
    env: dict[str, str]
    workers: int = 1
    cpus: str = SERVER_CORE

    @property
    def rate_limits(self) -> bool:
        return self.env.get("OPENCASE_RATE_LIMITS", "off") != "off"

    @property
    def redis(self) -> bool:
        return bool(self.env.get("OPENCASE_REDIS_URL"))

    @property
    def metrics(self) -> bool:
        return self.env.get("OPENCASE_METRICS") == "1"

    @property
    def access_log(self) -> bool:
        return self.env.get("OPENCASE_ACCESS_LOG") == "1"


def scaling_variants() -> list[Variant]:
    return [
        Variant(f"{w} worker{'s' if w > 1 else ''}, {label}", env, w, BOTH_CORES)
        for label, env in (("all off", OFF), ("all on", ALL_ON))
        for w in (1, 2)
    ]


def feature_variants(redis: bool) -> list[Variant]:
    limits = {**OFF, "OPENCASE_RATE_LIMITS": HIGH_LIMITS}
    out = [Variant("all off", OFF), Variant("rate limits (PostgreSQL)", limits)]
    if redis:
        out.append(Variant("rate limits (Redis)", {**limits, "OPENCASE_REDIS_URL": REDIS_URL}))
    out += [
        Variant("metrics", {**OFF, "OPENCASE_METRICS": "1"}),
        Variant("access log", {**OFF, "OPENCASE_ACCESS_LOG": "1"}),
        Variant("all on", ALL_ON),
    ]
    return out


# --------------------------------------------------------------------------- processes


def _stat(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()  # fields from the 3rd (state) on


def server_tree(root: int) -> dict[int, int]:
    """The server's processes (the master and its descendants): pid -> start time."""
    parent: dict[int, int] = {}
    start: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = _stat(int(entry))
            except OSError:
                continue
            parent[int(entry)], start[int(entry)] = int(fields[1]), int(fields[19])
    pids = [root]
    for pid in pids:  # grows while walking: breadth first
        pids += [p for p, pp in parent.items() if pp == pid]
    return {p: start[p] for p in pids if p in start}


def tree_ticks(root: int) -> dict[int, tuple[int, int]]:
    """(utime, stime) of each of the server's processes."""
    out = {}
    for pid in server_tree(root):
        with contextlib.suppress(OSError):  # it may just have exited
            out[pid] = proc_ticks(pid)
    return out


def redis_pids() -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if f.read().startswith(b"redis-server"):
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


def redis_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += sum(proc_ticks(pid))
    return total


def redis_answers(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except Exception:
        return False


def redis_hits(url: str, org_id: str) -> dict[bytes, int]:
    """The organisation's rate-limit counters in Redis (opencase.ops.ratelimit's keys)."""
    import redis

    r = redis.Redis.from_url(url, socket_timeout=5)
    try:
        keys = list(r.scan_iter(match=f"opencase:rl:{{{org_id}}}:*", count=1000))
        values = r.mget(keys) if keys else []
        return {k: int(v) for k, v in zip(keys, values, strict=True) if v is not None}
    finally:
        r.close()


def put_insight_count(base: str) -> int:
    """opencase_http_requests_total of the 200 insight PUTs, from /metrics (all workers)."""
    with urllib.request.urlopen(base + "/metrics", timeout=10) as r:
        text = r.read().decode()
    total = 0.0
    for line in text.splitlines():
        if (
            line.startswith("opencase_http_requests_total{")
            and 'method="PUT"' in line
            and f'route="{INSIGHTS_ROUTE}"' in line
            and 'status="200"' in line
        ):
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


def metrics_status(base: str) -> int:
    try:
        with urllib.request.urlopen(base + "/metrics", timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def access_lines(log: Path, offset: int = 0) -> int:
    with open(log, "rb") as f:
        f.seek(offset)
        return f.read().count(b'"logger":"opencase.access"')


# --------------------------------------------------------------------------- one run


@dataclass
class Result:
    variant: str
    round: int
    workers: int
    processes: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad: int  # non-2xx responses + socket errors
    cpu_ms: float  # server processes, per request
    sys_ms: float  # of it kernel time
    srv_pct: float  # server CPU time / wall time, % of one core
    pg_ms: float
    redis_ms: float | None
    other_pct: float
    checks: list[str] = field(default_factory=list)

    @property
    def total_ms(self) -> float:
        return self.cpu_ms + self.pg_ms + (self.redis_ms or 0.0)


@dataclass
class Bench:
    tmp: Path
    env: dict[str, str]  # OPENCASE_DATABASE_URL, no other OPENCASE_*
    pg_name: str
    probe: DbProbe
    auth: list[str]
    org_id: str
    duration: float
    connections: int
    redis_pids: list[int]
    slices: list[list[str]]
    runs: int = 0

    def start(self, v: Variant) -> Server:
        env = {**self.env, **v.env}
        if v.workers > 1 and v.metrics:
            # As `opencase serve` does, but in our temporary directory (removed at the end).
            env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="metrics-", dir=self.tmp)
        port = free_port()
        slug = re.sub(r"[^a-z0-9]+", "-", v.name.lower()).strip("-")
        server = Server(
            f"opencase ({v.name})",
            [
                sys.executable,
                "-m",
                "opencase",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(v.workers),
            ],
            env,
            port,
            "/healthz",
            self.tmp / f"serve-{self.runs:02d}-{slug}.log",
            cpus=v.cpus,
        )
        server.start()
        deadline = time.monotonic() + 60
        while server.log_path.read_text().count("Application startup complete") < v.workers:
            if time.monotonic() > deadline or not server.alive():
                stop(server)
                raise SystemExit(
                    f"{server.name}: {v.workers} workers did not start:\n"
                    + server.log_path.read_text()[-3000:]
                )
            time.sleep(0.1)
        return server

    def measure(self, v: Variant, rnd: int) -> Result:
        ids = self.slices[self.runs]
        ids_file = self.tmp / f"ids-{self.runs:02d}.txt"
        ids_file.write_text("\n".join(ids) + "\n")
        tag = f"r{self.runs:02d}{uuid.uuid4().hex[:6]}"
        self.runs += 1
        server = self.start(v)
        try:
            url = server.base + "/"
            lua = LUA / "opencase.lua"
            put = ["put_insights", *self.auth, str(ids_file), "1"]
            warm = run_wrk(url, WARMUP_SECONDS, self.connections, lua, [*put, f"w{tag}"])
            if warm.non_2xx or warm.socket_errors:
                fail(f"{v.name} (warm-up): {warm.non_2xx} non-2xx, {warm.socket_errors} errors")
            time.sleep(0.5)  # the warm-up's requests in flight finish before the counts below
            # Feature counters before (outside the CPU window).
            rl0 = self.probe.scalar("SELECT coalesce(sum(hits), 0) FROM rate_limit_counters")
            rd0 = redis_hits(REDIS_URL, self.org_id) if v.redis else {}
            m0 = put_insight_count(server.base) if v.metrics else 0
            log0 = server.log_path.stat().st_size
            # The CPU window: just the wrk run.
            s0, pg0 = tree_ticks(server.pid), postgres_ticks(self.pg_name)
            r0 = redis_ticks(self.redis_pids)
            c0 = core_busy()
            k0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            res = run_wrk(url, self.duration, self.connections, lua, [*put, tag])
            k1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            s1, pg1 = tree_ticks(server.pid), postgres_ticks(self.pg_name)
            r1 = redis_ticks(self.redis_pids)
            c1 = core_busy()
            time.sleep(0.5)  # requests in flight when wrk stopped finish
            result = self._result(v, rnd, res, s0, s1, pg0, pg1, r1 - r0, c0, c1, k0, k1)
            self._check(v, server, res, result, tag, ids, rl0, rd0, m0, log0)
            return result
        finally:
            stop(server)
            log = server.log_path.read_text(errors="replace")
            if "Traceback" in log:
                fail(f"{v.name}: the server logged a traceback ({server.log_path})")
                print(log[-3000:])

    def _result(
        self,
        v: Variant,
        rnd: int,
        res: WrkResult,
        s0: dict[int, tuple[int, int]],
        s1: dict[int, tuple[int, int]],
        pg0: dict[int, int],
        pg1: dict[int, int],
        redis: int,
        c0: dict[str, tuple[int, int]],
        c1: dict[str, tuple[int, int]],
        k0: Any,
        k1: Any,
    ) -> Result:
        n = max(res.requests, 1)
        user = sum(t[0] - s0.get(p, (0, 0))[0] for p, t in s1.items())
        kernel = sum(t[1] - s0.get(p, (0, 0))[1] for p, t in s1.items())
        pg = sum(t - pg0.get(p, 0) for p, t in pg1.items())
        wrk = ((k1.ru_utime - k0.ru_utime) + (k1.ru_stime - k0.ru_stime)) * CLK_TCK
        busy = sum(c1[c][0] - c0[c][0] for c in (LOAD_CORE, SERVER_CORE))
        other = busy - user - kernel - pg - redis - wrk
        return Result(
            variant=v.name,
            round=rnd,
            workers=v.workers,
            processes=len(s1),
            rps=res.rps,
            p50_ms=res.p50_ms,
            p99_ms=res.p99_ms,
            requests=res.requests,
            bad=res.non_2xx + res.socket_errors,
            cpu_ms=(user + kernel) * 1000 / CLK_TCK / n,
            sys_ms=kernel * 1000 / CLK_TCK / n,
            srv_pct=100.0 * (user + kernel) / CLK_TCK / res.seconds,
            pg_ms=pg * 1000 / CLK_TCK / n,
            redis_ms=redis * 1000 / CLK_TCK / n if v.redis else None,
            other_pct=max(0.0, 100.0 * other / CLK_TCK / res.seconds),
        )

    def _check(
        self,
        v: Variant,
        server: Server,
        res: WrkResult,
        result: Result,
        tag: str,
        ids: list[str],
        rl0: int,
        rd0: dict[bytes, int],
        m0: int,
        log0: int,
    ) -> None:
        n, slack = res.requests, self.connections

        def counted(what: str, got: int, on: bool, extra: int = 0) -> None:
            result.checks.append(f"{what} {got}")
            if on and not n <= got <= n + slack + extra:
                fail(f"{v.name}: {what} counted {got} for {n} requests (feature on)")
            if not on and got:
                fail(f"{v.name}: {what} counted {got} (feature off)")

        if res.non_2xx or res.socket_errors:
            fail(f"{v.name}: {res.non_2xx} non-2xx, {res.socket_errors} socket errors of {n}")
        if not server.alive():
            fail(f"{v.name}: the server died during the run")
            return
        if len(server_tree(server.pid)) < v.workers + (v.workers > 1):
            fail(f"{v.name}: fewer server processes than {v.workers} workers")
        added = self.probe.scalar(
            "SELECT count(*) FROM case_insights WHERE case_id = ANY($1::uuid[]) "
            "AND resource_id LIKE $2",
            ids,
            f"{tag}-%",
        )
        counted("insights", added, True)
        counted(
            "PG rate-limit hits",
            self.probe.scalar("SELECT coalesce(sum(hits), 0) FROM rate_limit_counters") - rl0,
            v.rate_limits and not v.redis,
        )
        if v.redis:
            after = redis_hits(REDIS_URL, self.org_id)
            counted("Redis hits", sum(c - rd0.get(k, 0) for k, c in after.items()), True)
        if v.metrics:
            counted("metrics", put_insight_count(server.base) - m0, True)
        elif metrics_status(server.base) != 404:
            fail(f"{v.name}: /metrics answers although metrics are off")
        # + the line of the /metrics request just above
        counted("access lines", access_lines(server.log_path, log0), v.access_log, 1)


def stop(server: Server) -> None:
    """Stop the server; then make sure none of its workers outlives it."""
    if server.process is None:
        return
    children = {p: s for p, s in server_tree(server.pid).items() if p != server.pid}
    server.stop()
    deadline = time.monotonic() + 15
    while True:
        left = [p for p, s in children.items() if _alive(p, s)]
        if not left:
            return
        if time.monotonic() > deadline:
            for pid in left:
                os.kill(pid, signal.SIGKILL)
            fail(f"{server.name}: worker(s) {left} outlived the server (killed)")
            return
        time.sleep(0.1)


def _alive(pid: int, start: int) -> bool:
    try:
        fields = _stat(pid)
    except OSError:
        return False
    return int(fields[19]) == start and fields[0] != "Z"


# --------------------------------------------------------------------------- set-up


def setup(bench_tmp: Path, url: str, cases_needed: int) -> dict[str, Any]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("OPENCASE_") and k != "PROMETHEUS_MULTIPROC_DIR"
    }
    env["OPENCASE_DATABASE_URL"] = url
    keys = create_keys(env)
    auth = [keys["api_key"], keys["app_key"]]
    probe = DbProbe("postgresql", url)
    port = free_port()
    server = Server(
        "opencase (set-up)",
        [sys.executable, "-m", "opencase", "serve", "--port", str(port)],
        {**env, **OFF},
        port,
        "/healthz",
        bench_tmp / "setup.log",
    )
    server.start()
    try:
        api = Api(server.base, *auth)
        project = api.new_project()
        started = time.monotonic()
        while probe.scalar("SELECT count(*) FROM cases") < cases_needed:
            res = run_wrk(
                server.base,
                2,
                32,
                LUA / "opencase.lua",
                ["post_case", *auth, project["id"]],
            )
            if res.non_2xx or res.socket_errors:
                fail(f"set-up: {res.non_2xx} non-2xx, {res.socket_errors} errors creating cases")
        ids = [str(r[0]) for r in probe.query("SELECT id FROM cases ORDER BY public_id")]
        print(f"set-up: {len(ids):,} cases through the API in {time.monotonic() - started:.0f} s")
    finally:
        stop(server)
    return {"env": env, "auth": auth, "org_id": keys["org_id"], "probe": probe, "ids": ids}


# --------------------------------------------------------------------------- report


def med(values: list[float]) -> float:
    return statistics.median(values)


def summarise(results: list[Result], name: str) -> dict[str, float]:
    rs = [r for r in results if r.variant == name]
    return {
        "rps": med([r.rps for r in rs]),
        "p50": med([r.p50_ms for r in rs]),
        "p99": med([r.p99_ms for r in rs]),
        "cpu": med([r.cpu_ms for r in rs]),
        "sys": med([r.sys_ms for r in rs]),
        "pg": med([r.pg_ms for r in rs]),
        "redis": med([r.redis_ms for r in rs]) if rs[0].redis_ms is not None else -1.0,
        "total": med([r.total_ms for r in rs]),
        "srv": med([r.srv_pct for r in rs]),
        "other": max(r.other_pct for r in rs),
        "bad": sum(r.bad for r in rs),
        "processes": rs[0].processes,
    }


def runs_table(results: list[Result]) -> str:
    lines = [
        "| round | variant | req/s | p50 ms | p99 ms | non-2xx | CPU ms/req | of it sys | "
        "srv CPU | PG CPU ms/req | Redis CPU ms/req | other | procs | counted |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        redis = "-" if r.redis_ms is None else f"{r.redis_ms:.3f}"
        lines.append(
            f"| {r.round} | {r.variant} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | "
            f"{r.bad} | {r.cpu_ms:.3f} | {r.sys_ms:.3f} | {r.srv_pct:.0f}% | {r.pg_ms:.3f} | "
            f"{redis} | {r.other_pct:.0f}% | {r.processes} | {', '.join(r.checks)} |"
        )
    return "\n".join(lines)


def scaling_report(results: list[Result], variants: list[Variant]) -> tuple[str, dict[str, float]]:
    lines = [
        "| workers | features | req/s | p50 ms | p99 ms | non-2xx | CPU ms/req (all server "
        "processes) | PG CPU ms/req | CPU ms/req server + PG | srv CPU | other (max) | "
        "req/s by round |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    ratios: dict[str, float] = {}
    for v in variants:
        s = summarise(results, v.name)
        by_round = ", ".join(f"{r.rps:,.0f}" for r in results if r.variant == v.name)
        lines.append(
            f"| {v.workers} | {v.name.split(', ')[1]} | {s['rps']:,.0f} | {s['p50']:.2f} | "
            f"{s['p99']:.2f} | {s['bad']:.0f} | {s['cpu']:.3f} | {s['pg']:.3f} | "
            f"{s['total']:.3f} | {s['srv']:.0f}% | {s['other']:.0f}% | {by_round} |"
        )
    lines.append("")
    for label in ("all off", "all on"):
        one = [r for r in results if r.variant == f"1 worker, {label}"]
        two = [r for r in results if r.variant == f"2 workers, {label}"]
        if not one or not two:
            continue
        ratios[label] = med([r.rps for r in two]) / med([r.rps for r in one])
        per_round = ", ".join(f"{b.rps / a.rps:.2f}" for a, b in zip(one, two, strict=True))
        lines.append(
            f"scaling ratio, {label}: 2 workers / 1 worker req/s = **{ratios[label]:.2f}** "
            f"(medians; by round {per_round})"
        )
    return "\n".join(lines), ratios


def features_report(results: list[Result], variants: list[Variant]) -> tuple[str, list[str]]:
    base = summarise(results, "all off")
    lines = [
        "| variant | req/s | of all-off | p50 ms | p99 ms | non-2xx | CPU ms/req | +CPU ms/req | "
        "PG CPU ms/req | +PG ms/req | Redis CPU ms/req | srv CPU | other (max) | "
        "req/s by round |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    costs = []
    for v in variants:
        s = summarise(results, v.name)
        by_round = ", ".join(f"{r.rps:,.0f}" for r in results if r.variant == v.name)
        redis = "-" if s["redis"] < 0 else f"{s['redis']:.3f}"
        lines.append(
            f"| {v.name} | {s['rps']:,.0f} | {s['rps'] / base['rps']:.2f} | {s['p50']:.2f} | "
            f"{s['p99']:.2f} | {s['bad']:.0f} | {s['cpu']:.3f} | {s['cpu'] - base['cpu']:+.3f} | "
            f"{s['pg']:.3f} | {s['pg'] - base['pg']:+.3f} | {redis} | {s['srv']:.0f}% | "
            f"{s['other']:.0f}% | {by_round} |"
        )
        if v.name != "all off":
            extra = f"PostgreSQL {s['pg'] - base['pg']:+.2f} ms"
            if s["redis"] >= 0:
                extra += f", Redis {s['redis']:.2f} ms"
            costs.append(
                f"{v.name} {s['rps'] / base['rps']:.2f} of all-off req/s, "
                f"{s['cpu'] - base['cpu']:+.2f} ms CPU per request ({extra})"
            )
    return "\n".join(lines), costs


class Tee(io.TextIOBase):
    def __init__(self, out: TextIO) -> None:
        self.out, self.buffer = out, io.StringIO()

    def write(self, s: str) -> int:
        self.out.write(s)
        return self.buffer.write(s)

    def flush(self) -> None:
        self.out.flush()


# --------------------------------------------------------------------------- main


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--duration", type=float, default=10, help="seconds per run (default 10)")
    p.add_argument("--connections", type=int, default=32, help="wrk connections (default 32)")
    p.add_argument("--rounds", type=int, default=3, help="rounds of interleaved runs (default 3)")
    p.add_argument(
        "--redis",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="rate limits through Redis too (default: when Redis answers)",
    )
    p.add_argument("--only", choices=["scaling", "features"], help="one part only")
    p.add_argument("--cases", type=int, default=300, help="cases per run (default 300)")
    args = p.parse_args()
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is required")
    if (os.cpu_count() or 1) < 2:
        raise SystemExit("needs 2 cores: wrk on core 0, the server on core 1 (or both)")

    redis = args.redis
    if redis is None:
        redis = redis_answers(REDIS_URL)
        redis_note = "" if redis else f"Redis does not answer at {REDIS_URL}: no Redis variant"
    elif redis and not redis_answers(REDIS_URL):
        raise SystemExit(f"--redis: Redis does not answer at {REDIS_URL}")
    else:
        redis_note = "" if redis else "--no-redis: no Redis variant"

    parts = [args.only] if args.only else ["scaling", "features"]
    scaling = scaling_variants() if "scaling" in parts else []
    features = feature_variants(redis) if "features" in parts else []

    tee = Tee(sys.stdout)
    sys.stdout = tee  # type: ignore[assignment]
    try:
        run_all(args, redis, redis_note, scaling, features)
    finally:
        sys.stdout = tee.out
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "production.txt").write_text(tee.buffer.getvalue())
        print(f"\n(written to {RESULTS / 'production.txt'})")
    if FAILURES:
        print("\n" + "\n".join(f"FAIL {f}" for f in FAILURES), file=sys.stderr)
        return 1
    return 0


def run_all(
    args: argparse.Namespace,
    redis: bool,
    redis_note: str,
    scaling: list[Variant],
    features: list[Variant],
) -> None:
    n_runs = (len(scaling) + len(features)) * args.rounds
    started = time.time()
    results: dict[str, list[Result]] = {"scaling": [], "features": []}
    pg_name = f"opencase_prod_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    print(
        f"opencase production-mode benchmark, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, "
        f"{os.cpu_count()} cores, load avg {os.getloadavg()[0]:.2f}; PostgreSQL; "
        f"PUT /api/v2/cases/{{id}}/insights x1 (every request a new insight), "
        f"{args.duration:g} s per run after a {WARMUP_SECONDS} s warm-up, "
        f"{args.connections} connections, {args.rounds} round(s), {args.cases} cases per run"
    )
    print(
        f"note: wrk runs on core {LOAD_CORE}; PostgreSQL is not pinned. wrk, the server's "
        "workers and PostgreSQL share the machine's 2 cores, so the scaling ratio is a "
        "floor for a machine with more cores."
    )
    if redis_note:
        print(f"note: {redis_note}")
    pg_admin(f'CREATE DATABASE "{pg_name}"')
    try:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{pg_name}"
        with tempfile.TemporaryDirectory(prefix="opencase-prod-") as tmpdir:
            tmp = Path(tmpdir)
            s = setup(tmp, url, n_runs * args.cases)
            ids = s["ids"]
            print(
                f"PostgreSQL {s['probe'].scalar('SHOW server_version')}, "
                f"Python {sys.version.split()[0]}"
            )
            bench = Bench(
                tmp=tmp,
                env=s["env"],
                pg_name=pg_name,
                probe=s["probe"],
                auth=s["auth"],
                org_id=s["org_id"],
                duration=args.duration,
                connections=args.connections,
                redis_pids=redis_pids() if redis else [],
                slices=[ids[i * args.cases : (i + 1) * args.cases] for i in range(n_runs)],
            )
            for part, variants, where in (
                ("scaling", scaling, f"server under taskset -c {BOTH_CORES}"),
                ("features", features, f"1 worker pinned to core {SERVER_CORE}"),
            ):
                if not variants:
                    continue
                print(f"\n[{part}] {where}, wrk on core {LOAD_CORE}", flush=True)
                for rnd in range(1, args.rounds + 1):
                    k = (rnd - 1) % len(variants)
                    for v in variants[k:] + variants[:k]:
                        r = bench.measure(v, rnd)
                        results[part].append(r)
                        print(
                            f"  round {rnd} {v.name:<26} {r.rps:>7,.0f} req/s  p50 "
                            f"{r.p50_ms:6.2f}  p99 {r.p99_ms:6.2f} ms  CPU {r.cpu_ms:.3f} "
                            f"(+PG {r.pg_ms:.3f}) ms/req  {r.processes} proc  other "
                            f"{r.other_pct:.0f}%  non-2xx {r.bad}",
                            flush=True,
                        )
            max_insights = s["probe"].scalar("SELECT max(insight_count) FROM cases")
    finally:
        pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    report(results, scaling, features, args, time.time() - started, max_insights, pg_name)


def report(
    results: dict[str, list[Result]],
    scaling: list[Variant],
    features: list[Variant],
    args: argparse.Namespace,
    seconds: float,
    max_insights: int,
    pg_name: str,
) -> None:
    print(
        f"\nResults ({time.strftime('%Y-%m-%d %H:%M %Z')}, {seconds:.0f} s in all; medians of "
        f"{args.rounds} round(s) of {args.duration:g} s; most insights on one case: "
        f"{max_insights}; database {pg_name} dropped). CPU ms/req = utime+stime of all the "
        "server's processes (master and workers) per completed request; PG = the database's "
        "backends + WAL writer, checkpointer, background writer; srv CPU = server CPU time / "
        "wall time (100% = one core); other = CPU of both cores used by anything else, % of "
        "one core (max over the rounds; above ~10% the figures are disturbed)."
    )
    ratios: dict[str, float] = {}
    costs: list[str] = []
    if scaling:
        print(
            f"\n1. Scaling: --workers 1 vs 2, server under taskset -c {BOTH_CORES}, wrk on core "
            f"{LOAD_CORE}. wrk, the server's workers and PostgreSQL share 2 cores: the ratio is "
            "a floor for a machine with more cores.\n"
        )
        print(runs_table(results["scaling"]) + "\n")
        text, ratios = scaling_report(results["scaling"], scaling)
        print(text)
    if features:
        print(
            f"\n2. Production features: 1 worker pinned to core {SERVER_CORE}, wrk on core "
            f"{LOAD_CORE}, PostgreSQL unpinned; interleaved, order rotating by round.\n"
        )
        print(runs_table(results["features"]) + "\n")
        text, costs = features_report(results["features"], features)
        print(text)

    summary = []
    if ratios:
        one = summarise(results["scaling"], "1 worker, all off")["rps"]
        two = summarise(results["scaling"], "2 workers, all off")["rps"]
        text = (
            f"With every production feature off, --workers 2 serves {two:,.0f} insight PUTs/s "
            f"against {one:,.0f} for --workers 1: a scaling ratio of {ratios['all off']:.2f}"
        )
        if "all on" in ratios:
            text += f" ({ratios['all on']:.2f} with all features on)"
        summary.append(
            text + ", measured with wrk, both workers and PostgreSQL sharing 2 cores, so a "
            "floor for a machine with more cores."
        )
    if costs:
        base = summarise(results["features"], "all off")
        summary.append(
            f"With 1 worker on one core (all off: {base['rps']:,.0f} req/s, {base['cpu']:.2f} ms "
            f"server CPU and {base['pg']:.2f} ms PostgreSQL CPU per request), each feature "
            "costs: " + "; ".join(costs) + "."
        )
    if FAILURES:
        summary.append(f"{len(FAILURES)} check(s) FAILED (see above): the figures are suspect.")
    print("\nSummary: " + " ".join(summary))


if __name__ == "__main__":
    sys.exit(main())

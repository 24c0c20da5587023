"""Single-client latency of search, count and a big case read on generated data, with plans.

    python bench/search.py --engine sqlite      [--info /work/bench-data/opencase.db.json]
    python bench/search.py --engine postgresql  [--info /work/bench-data/opencase_bench.json]
                           [--duration 10] [--warmup 3] [--only NAME,...] [--no-plans]
                           [--words "error latency"] [--json FILE]

The data comes from bench/generate.py, whose JSON (`--info`) names the database, the key pair,
the case with 1,000 insights and the most frequent words. Queries (URL-encoded):

| name    | request                                                               | target p99 |
|---------|-----------------------------------------------------------------------|-----------:|
| status  | GET /api/v2/cases?filter=status:open priority:P1 (first page)          |      50 ms |
| text    | GET /api/v2/cases?filter=<two common words>                            |     100 ms |
| insight | GET /api/v2/cases?filter=insight.type:MONITOR insight.resource_id:12345 |       5 ms |
| count   | GET /api/v2/cases/count?query_filter=*&group_bys=status                |     200 ms |
| big     | GET /api/v2/cases/{id} of the case with 1,000 insights                 |      10 ms |

1. Plans (before the server starts, nothing else running): each query is compiled with
   opencase's query language (`opencase.query.compile.compile_query`) and wrapped in the
   statements the endpoint runs (`opencase.search.sql`: the count of matches and the page, or
   the count and the group-by; the three reads of a case for `big`). SQLite: `EXPLAIN QUERY
   PLAN` of the statement after `core.db.to_sqlite`, and its median time over a few runs in
   this process; PostgreSQL: `EXPLAIN (ANALYZE, BUFFERS)` with the real arguments (a custom
   plan), plus the generic plan's shape when it differs (the server's prepared statements may
   switch to it after five executions).
2. Latency: `opencase serve` pinned to core 1, `wrk -t1 -c1 --latency` pinned to core 0 (the
   helpers of bench/run.py), for each query a warm-up then `--duration` seconds (longer, up to
   60 s, for slow queries: ~300 requests so that p99 is not just the maximum); p50 / p90 /
   p99 / max from wrk, server CPU per request from /proc (and PostgreSQL's, which is not
   pinned). One client, one request in flight: these are idle-server latencies.

Any non-2xx answer fails the run (exit status 1).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import resource  # noqa: E402

from run import (  # noqa: E402 - bench/run.py's helpers, imported from this directory
    CLK_TCK,
    LUA,
    Api,
    Server,
    _ms,
    core_busy,
    free_port,
    postgres_ticks,
    proc_ticks,
    run_wrk,
)

DEFAULT_INFO = {
    "sqlite": "/work/bench-data/opencase.db.json",
    "postgresql": "/work/bench-data/opencase_bench.json",
}
FAILURES: list[str] = []


@dataclass
class Query:
    name: str
    label: str
    path: str  # URL path and query string, encoded
    target_ms: float
    kind: str  # "search", "count" or "get"
    text: str | None = None  # query-language text (search, count)
    plans: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Result:
    name: str
    label: str
    target_ms: float
    requests: int = 0
    rps: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    cpu_ms_per_req: float = 0.0
    pg_cpu_ms_per_req: float | None = None
    other_cpu_pct: float = 0.0  # CPU of both cores used by anything else, % of one core
    matches: str = ""
    plans: list[dict[str, Any]] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return 0 < self.p99_ms < self.target_ms


def code_fingerprint() -> str:
    """Short sha256 of the query language and search code (other people edit it: this names
    the version a run measured)."""
    import hashlib

    src = HERE.parent / "src" / "opencase"
    h = hashlib.sha256()
    for path in sorted([*(src / "query").glob("*.py"), *(src / "search").glob("*.py")]):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"query+search {h.hexdigest()[:12]}"


def queries(info: dict[str, Any], words: str) -> list[Query]:
    def search(text: str) -> str:
        return "/api/v2/cases?filter=" + urllib.parse.quote(text, safe="")

    status = "status:open priority:P1"
    insight = "insight.type:MONITOR insight.resource_id:12345"
    big = info["big_case"]["id"]
    return [
        Query("status", f"search {status}", search(status), 50, "search", status),
        Query("text", f"search {words}", search(words), 100, "search", words),
        Query("insight", f"search {insight}", search(insight), 5, "search", insight),
        Query(
            "count",
            "count * by status",
            "/api/v2/cases/count?query_filter=" + urllib.parse.quote("*") + "&group_bys=status",
            200,
            "count",
            "*",
        ),
        Query("big", "GET case with 1,000 insights", f"/api/v2/cases/{big}", 10, "get"),
    ]


# --------------------------------------------------------------------------- plans


class _Recorder:
    """A Connection that notes every statement (SQL and arguments) before running it."""

    def __init__(self, conn: Any, log: list[tuple[str, list[Any]]]) -> None:
        self._conn, self._log = conn, log

    async def fetch(self, sql: str, *args: Any) -> Any:
        self._log.append((sql, list(args)))
        return await self._conn.fetch(sql, *args)

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        self._log.append((sql, list(args)))
        return await self._conn.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        self._log.append((sql, list(args)))
        return await self._conn.fetchval(sql, *args)

    async def execute(self, sql: str, *args: Any) -> Any:
        self._log.append((sql, list(args)))
        return await self._conn.execute(sql, *args)

    async def executemany(self, sql: str, args: Any) -> Any:
        return await self._conn.executemany(sql, args)


class _RecordingDb:
    """opencase's Database, its connections wrapped in _Recorder."""

    def __init__(self, db: Any) -> None:
        self.db, self.engine = db, db.engine
        self.log: list[tuple[str, list[Any]]] = []

    @contextlib.asynccontextmanager
    async def snapshot(self) -> Any:
        async with self.db.snapshot() as conn:
            yield _Recorder(conn, self.log)

    @contextlib.asynccontextmanager
    async def transaction(self) -> Any:
        async with self.db.transaction() as conn:
            yield _Recorder(conn, self.log)


async def recorded_statements(db: Any, q: Query, info: dict[str, Any]) -> list[tuple]:
    """(label, SQL, args) of every statement the endpoint's service function runs for this
    query, as it runs them (so the plans follow opencase's code as it changes)."""
    from opencase.identity.models import DEFAULT_SCOPES, Principal

    who = Principal(
        org_id=info["org_id"], user_id=info["user_id"], scopes=frozenset(DEFAULT_SCOPES)
    )
    rec = _RecordingDb(db)
    if q.kind == "search":
        from opencase.search import service

        await service.search_cases(
            db=rec,
            who=who,
            text=q.text,
            sort="created_at",
            ascending=False,
            page_number=1,
            page_size=10,
            cursor=None,
        )
    elif q.kind == "count":
        from opencase.search import service

        await service.group_cases(
            db=rec,
            who=who,
            text=q.text,
            fields=["status"],
            limit=100,
            each_alone=True,
            text_parameter="query_filter",
            fields_parameter="group_bys",
        )
    else:
        from opencase.case.service import get_case

        await get_case(db=rec, who=who, ref=info["big_case"]["id"])
    out = []
    for n, (sql, args) in enumerate(rec.log, start=1):
        head = " ".join(sql.split())
        out.append((f"{n}: {head[:70]}{'…' if len(head) > 70 else ''}", sql, args))
    return out


_PG_NOISE = re.compile(r"\s*\((?:cost|actual)[^)]*\)|\s*\(never executed\)")


def _shape(plan: list[str]) -> list[str]:
    """A plan's nodes without costs, timings and per-node details (to compare shapes)."""
    out = []
    for line in plan:
        if "->" in line or not line.startswith(" "):
            node = _PG_NOISE.sub("", line).rstrip()
            if node and not node.lstrip().startswith(("Planning", "Execution")):
                out.append(node)
    return out


async def explain(
    engine: str, info: dict[str, Any], qs: list[Query], repeat: int, limit_s: float
) -> None:
    os.environ["OPENCASE_DATABASE_URL"] = info["database_url"]
    from opencase.core.config import load_settings
    from opencase.core.db import connect, to_sqlite

    try:
        from opencase.query.compile import compile_query
    except ImportError as exc:
        print(f"(no plans: {exc})")
        return
    db = await connect(load_settings())
    try:
        # What the server does when it starts (SQLite: a sampled ANALYZE), so that these plans
        # are the ones it will use.
        optimize = getattr(db, "optimize", None)
        if optimize is not None:
            t0 = time.perf_counter()
            try:
                await optimize(full=True)
            except TypeError:
                await optimize()
            print(f"(statistics refreshed as at server start: {time.perf_counter() - t0:.1f} s)")
        for q in qs:
            print(f"\n-- {q.name}: {q.label}")
            if q.text is not None:
                async with db.snapshot() as conn:
                    try:
                        compiled = await compile_query(
                            conn, org_id=info["org_id"], text=q.text, engine=engine
                        )
                    except Exception as exc:
                        print(f"   cannot compile {q.text!r}: {exc}")
                        q.plans = [{"error": str(exc)}]
                        continue
                print(f"   compile_query where: {compiled.where}")
                print(f"   args: {compiled.args}")
            deadline = time.perf_counter() + limit_s
            if engine == "sqlite":  # SQLite runs inline: interrupt it from its progress handler
                db._raw.set_progress_handler(_interrupt_after(deadline), 10_000)
            try:
                found = await asyncio.wait_for(recorded_statements(db, q, info), limit_s)
            except Exception as exc:  # the service changed shape, or took too long
                print(f"   cannot record the endpoint's statements: {exc!r}")
                q.plans = [{"error": repr(exc)}]
                continue
            finally:
                if engine == "sqlite":
                    db._raw.set_progress_handler(None, 0)
            plans = []
            for label, sql, sql_args in found:
                if engine == "sqlite":
                    plan, ms, rows = _sqlite_plan(db, to_sqlite(sql), sql_args, repeat, limit_s)
                else:
                    plan, ms, rows = await _pg_plan(db, sql, sql_args, repeat, limit_s)
                took = f"{ms:.2f} ms median in-process" if ms >= 0 else f"> {limit_s:g} s"
                print(f"   [{label}] {took}, {rows} rows")
                print(f"      args: {_short(sql_args)}")
                for line in plan:
                    print(f"      {line}")
                plans.append(
                    {
                        "statement": label,
                        "sql": sql,
                        "args": _short(sql_args),
                        "median_ms": ms,
                        "plan": plan,
                    }
                )
            total = sum(p["median_ms"] for p in plans if p["median_ms"] > 0)
            print(f"   => {len(plans)} statements, {total:.2f} ms of SQL in all (medians)")
            q.plans = plans
    finally:
        await db.close()


def _interrupt_after(deadline: float) -> Any:
    return lambda: int(time.perf_counter() > deadline)


def _short(args: list[Any]) -> str:
    text = repr(args)
    return text if len(text) <= 160 else text[:157] + "..."


def _sqlite_plan(
    db: Any, sql: str, args: list[Any], repeat: int, limit_s: float
) -> tuple[list[str], float, int]:
    """EXPLAIN QUERY PLAN as an indented tree, and the median time of the statement (-1 when
    one run exceeds limit_s: it is interrupted)."""
    import sqlite3

    raw = db._raw  # the database's own sqlite3 connection (opencase's functions registered)
    rows = raw.execute("EXPLAIN QUERY PLAN " + sql, args).fetchall()
    depth: dict[int, int] = {0: -1}
    plan = []
    for r in rows:
        d = depth.get(r[1], -1) + 1
        depth[r[0]] = d
        plan.append("  " * d + r[3])
    times: list[float] = []
    n = 0
    deadline = 0.0
    raw.set_progress_handler(lambda: int(time.perf_counter() > deadline), 10_000)
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            deadline = t0 + limit_s
            try:
                n = len(raw.execute(sql, args).fetchall())
            except sqlite3.OperationalError as exc:
                if "interrupt" not in str(exc):
                    raise
                return plan, -1.0, 0
            times.append((time.perf_counter() - t0) * 1000)
            if sum(times) > 5000:  # slow statements: fewer runs
                break
    finally:
        raw.set_progress_handler(None, 0)
    return plan, statistics.median(times), n


async def _pg_plan(
    db: Any, sql: str, args: list[Any], repeat: int, limit_s: float
) -> tuple[list[str], float, int]:
    """EXPLAIN (ANALYZE, BUFFERS) lines (plain EXPLAIN when ANALYZE exceeds limit_s), the
    median time of the prepared statement (-1 when over limit_s), and the generic plan's
    shape when it differs from the custom one."""
    import asyncpg

    async with db._pool.acquire() as raw:
        await raw.execute(f"SET statement_timeout = {int(limit_s * 1000)}")
        try:
            try:
                rows = await raw.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *args)
            except asyncpg.QueryCanceledError:
                rows = await raw.fetch("EXPLAIN " + sql, *args)
                return [r[0] for r in rows] + [f"(EXPLAIN ANALYZE > {limit_s:g} s)"], -1.0, 0
            plan = [r[0] for r in rows]
            times: list[float] = []
            n = 0
            stmt = await raw.prepare(sql)
            for _ in range(repeat):
                t0 = time.perf_counter()
                n = len(await stmt.fetch(*args))
                times.append((time.perf_counter() - t0) * 1000)
                if sum(times) > 5000:
                    break
            async with raw.transaction():
                await raw.execute("SET LOCAL plan_cache_mode = force_generic_plan")
                generic = [
                    r[0] for r in await raw.fetch("EXPLAIN (ANALYZE, BUFFERS) " + sql, *args)
                ]
            if _shape(generic) != _shape(plan):
                plan.append("-- generic plan (prepared statements may switch to it) differs:")
                plan += [
                    line
                    for line in generic
                    if "->" in line or not line.startswith(" ") or "Execution" in line
                ]
        finally:
            await raw.execute("RESET statement_timeout")
    return plan, statistics.median(times), n


# --------------------------------------------------------------------------- latency


def _percentile(raw: str, pct: int) -> float:
    m = re.search(rf"^\s+{pct}%\s+(\S+)", raw, re.M)
    return _ms(m[1]) if m else float("nan")


def _max(raw: str) -> float:
    m = re.search(r"^\s+Latency\s+\S+\s+\S+\s+(\S+)", raw, re.M)
    return _ms(m[1]) if m else float("nan")


def _matches(q: Query, body: Any) -> str:
    if q.kind == "search":
        meta = body.get("meta", {})
        total = meta.get("total_cases", meta.get("page", {}).get("total"))
        return f"{total} matches, {len(body['data'])} on the page"
    if q.kind == "count":
        attrs = body["data"]["attributes"]
        groups = ", ".join(
            f"{v['value']}={v['count']}" for g in attrs["groups"] for v in g["group_values"]
        )
        return f"total {attrs.get('total')}: {groups}"
    return f"{len(body['data']['attributes'].get('insights', []))} insights"


def first_call(server: Server, api: Api, q: Query, limit_s: float) -> tuple[Any, float]:
    """One request with a time limit: (decoded body or None when over the limit, seconds)."""
    req = urllib.request.Request(server.base + q.path, None, api.headers)
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=limit_s) as r:
            payload = r.read()
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"GET {q.path}: {exc.code} {exc.read()[:500]!r}") from None
    except (TimeoutError, urllib.error.URLError) as exc:
        if isinstance(exc, urllib.error.URLError) and not isinstance(exc.reason, TimeoutError):
            raise
        return None, time.perf_counter() - t0
    return json.loads(payload), time.perf_counter() - t0


def measure(
    server: Server,
    api: Api,
    q: Query,
    auth: list[str],
    warmup: float,
    duration: float,
    pg_url: str | None,
    limit_s: float,
) -> Result:
    res = Result(q.name, q.label, q.target_ms)
    pg_name = pg_url.rpartition("/")[2] if pg_url else None
    body, took = first_call(server, api, q, limit_s)
    if body is None:
        # The server is still running the statement (SQLite runs inline on the event loop;
        # a PostgreSQL backend finishes its query even when the client has gone): restart it.
        res.matches = f"no answer within {limit_s:g} s: not measured"
        res.p50_ms = res.p90_ms = res.p99_ms = res.max_ms = float("inf")
        print(f"  {q.name:<8} {res.matches}; restarting the server", flush=True)
        server.stop()
        if pg_url:
            pg_cancel(pg_url)
        server.start()
        return res
    res.matches = _matches(q, body) + f"; first request {took * 1000:.0f} ms"
    url = server.base + "/"
    args = ["get", *auth, q.path]
    w = run_wrk(url, warmup, 1, LUA / "opencase.lua", args)
    if w.non_2xx or w.socket_errors:
        FAILURES.append(f"{q.name}: warm-up had {w.non_2xx} non-2xx, {w.socket_errors} errors")
    pg0 = postgres_ticks(pg_name) if pg_name else {}
    c0 = core_busy()
    k0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = proc_ticks(server.pid)
    # Slow queries run longer (up to a minute), so that p99 rests on ~300 requests.
    mean_s = w.seconds / max(w.requests, 1)
    seconds = min(60.0, max(duration, 300 * mean_s, 3 * took))
    r = run_wrk(url, seconds, 1, LUA / "opencase.lua", args)
    t1 = proc_ticks(server.pid)
    k1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    c1 = core_busy()
    pg_ticks = 0
    if pg_name:
        pg1 = postgres_ticks(pg_name)
        pg_ticks = sum(v - pg0.get(pid, 0) for pid, v in pg1.items())
        res.pg_cpu_ms_per_req = pg_ticks * 1000 / CLK_TCK / max(r.requests, 1)
    # As bench/run.py: busy ticks of both cores not spent by the server, wrk or PostgreSQL.
    wrk_ticks = ((k1.ru_utime - k0.ru_utime) + (k1.ru_stime - k0.ru_stime)) * CLK_TCK
    busy = sum(c1[c][0] - c0[c][0] for c in ("0", "1"))
    other = busy - (sum(t1) - sum(t0)) - pg_ticks - wrk_ticks
    res.other_cpu_pct = max(0.0, 100.0 * other / CLK_TCK / max(r.seconds, 1e-9))
    if r.non_2xx or r.socket_errors:
        FAILURES.append(f"{q.name}: {r.non_2xx} non-2xx, {r.socket_errors} socket errors")
    res.requests, res.rps = r.requests, r.rps
    res.p50_ms, res.p99_ms = r.p50_ms, r.p99_ms
    res.p90_ms, res.max_ms = _percentile(r.raw, 90), _max(r.raw)
    res.cpu_ms_per_req = (sum(t1) - sum(t0)) * 1000 / CLK_TCK / max(r.requests, 1)
    pg = "" if res.pg_cpu_ms_per_req is None else f"  PG cpu {res.pg_cpu_ms_per_req:.2f}"
    print(
        f"  {q.name:<8} {res.rps:8.1f} req/s  p50 {res.p50_ms:8.2f}  p90 {res.p90_ms:8.2f}  "
        f"p99 {res.p99_ms:8.2f}  max {res.max_ms:8.2f} ms  cpu {res.cpu_ms_per_req:.2f} ms/req"
        f"{pg}  other {res.other_cpu_pct:.0f}%  ({r.requests} requests; {res.matches})",
        flush=True,
    )
    return res


def pg_cancel(url: str) -> None:
    """Cancel the queries still running in the benchmark database (the server's, whose
    process is gone)."""
    import asyncpg

    async def go() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(
                "SELECT pg_cancel_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND state = 'active'"
                " AND pid <> pg_backend_pid()"
            )
        finally:
            await conn.close()

    asyncio.run(go())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--engine", choices=["sqlite", "postgresql"], required=True)
    p.add_argument("--info", help="JSON written by bench/generate.py")
    p.add_argument("--duration", type=float, default=10, help="seconds per query (default 10)")
    p.add_argument("--warmup", type=float, default=3, help="warm-up seconds per query")
    p.add_argument("--only", help="comma-separated subset of status,text,insight,count,big")
    p.add_argument("--words", help="the free-text query (default: the two most frequent words)")
    p.add_argument("--no-plans", dest="plans", action="store_false")
    p.add_argument("--repeat", type=int, default=7, help="runs per statement for its median")
    p.add_argument(
        "--limit",
        type=float,
        default=60,
        help="seconds one request or statement may take before it is given up (default 60)",
    )
    p.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = p.parse_args()

    from generate import load_info

    info = load_info(args.engine, args.info, [DEFAULT_INFO[args.engine]])
    words = args.words or " ".join(info["common_words"][:2])
    qs = queries(info, words)
    if args.only:
        wanted = set(args.only.split(","))
        qs = [q for q in qs if q.name in wanted]
    print(
        f"opencase search benchmark, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}: {args.engine}, "
        f"{info['cases']:,} cases, {info['insights']:,} insights (schema "
        f"{info.get('schema_revision')}, generated {info['generated_at']}); one client"
    )
    # Newer migrations than the data's (opencase applies them at start anyway): apply them now,
    # so that the plans below are those of the schema the server will run on.
    os.environ["OPENCASE_DATABASE_URL"] = info["database_url"]
    from opencase.core import migrate
    from opencase.core.config import load_settings

    t0 = time.perf_counter()
    asyncio.run(migrate.upgrade(load_settings()))
    print(
        f"schema at {migrate.head_revision()} (upgrade check {time.perf_counter() - t0:.1f} s);"
        f" code measured: {code_fingerprint()}"
    )
    if args.engine == "sqlite":
        import sqlite3

        conn = sqlite3.connect(info["database_url"].removeprefix("sqlite:///"))
        stats = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ).fetchone()[0]
        conn.close()
        print(
            f"SQLite planner statistics (sqlite_stat1): {'present' if stats else 'none'}"
            " (the server refreshes them when it starts: a sampled ANALYZE)"
        )
    if args.plans:
        print("\nplans")
        asyncio.run(explain(args.engine, info, qs, args.repeat, args.limit))

    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENCASE_")}
    env["OPENCASE_DATABASE_URL"] = info["database_url"]
    port = free_port()
    log = Path(f"/tmp/opencase-search-{args.engine}-{os.getpid()}.log")
    server = Server(
        f"opencase ({args.engine})",
        [sys.executable, "-m", "opencase", "serve", "--port", str(port)],
        env,
        port,
        "/healthz",
        log,
    )
    pg_url = info["database_url"] if args.engine == "postgresql" else None
    results = []
    print(
        f"\nlatency (wrk -t1 -c1, {args.warmup:g} s warm-up + {args.duration:g} s per query; "
        "server on core 1, wrk on core 0)"
    )
    server.start()
    try:
        api = Api(server.base, info["api_key"], info["app_key"])
        auth = [info["api_key"], info["app_key"]]
        for q in qs:
            r = measure(server, api, q, auth, args.warmup, args.duration, pg_url, args.limit)
            r.plans = q.plans
            results.append(r)
        if "Traceback" in log.read_text():
            FAILURES.append(f"the server logged a traceback ({log})")
    finally:
        server.stop()

    print(f"\nresults ({args.engine}, {info['cases']:,} cases)\n")
    print(
        "| query | request | req/s | p50 ms | p90 ms | p99 ms | max ms | server CPU ms/req "
        "| PG CPU ms/req | other CPU | target p99 | met |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        verdict = "yes" if r.met else f"**no** ({r.p99_ms / r.target_ms:.1f}x the target)"
        print(
            f"| {r.name} | {r.label} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p90_ms:.2f} | "
            f"{r.p99_ms:.2f} | {r.max_ms:.2f} | {r.cpu_ms_per_req:.2f} | "
            f"{'-' if r.pg_cpu_ms_per_req is None else f'{r.pg_cpu_ms_per_req:.2f}'} | "
            f"{r.other_cpu_pct:.0f}% | < {r.target_ms:g} | {verdict} |"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))
    if FAILURES:
        print("\n" + "\n".join(FAILURES), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

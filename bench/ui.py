"""Server render time and page weight of the web UI's pages on generated data, one client.

    python bench/ui.py --engine sqlite      [--info /work/bench-data/sqlite.json]
    python bench/ui.py --engine postgresql  [--info /work/bench-data/opencase_bench.json]
                       [--requests 200 | --duration SECONDS] [--warmup 5] [--only NAME,...]
                       [--words "error latency"] [--json FILE]

The data comes from bench/generate.py, whose JSON (`--info`) names the database, the key pair,
the case with 1,000 insights, the projects' keys and the most frequent words. Pages:

| name         | request                                                     |
|--------------|-------------------------------------------------------------|
| list         | GET /cases (newest first, 50 a page)                        |
| list-query   | GET /cases?q=status:open priority:P1                        |
| list-text    | GET /cases?q=<two common words>                             |
| list-page50  | GET /cases?page=50 (offset 2,450)                           |
| list-prio    | GET /cases?sort=priority&dir=desc                           |
| board        | GET /board (3 status columns of 50 cards)                   |
| board-proj   | GET /board?project=<uuid of the first project>              |
| case         | GET /cases/<first project key>-1 (an ordinary case)         |
| case-big     | GET /cases/<id> of the case with 1,000 insights             |
| projects     | GET /projects                                               |

Targets (the UI issue): every page's HTML rendered in < 50 ms server-side on the 1M data set
(judged on p99), page weight < 150 KB (HTML + the stylesheet and script it references, raw
bytes; KB = 1,000 bytes).

1. The password of the benchmark user (bench@bench.test in organisation `bench`) is set with
   `opencase users set-password --password-stdin` (a random one, for this run).
2. `opencase serve` pinned to core 1 (bench/run.py's Server), OPENCASE_RATE_LIMITS=off, no
   access log; this client (requests, one keep-alive connection) pinned to core 0.
3. Sign-in as a browser does: GET /login (the `opencase_login_csrf` cookie and the form's
   hidden `csrf_token`), POST /login; the `opencase_session` cookie is kept.
4. For each page: `--warmup` requests, then `--requests` requests one after the other (or as
   many as fit in `--duration` seconds; at most `--limit` seconds per page). One client, one
   request in flight, on localhost: the request's latency is the server's time to answer it
   (plus well under a millisecond of loopback and client). p50 / p90 / p99 / max of those, and
   the server's CPU per request (/proc utime+stime, 10 ms ticks, over all requests).
5. Sizes: the HTML of the last answer; the static assets it references (each fetched once);
   the server does not compress, so gzip sizes are estimates (zlib level 6, as a reverse
   proxy's default).

Any answer other than 200 text/html fails the run (exit status 1), as does a traceback in the
server log.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import secrets
import statistics
import subprocess
import sys
import time
import urllib.parse
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import BENCH_USER as EMAIL  # noqa: E402 - the data set's user and organisation
from generate import ORG_NAME as ORG  # noqa: E402
from generate import load_info  # noqa: E402
from run import (  # noqa: E402 - bench/run.py's helpers, imported from this directory
    CLK_TCK,
    LOAD_CORE,
    SERVER_CORE,
    Server,
    core_busy,
    free_port,
    proc_ticks,
)

DEFAULT_INFO = {
    "sqlite": ["/work/bench-data/sqlite.json", "/work/bench-data/opencase.db.json"],
    "postgresql": ["/work/bench-data/postgresql.json", "/work/bench-data/opencase_bench.json"],
}
TARGET_MS = 50.0
TARGET_BYTES = 150_000
FAILURES: list[str] = []


@dataclass
class Target:
    name: str
    label: str
    path: str  # URL path and query string, encoded


@dataclass
class Result:
    name: str
    label: str
    path: str
    requests: int = 0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    mean_ms: float = 0.0
    cpu_ms_per_req: float = 0.0
    other_cpu_pct: float = 0.0  # CPU of both cores used by anything else, % of one core
    html_bytes: int = 0
    html_gzip_bytes: int = 0
    assets: dict[str, int] = field(default_factory=dict)
    weight_bytes: int = 0
    weight_gzip_bytes: int = 0
    note: str = ""

    @property
    def time_met(self) -> bool:
        return 0 < self.p99_ms < TARGET_MS

    @property
    def weight_met(self) -> bool:
        return 0 < self.weight_bytes < TARGET_BYTES


def gz(data: bytes) -> int:
    return len(zlib.compress(data, 6)) + 18  # + gzip's header and trailer


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def code_fingerprint() -> str:
    """Short sha256 of the UI, search and case code (other people edit it: this names the
    version a run measured)."""
    import hashlib

    src = HERE.parent / "src" / "opencase"
    files = [
        *sorted((src / "ui").rglob("*.*")),
        *sorted((src / "search").glob("*.py")),
        *sorted((src / "query").glob("*.py")),
        *sorted((src / "case").glob("*.py")),
    ]
    h = hashlib.sha256()
    for path in files:
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(src)).encode() + b"\0" + path.read_bytes())
    return f"ui+search+query+case {h.hexdigest()[:12]}"


def set_password(env: dict[str, str], password: str) -> None:
    args = ["users", "set-password", "--org", ORG, "--email", EMAIL, "--password-stdin"]
    out = subprocess.run(
        [sys.executable, "-m", "opencase", *args],
        env=env,
        input=password + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    if out.returncode != 0:
        raise SystemExit(f"opencase users set-password failed:\n{out.stdout}{out.stderr}")


def sign_in(base: str, password: str) -> requests.Session:
    s = requests.Session()
    r = s.get(base + "/login", timeout=30)
    r.raise_for_status()
    m = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    if m is None or "opencase_login_csrf" not in s.cookies:
        raise SystemExit("GET /login: no csrf_token field or no opencase_login_csrf cookie")
    form = {"csrf_token": m[1], "email": EMAIL, "password": password, "next": "/cases"}
    r = s.post(base + "/login", data=form, allow_redirects=False, timeout=30)
    if r.status_code != 303 or "opencase_session" not in s.cookies:
        raise SystemExit(f"POST /login: {r.status_code}, cookies {sorted(s.cookies.keys())}")
    return s


def api_get(base: str, info: dict[str, Any], path: str) -> Any:
    headers = {"DD-API-KEY": info["api_key"], "DD-APPLICATION-KEY": info["app_key"]}
    r = requests.get(base + path, headers=headers, timeout=60)
    if r.status_code != 200:
        raise SystemExit(f"GET {path}: {r.status_code} {r.text[:300]}")
    return r.json()


def targets(info: dict[str, Any], words: str, project_id: str) -> list[Target]:
    def q(text: str) -> str:
        return "/cases?q=" + urllib.parse.quote(text, safe=":")

    status = "status:open priority:P1"
    first = info["projects"][0]
    big = info["big_case"]["id"]
    return [
        Target("list", "list, default", "/cases"),
        Target("list-query", f"list q={status}", q(status)),
        Target("list-text", f"list q={words}", q(words)),
        Target("list-page50", "list page 50", "/cases?page=50"),
        Target("list-prio", "list sorted by priority", "/cases?sort=priority&dir=desc"),
        Target("board", "board", "/board"),
        Target("board-proj", f"board project {first}", f"/board?project={project_id}"),
        Target("case", f"case {first}-1", f"/cases/{first}-1"),
        Target("case-big", f"case with {info['big_case']['insights']:,} insights", f"/cases/{big}"),
        Target("projects", "projects", "/projects"),
    ]


def fetch(s: requests.Session, url: str) -> requests.Response:
    r = s.get(url, allow_redirects=False, timeout=120)
    if r.status_code != 200 or not r.headers.get("Content-Type", "").startswith("text/html"):
        raise RuntimeError(f"{r.status_code} {r.headers.get('Content-Type')} {r.text[:200]!r}")
    return r


_ASSET = re.compile(r'<(?:link[^>]+href|script[^>]+src|img[^>]+src)="(/[^"/][^"]*)"')


def measure(
    s: requests.Session,
    server: Server,
    t: Target,
    warmup: int,
    count: int,
    duration: float | None,
    limit: float,
    asset_sizes: dict[str, tuple[int, int]],
) -> Result:
    res = Result(t.name, t.label, t.path)
    url = server.base + t.path
    try:
        for _ in range(warmup):
            fetch(s, url)
        times: list[float] = []
        c0, p0 = core_busy(), proc_ticks(server.pid)
        k0 = resource.getrusage(resource.RUSAGE_SELF)
        w0 = time.perf_counter()
        stop = w0 + (duration if duration else limit)
        r = None
        while (duration or len(times) < count) and time.perf_counter() < stop:
            t0 = time.perf_counter()
            r = fetch(s, url)
            times.append((time.perf_counter() - t0) * 1000)
        wall = time.perf_counter() - w0
        p1, c1 = proc_ticks(server.pid), core_busy()
        k1 = resource.getrusage(resource.RUSAGE_SELF)
    except (RuntimeError, requests.RequestException) as exc:
        FAILURES.append(f"{t.name} ({t.path}): {exc}")
        res.note = f"failed: {exc}"
        print(f"  {t.name:<12} FAILED: {exc}", flush=True)
        return res
    assert r is not None
    if not duration and len(times) < count:
        res.note = f"stopped after {limit:g} s"
    res.requests = len(times)
    res.p50_ms, res.p90_ms = percentile(times, 50), percentile(times, 90)
    res.p99_ms, res.max_ms = percentile(times, 99), max(times)
    res.mean_ms = statistics.fmean(times)
    server_ticks = sum(p1) - sum(p0)
    res.cpu_ms_per_req = server_ticks * 1000 / CLK_TCK / len(times)
    mine = (k1.ru_utime - k0.ru_utime + k1.ru_stime - k0.ru_stime) * CLK_TCK
    busy = sum(c1[c][0] - c0[c][0] for c in c1 if c in c0)
    res.other_cpu_pct = max(0.0, 100.0 * (busy - server_ticks - mine) / CLK_TCK / wall)
    if r.headers.get("Content-Encoding"):
        res.note += f" served {r.headers['Content-Encoding']}"
    html = r.content
    res.html_bytes, res.html_gzip_bytes = len(html), gz(html)
    for path in dict.fromkeys(_ASSET.findall(r.text)):
        if path not in asset_sizes:
            a = s.get(server.base + path, timeout=30)
            if a.status_code != 200:
                FAILURES.append(f"{path}: {a.status_code}")
            asset_sizes[path] = (len(a.content), gz(a.content))
        res.assets[path] = asset_sizes[path][0]
    res.weight_bytes = res.html_bytes + sum(asset_sizes[p][0] for p in res.assets)
    res.weight_gzip_bytes = res.html_gzip_bytes + sum(asset_sizes[p][1] for p in res.assets)
    print(
        f"  {t.name:<12} p50 {res.p50_ms:7.2f}  p90 {res.p90_ms:7.2f}  p99 {res.p99_ms:7.2f}  "
        f"max {res.max_ms:7.2f} ms  cpu {res.cpu_ms_per_req:6.2f} ms/req  "
        f"other {res.other_cpu_pct:3.0f}%  html {res.html_bytes:,} B "
        f"(gzip {res.html_gzip_bytes:,})  ({res.requests} requests)",
        flush=True,
    )
    return res


def kb(n: int) -> str:
    return f"{n / 1000:.1f}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--engine", choices=["sqlite", "postgresql"], required=True)
    p.add_argument("--info", help="JSON written by bench/generate.py")
    p.add_argument("--requests", type=int, default=200, help="requests per page (default 200)")
    p.add_argument("--duration", type=float, help="seconds per page instead of --requests")
    p.add_argument("--warmup", type=int, default=5, help="requests per page before measuring")
    p.add_argument("--limit", type=float, default=120, help="most seconds per page (default 120)")
    p.add_argument("--only", help="comma-separated subset of the page names")
    p.add_argument("--words", help="the free-text query (default: the two most frequent words)")
    p.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = p.parse_args()

    info = load_info(args.engine, args.info, DEFAULT_INFO[args.engine])
    words = args.words or " ".join(info["common_words"][:2])
    load = os.getloadavg()
    print(
        f"opencase web UI benchmark, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}: {args.engine}, "
        f"{info['cases']:,} cases, {info['insights']:,} insights (schema "
        f"{info.get('schema_revision')}, generated {info['generated_at']}); code measured: "
        f"{code_fingerprint()}; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )

    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENCASE_")}
    env["OPENCASE_DATABASE_URL"] = info["database_url"]
    env["OPENCASE_RATE_LIMITS"] = "off"
    env["OPENCASE_ACCESS_LOG"] = "0"
    password = secrets.token_urlsafe(18)
    set_password(env, password)

    port = free_port()
    log = Path(f"/tmp/opencase-ui-{args.engine}-{os.getpid()}.log")
    server = Server(
        f"opencase ({args.engine})",
        [sys.executable, "-m", "opencase", "serve", "--port", str(port), "--no-access-log"],
        env,
        port,
        "/healthz",
        log,
    )
    os.sched_setaffinity(0, {int(LOAD_CORE)})  # the client; the server gets `taskset -c 1`
    started = time.perf_counter()
    server.start()
    print(f"server up in {time.perf_counter() - started:.1f} s (log {log})")
    results: list[Result] = []
    try:
        projects = api_get(server.base, info, "/api/v2/cases/projects")["data"]
        first = info["projects"][0]
        project_id = next(p["id"] for p in projects if p["attributes"]["key"] == first)
        case = api_get(server.base, info, f"/api/v2/cases/{first}-1")["data"]
        case_insights = case["attributes"].get("insights") or []
        s = sign_in(server.base, password)
        ts = targets(info, words, project_id)
        if args.only:
            wanted = set(args.only.split(","))
            ts = [t for t in ts if t.name in wanted]
        how = f"{args.duration:g} s" if args.duration else f"{args.requests} requests"
        print(
            f"\n{len(ts)} pages, {args.warmup} warm-up requests + {how} each, one client "
            f"(requests, keep-alive) on core {LOAD_CORE}, server on core {SERVER_CORE}; "
            f"{first}-1 has {len(case_insights)} insights"
        )
        assets: dict[str, tuple[int, int]] = {}
        for t in ts:
            results.append(
                measure(s, server, t, args.warmup, args.requests, args.duration, args.limit, assets)
            )
        if "Traceback" in log.read_text():
            FAILURES.append(f"the server logged a traceback ({log})")
    finally:
        server.stop()

    load = os.getloadavg()
    print(
        f"\nresults ({args.engine}, {info['cases']:,} cases; load average at the end "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f})\n"
    )
    print(
        "| page | request | n | p50 ms | p90 ms | p99 ms | max ms | server CPU ms/req "
        "| other CPU | HTML B | HTML gzip B | weight KB | weight gzip KB "
        f"| < {TARGET_MS:g} ms (p99) | < {TARGET_BYTES // 1000} KB |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in results:
        if not r.requests:
            print(f"| {r.name} | `{r.path}` | 0 | | | | | | | | | | | **fail** ({r.note}) | |")
            continue
        tv = "pass" if r.time_met else f"**FAIL** ({r.p99_ms / TARGET_MS:.1f}x)"
        wv = "pass" if r.weight_met else f"**FAIL** ({r.weight_bytes / TARGET_BYTES:.1f}x)"
        print(
            f"| {r.name} | `{r.path}` | {r.requests} | {r.p50_ms:.1f} | {r.p90_ms:.1f} | "
            f"{r.p99_ms:.1f} | {r.max_ms:.1f} | {r.cpu_ms_per_req:.1f} | {r.other_cpu_pct:.0f}% | "
            f"{r.html_bytes:,} | {r.html_gzip_bytes:,} | {kb(r.weight_bytes)} | "
            f"{kb(r.weight_gzip_bytes)} | {tv} | {wv} |"
        )
    if assets:
        sizes = ", ".join(f"{p} {raw:,} B (gzip {z:,})" for p, (raw, z) in assets.items())
        print(f"\nstatic assets (in every page's weight): {sizes}")
    print(
        "One client on localhost, one request in flight: the latency is the server's time "
        "(routing, session, SQL, template) plus well under 1 ms of loopback and client. "
        "The server does not compress: weights are raw bytes; gzip figures are zlib "
        "estimates. `other CPU`: both cores' CPU used by anything but the server and this "
        "client (other work on the machine), in % of one core."
    )
    missed = [r.name for r in results if r.requests and not r.time_met]
    heavy = [r.name for r in results if r.requests and not r.weight_met]
    print(
        f"time target: {'all pass' if not missed else 'missed by ' + ', '.join(missed)}; "
        f"weight target: {'all pass' if not heavy else 'missed by ' + ', '.join(heavy)}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                [
                    {**asdict(r), "time_met": r.time_met, "weight_met": r.weight_met}
                    for r in results
                ],
                indent=1,
            )
        )
    if FAILURES:
        print("\n" + "\n".join(FAILURES), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Where a request's CPU goes, layer by layer, without HTTP sockets or sampling error.

    python bench/inprocess.py [--engine sqlite|postgresql|both] [--requests 3000]

Drives opencase's ASGI app directly (no uvicorn, no sockets) in this process, on uvloop, pinned
to core 1, and measures CPU per request (time.process_time) of each layer of the 10-insight PUT
and of the case GET by subtraction:

  asgi      the whole app: Falcon routing, authentication (cached), body read, msgspec decode
            and validation, the handler, response build and JSON encoding
  handler   the view function: service call + case_response() + JSON encoding
  service   opencase.insight.service.add_insights / case.service.get_case (SQL + domain code)
  sql       the same statements through opencase's data layer only (bench/access_layer.py's
            raw operation; PUT only)

Every PUT adds 10 new insights (unique resource_ids) to one of --cases cases in turn, so all
layers see the same data growth (each layer gets its own fresh database). Compare `asgi` with
bench/run.py's CPU/req to get the HTTP server's share (uvicorn, httptools, sockets).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import msgspec
import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))

from access_layer import _pg_admin, new_seed, op_raw

from opencase.app import create_app
from opencase.case import service as case_service
from opencase.case.models import Insight
from opencase.case.schemas import case_response
from opencase.core import db as odb
from opencase.core import migrate
from opencase.core.config import Settings
from opencase.identity import service as identity
from opencase.identity.models import Principal
from opencase.insight import service as insight_service

PG_ADMIN_URL = os.environ.get("OPENCASE_BENCH_PG", "postgresql://root@127.0.0.1:5432/test")
_encoder = msgspec.json.Encoder()


def insights(op: int) -> list[dict[str, str]]:
    return [
        {"type": "MONITOR", "ref": f"/monitors/{op}?j={j}", "resource_id": f"r-{op}-{j}"}
        for j in range(10)
    ]


class AsgiClient:
    """Calls an ASGI app in-process, after running its lifespan start-up."""

    def __init__(self, app: Any, api_key: str, app_key: str) -> None:
        self.app = app
        self.headers = [
            (b"host", b"bench"),
            (b"dd-api-key", api_key.encode()),
            (b"dd-application-key", app_key.encode()),
            (b"accept", b"application/json"),
            (b"content-type", b"application/json"),
        ]
        self._lifespan: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        ready = asyncio.Event()

        async def send(msg: dict[str, Any]) -> None:
            if msg["type"].startswith("lifespan.startup"):
                if msg["type"] != "lifespan.startup.complete":
                    raise SystemExit(f"start-up failed: {msg}")
                ready.set()

        await self._lifespan.put({"type": "lifespan.startup"})
        self._task = asyncio.create_task(
            self.app({"type": "lifespan", "asgi": {"version": "3.0"}}, self._lifespan.get, send)
        )
        await ready.wait()

    async def stop(self) -> None:
        await self._lifespan.put({"type": "lifespan.shutdown"})
        if self._task is not None:
            await self._task

    async def call(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [*self.headers, (b"content-length", str(len(body)).encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8080),
        }
        delivered = False

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # nothing more: the client stays connected
            raise AssertionError

        status = 0
        chunks: list[bytes] = []

        async def send(msg: dict[str, Any]) -> None:
            nonlocal status
            if msg["type"] == "http.response.start":
                status = msg["status"]
            elif msg["type"] == "http.response.body":
                chunks.append(msg.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)


async def fresh_database(engine: str) -> tuple[str, str | None]:
    """(database URL, PostgreSQL database name to drop) of a new, migrated database."""
    if engine == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="opencase-inproc-")) / "o.db"
        url = f"sqlite:///{path}"
        name = None
    else:
        name = f"opencase_inproc_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    await migrate.upgrade(Settings(database_url=url))
    return url, name


async def measure(fn: Callable[[int], Awaitable[None]], n: int, warmup: int) -> float:
    """CPU microseconds per call of fn(i) over n calls, after `warmup` calls."""
    for i in range(warmup):
        await fn(i)
    c0 = time.process_time()
    for i in range(warmup, warmup + n):
        await fn(i)
    return 1e6 * (time.process_time() - c0) / n


async def layer(engine: str, name: str, n: int, warmup: int, n_cases: int) -> float:
    """CPU us/request of one layer on its own fresh database."""
    url, pg_name = await fresh_database(engine)
    try:
        settings = Settings(database_url=url, auth_cache_seconds=5.0)
        db = await odb.connect(settings)
        keys = await identity.create_keys(
            db=db, org_name="bench", user_email="b@bench.test", scopes=["cases_read", "cases_write"]
        )
        who = Principal(keys.org_id, keys.user_id, frozenset({"cases_read", "cases_write"}))
        app = create_app(settings)
        client = AsgiClient(app, keys.api_key, keys.app_key)
        await client.start()
        project_body = {"data": {"type": "project", "attributes": {"name": "B", "key": "BENCH"}}}
        status, out = await client.call(
            "POST", "/api/v2/cases/projects", msgspec.json.encode(project_body)
        )
        assert status == 201, out
        project_id = msgspec.json.decode(out)["data"]["id"]
        case_ids = []
        for i in range(n_cases):
            body = {
                "data": {
                    "type": "case",
                    "attributes": {"title": f"case {i}", "type_id": str(uuid.UUID(int=1))},
                    "relationships": {"project": {"data": {"type": "project", "id": project_id}}},
                }
            }
            status, out = await client.call("POST", "/api/v2/cases", msgspec.json.encode(body))
            assert status == 201, out
            case_ids.append(msgspec.json.decode(out)["data"]["id"])

        def case(i: int) -> str:
            return case_ids[i % len(case_ids)]

        fn: Callable[[int], Awaitable[None]]
        if name == "PUT x10 asgi":
            bodies = [
                msgspec.json.encode(
                    {"data": {"type": "case", "attributes": {"insights": insights(i)}}}
                )
                for i in range(n + warmup)
            ]

            async def fn(i: int) -> None:
                status, out = await client.call(
                    "PUT", f"/api/v2/cases/{case(i)}/insights", bodies[i]
                )
                assert status == 200, out

        elif name in ("PUT x10 handler", "PUT x10 service"):
            encode = name == "PUT x10 handler"

            async def fn(i: int) -> None:
                view = await insight_service.add_insights(
                    db=db,
                    who=who,
                    case_ref=case(i),
                    insights=[Insight(x["type"], x["ref"], x["resource_id"]) for x in insights(i)],
                )
                if encode:
                    _encoder.encode(case_response(view))

        elif name == "PUT x10 sql":
            seed = new_seed(0)
            seed.org_id, seed.user_id, seed.case_ids = keys.org_id, keys.user_id, case_ids

            async def fn(i: int) -> None:
                await op_raw(db, seed, i, for_update=True)

        elif name == "GET case asgi":

            async def fn(i: int) -> None:
                status, out = await client.call("GET", f"/api/v2/cases/{case(i)}")
                assert status == 200, out

        elif name in ("GET case handler", "GET case service"):
            encode = name == "GET case handler"

            async def fn(i: int) -> None:
                view = await case_service.get_case(db=db, who=who, ref=case(i))
                if encode:
                    _encoder.encode(case_response(view))

        else:
            raise ValueError(name)
        us = await measure(fn, n, warmup)
        await client.stop()
        await db.close()
        return us
    finally:
        if pg_name is not None:
            _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


async def run(args: argparse.Namespace) -> None:
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    for engine in engines:
        got: dict[str, float] = {}
        for name in (
            "PUT x10 asgi",
            "PUT x10 handler",
            "PUT x10 service",
            "PUT x10 sql",
            "GET case asgi",
            "GET case handler",
            "GET case service",
        ):
            runs = [
                await layer(engine, name, args.requests, args.warmup, args.cases)
                for _ in range(args.repeat)
            ]
            got[name] = sorted(runs)[len(runs) // 2]
            print(f"  {engine:<10} {name:<18} {got[name]:8.1f} us CPU/request", flush=True)
        put, get = "PUT x10 ", "GET case "
        print(f"\n{engine}: CPU per request by layer (medians of {args.repeat})")
        print(f"| {'layer':<58} | {'PUT x10 us':>10} | {'GET case us':>11} |")
        print(f"|{'-' * 60}|{'-' * 12}|{'-' * 13}|")
        rows = [
            (
                "falcon + auth + body read + msgspec decode (asgi-handler)",
                got[put + "asgi"] - got[put + "handler"],
                got[get + "asgi"] - got[get + "handler"],
            ),
            (
                "response build + JSON encode (handler-service)",
                got[put + "handler"] - got[put + "service"],
                got[get + "handler"] - got[get + "service"],
            ),
            (
                "domain code around the SQL (service-sql)",
                got[put + "service"] - got[put + "sql"],
                None,
            ),
            ("SQL through opencase's data layer (sql)", got[put + "sql"], None),
            ("service total (SQL + domain)", got[put + "service"], got[get + "service"]),
            ("whole ASGI app (asgi)", got[put + "asgi"], got[get + "asgi"]),
        ]
        for label, a, b in rows:
            b_text = f"{b:11.1f}" if b is not None else f"{'-':>11}"
            print(f"| {label:<58} | {a:10.1f} | {b_text} |")
        print()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--requests", type=int, default=3000)
    p.add_argument("--warmup", type=int, default=300)
    p.add_argument("--cases", type=int, default=1000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--no-pin", action="store_true")
    args = p.parse_args()
    if not args.no_pin and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    print(
        f"in-process layers, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}: {args.requests} requests "
        f"(+{args.warmup} warm-up) per layer over {args.cases} cases, median of {args.repeat}"
    )
    uvloop.run(run(args))


if __name__ == "__main__":
    main()

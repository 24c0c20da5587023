"""The operator's routes: liveness, readiness and metrics (no key needed)."""

from __future__ import annotations

import logging

from opencase.core import migrate
from opencase.http.errors import ApiError
from opencase.http.routing import Body, Ctx, Reply, Route, State
from opencase.ops import metrics

log = logging.getLogger("opencase")


def routes(state: State) -> list[Route]:
    """/healthz, /readyz and (when on) /metrics, for the process serving `state`."""

    async def alive(ctx: Ctx) -> Reply:
        return 200, {"status": "ok", "engine": state.db.engine}

    async def ready(ctx: Ctx) -> Reply:
        head = migrate.head_revision()
        try:
            async with state.db.snapshot() as conn:
                revision = await conn.fetchval("SELECT version_num FROM alembic_version")
        except Exception as exc:
            log.warning("readiness check failed: %s", exc)
            raise ApiError.simple(503, "database unreachable") from None
        if revision != head:
            detail = f"the database schema is at {revision}, this server needs {head}"
            raise ApiError.simple(503, detail)
        return 200, {"status": "ready", "engine": state.db.engine, "revision": revision}

    async def scrape(ctx: Ctx) -> Reply:
        metrics.pool_use(state.db.pool_stats())
        data, content_type = metrics.render()
        return 200, Body(data, content_type)

    meta = [
        Route(
            "GET",
            "/healthz",
            "Health",
            "Liveness: the process answers",
            "Server",
            alive,
            200,
            auth=False,
        ),
        Route(
            "GET",
            "/readyz",
            "Ready",
            "Readiness: database reachable, schema current",
            "Server",
            ready,
            200,
            auth=False,
            errors=(503,),
        ),
    ]
    if state.settings.metrics:
        meta.append(
            Route(
                "GET",
                "/metrics",
                "Metrics",
                "Prometheus metrics",
                "Server",
                scrape,
                200,
                auth=False,
            )
        )
    return meta

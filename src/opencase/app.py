"""The ASGI application: routes of every domain, start-up and shutdown."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from typing import Any

import falcon.asgi
import msgspec

from opencase.automation import views as automation_views
from opencase.bulk import views as bulk_views
from opencase.case import edit_views as case_edit_views
from opencase.case import views as case_views
from opencase.case_type import views as case_type_views
from opencase.core import db as database
from opencase.core import migrate
from opencase.core.config import Settings, load_settings
from opencase.custom_attribute import views as custom_attribute_views
from opencase.delivery import worker_from
from opencase.favorite import views as favorite_views
from opencase.http.openapi import build_document
from opencase.http.routing import Ctx, Reply, Route, State, build_app
from opencase.identity.service import Authenticator
from opencase.insight import views as insight_views
from opencase.integration import views as integration_views
from opencase.link import views as link_views
from opencase.maintenance import views as maintenance_views
from opencase.notification import views as notification_views
from opencase.ops import health, metrics
from opencase.ops.observe import Observe
from opencase.ops.ratelimit import limiter_for
from opencase.outbox.worker import Worker
from opencase.project import views as project_views
from opencase.search import views as search_views
from opencase.timeline import views as timeline_views
from opencase.ui import pages as ui_pages
from opencase.ui import web as ui_web
from opencase.view import views as view_views
from opencase.watcher import views as watcher_views

log = logging.getLogger("opencase")

API_ROUTES: list[Route] = [
    *search_views.ROUTES,
    *case_views.ROUTES,
    *case_edit_views.ROUTES,
    *case_type_views.ROUTES,
    *custom_attribute_views.ROUTES,
    *project_views.ROUTES,
    *favorite_views.ROUTES,
    *insight_views.ROUTES,
    *timeline_views.ROUTES,
    *watcher_views.ROUTES,
    *link_views.ROUTES,
    *bulk_views.ROUTES,
    *view_views.ROUTES,
    *automation_views.ROUTES,
    *notification_views.ROUTES,
    *maintenance_views.ROUTES,
    *integration_views.ROUTES,
]


class Lifespan:
    """Opens the database when the server starts and closes it when it stops."""

    def __init__(self, state: State) -> None:
        self.state = state
        self._optimizer: asyncio.Task[None] | None = None
        self._chores: asyncio.Task[None] | None = None
        self._worker: Worker | None = None  # the outbox's deliveries (opencase.outbox)
        self._delivering: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def process_startup(self, scope: Any, event: Any) -> None:
        settings = self.state.settings
        await migrate.upgrade(settings)
        self.state.db = await database.connect(
            settings, statement_timeout_ms=settings.db_statement_timeout_ms
        )
        self.state.auth = Authenticator(self.state.db, settings.auth_cache_seconds)
        self.state.limiter = limiter_for(
            spec=settings.rate_limits,
            engine=settings.engine,
            redis_url=settings.redis_url,
            db=self.state.db,
        )
        await self.state.db.optimize(full=True)
        if settings.metrics:  # from the start: a scrape sums every worker's pool
            metrics.pool_use(self.state.db.pool_stats())
        self._optimizer = asyncio.create_task(self._optimize_every(self.state.db.optimize_every))
        self._chores = asyncio.create_task(self._every_second())
        if settings.outbox_worker:
            self._worker = worker_from(self.state.db, settings)
            self._delivering = asyncio.create_task(self._worker.run(stop=self._stop))
        # Objects made at start-up live forever: keep the collector from rescanning them.
        gc.collect()
        gc.freeze()

    async def _optimize_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await self.state.db.optimize()
            except Exception:
                log.exception("refreshing the planner's statistics failed")

    async def _every_second(self) -> None:
        """The pool gauge for the metrics; once a minute, forget ended rate-limit windows."""
        ticks = 0
        while True:
            await asyncio.sleep(1)
            ticks += 1
            try:
                if self.state.settings.metrics:
                    metrics.pool_use(self.state.db.pool_stats())
                if ticks % 60 == 0 and self.state.limiter is not None:
                    await self.state.limiter.counters.prune()
            except Exception:
                log.exception("a periodic chore failed")

    async def process_shutdown(self, scope: Any, event: Any) -> None:
        for task in (self._optimizer, self._chores):
            if task is not None:
                task.cancel()
        if self._delivering is not None and self._worker is not None:
            self._stop.set()  # the round in flight finishes; its outcomes are recorded
            await self._delivering
            await self._worker.close()
        if self.state.limiter is not None:
            await self.state.limiter.counters.close()
        if self.state.db is not None:
            await self.state.db.optimize()
            await self.state.db.close()
        metrics.process_exited(os.getpid())


def create_app(settings: Settings | None = None) -> falcon.asgi.App[Any, Any]:
    """The opencase ASGI app (uvicorn calls this as a factory)."""
    state = State(settings or load_settings())

    async def openapi(ctx: Ctx) -> Reply:
        return 200, document

    meta_routes = [
        *health.routes(state),
        Route(
            "GET",
            "/api/v2/openapi.json",
            "OpenAPI",
            "This document",
            "Server",
            openapi,
            200,
            auth=False,
        ),
    ]
    routes = API_ROUTES + meta_routes
    document = msgspec.json.encode(build_document(routes))
    settings = state.settings
    observe = Observe(
        access_log=settings.access_log,
        metrics=settings.metrics,
        max_header_bytes=settings.max_header_bytes,
    )
    app = build_app(state, routes, [observe, Lifespan(state)])
    ui_web.mount(app, state, ui_pages.ROUTES)
    return app

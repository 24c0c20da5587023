"""The ASGI application: routes of every domain, start-up and shutdown."""

from __future__ import annotations

import asyncio
import gc
import logging
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
from opencase.http.errors import ApiError
from opencase.http.openapi import build_document
from opencase.http.routing import Ctx, Reply, Route, State, build_app
from opencase.identity.service import Authenticator
from opencase.insight import views as insight_views
from opencase.integration import views as integration_views
from opencase.link import views as link_views
from opencase.maintenance import views as maintenance_views
from opencase.notification import views as notification_views
from opencase.outbox.worker import Worker
from opencase.project import views as project_views
from opencase.search import views as search_views
from opencase.timeline import views as timeline_views
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
        self._worker: Worker | None = None  # the outbox's deliveries (opencase.outbox)
        self._delivering: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    async def process_startup(self, scope: Any, event: Any) -> None:
        settings = self.state.settings
        await migrate.upgrade(settings)
        self.state.db = await database.connect(settings)
        self.state.auth = Authenticator(self.state.db, settings.auth_cache_seconds)
        await self.state.db.optimize(full=True)
        self._optimizer = asyncio.create_task(self._optimize_every(self.state.db.optimize_every))
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

    async def process_shutdown(self, scope: Any, event: Any) -> None:
        if self._optimizer is not None:
            self._optimizer.cancel()
        if self._delivering is not None and self._worker is not None:
            self._stop.set()  # the round in flight finishes; its outcomes are recorded
            await self._delivering
            await self._worker.close()
        if self.state.db is not None:
            await self.state.db.optimize()
            await self.state.db.close()


def create_app(settings: Settings | None = None) -> falcon.asgi.App[Any, Any]:
    """The opencase ASGI app (uvicorn calls this as a factory)."""
    state = State(settings or load_settings())

    async def health(ctx: Ctx) -> Reply:
        try:
            async with state.db.snapshot() as conn:
                await conn.fetchval("SELECT 1")
        except Exception as exc:
            log.warning("health check failed: %s", exc)
            raise ApiError.simple(
                503, "database unreachable", title="Service Unavailable"
            ) from None
        return 200, {"status": "ok", "engine": state.db.engine}

    async def openapi(ctx: Ctx) -> Reply:
        return 200, document

    meta_routes = [
        Route(
            "GET",
            "/healthz",
            "Health",
            "Liveness and database check",
            "Server",
            health,
            200,
            auth=False,
        ),
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
    return build_app(state, routes, [Lifespan(state)])

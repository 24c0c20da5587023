"""Falcon middleware around every request: request id, head size limit, metrics, access log."""

from __future__ import annotations

import logging
import time
from typing import Any

from opencase.http.errors import ApiError
from opencase.ops import metrics
from opencase.ops.logs import new_request_id, request_id

access = logging.getLogger("opencase.access")


class Observe:
    def __init__(self, *, access_log: bool, metrics: bool, max_header_bytes: int) -> None:
        self.access_log = access_log
        self.metrics = metrics
        self.max_header_bytes = max_header_bytes

    async def process_request(self, req: Any, resp: Any) -> None:
        req.context.started = time.perf_counter()
        rid = new_request_id(req.get_header("X-Request-Id"))
        request_id.set(rid)
        resp.set_header("X-Request-Id", rid)
        size = sum(len(k) + len(v) + 4 for k, v in req.scope["headers"])
        if size > self.max_header_bytes:
            raise ApiError.simple(
                431,
                f"request headers take {size} bytes, more than {self.max_header_bytes}",
            )

    async def process_response(
        self, req: Any, resp: Any, resource: object, req_succeeded: bool
    ) -> None:
        seconds = time.perf_counter() - req.context.started
        status = resp.status_code
        route = req.uri_template or "unmatched"
        if self.metrics:
            metrics.observe(req.method, route, status, seconds)
        if self.access_log:
            access.info(
                "request",
                extra={
                    "method": req.method,
                    "path": req.path,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                    "org_id": req.context.get("org_id"),
                    "remote": req.remote_addr,
                },
            )

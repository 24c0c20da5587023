"""Prometheus metrics (the standard `prometheus_client`), served at /metrics.

With several worker processes (`opencase serve --workers N`) each process writes its samples
to files in PROMETHEUS_MULTIPROC_DIR (set by `opencase serve` to a fresh directory unless the
operator sets one), and a scrape of any process answers for all of them on that host.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "opencase_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "opencase_http_request_duration_seconds",
    "Time from a request's arrival to its response, by method and route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
RATE_LIMITED = Counter(
    "opencase_rate_limit_rejections",
    "Requests refused with 429, by rate-limit name (operation family).",
    ["name"],
)
POOL = Gauge(
    "opencase_db_pool_connections",
    "Database connections of the process's pool: open, in use, and the most it may open.",
    ["state"],
    multiprocess_mode="livesum",
)

# Children by labels, kept here: prometheus_client's .labels() takes a lock and builds a key.
_requests: dict[tuple[str, str, int], Any] = {}
_latency: dict[tuple[str, str], Any] = {}


def observe(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request and its latency."""
    key = (method, route, status)
    counter = _requests.get(key)
    if counter is None:
        counter = _requests[key] = REQUESTS.labels(method, route, str(status))
    counter.inc()
    histogram = _latency.get(key[:2])
    if histogram is None:
        histogram = _latency[key[:2]] = LATENCY.labels(method, route)
    histogram.observe(seconds)


def rate_limited(name: str) -> None:
    RATE_LIMITED.labels(name).inc()


def pool_use(stats: dict[str, int]) -> None:
    for state, value in stats.items():
        POOL.labels(state).set(value)


def render() -> tuple[bytes, str]:
    """The exposition text of every process of this server (one, or all of a host's)."""
    if os.environ.get(MULTIPROCESS_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def process_exited(pid: int) -> None:
    """Drop a stopped process's live gauges (its counters still count)."""
    if os.environ.get(MULTIPROCESS_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]

"""Time as integer microseconds since the Unix epoch, and its RFC 3339 rendering."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def now_us() -> int:
    return time.time_ns() // 1000


def rfc3339(us: int) -> str:
    """`2026-11-28T12:00:00.123456Z`: UTC, microsecond precision."""
    seconds, micros = divmod(us, 1_000_000)
    moment = datetime.fromtimestamp(seconds, UTC).replace(microsecond=micros)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rfc3339_opt(us: int | None) -> str | None:
    return None if us is None else rfc3339(us)

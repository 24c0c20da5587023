"""`python -m opencase` with opt-in patches, to measure suggested changes before making them.

    OPENCASE_BENCH_PATCHES=rfc3339,gc python bench/run.py --server-script \
        bench/experiments/patched_serve.py --only put10

Patches (comma-separated in OPENCASE_BENCH_PATCHES; none: plain opencase):
  rfc3339  timestamps rendered from a per-second cache of the date-time prefix (same output as
           opencase.core.clock.rfc3339, without datetime.fromtimestamp + strftime per call).
  gc       gc.set_threshold(50_000, 20, 100) after start-up, instead of CPython's (700, 10, 10):
           fewer young-generation collections (requests allocate thousands of tracked objects).
"""

from __future__ import annotations

import gc
import os
import sys
import time

PATCHES = {p for p in os.environ.get("OPENCASE_BENCH_PATCHES", "").split(",") if p}


def _patch_rfc3339() -> None:
    from opencase.case import schemas
    from opencase.core import clock

    cache: dict[int, str] = {}
    gmtime = time.gmtime

    def rfc3339(us: int) -> str:
        seconds, micros = divmod(us, 1_000_000)
        head = cache.get(seconds)
        if head is None:
            t = gmtime(seconds)
            head = (
                f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"
                f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}."
            )
            if len(cache) > 4096:
                cache.clear()
            cache[seconds] = head
        return f"{head}{micros:06d}Z"

    def rfc3339_opt(us: int | None) -> str | None:
        return None if us is None else rfc3339(us)

    assert rfc3339(1_795_000_000_123_456) == clock.rfc3339(1_795_000_000_123_456)
    for module in (clock, schemas):
        module.rfc3339 = rfc3339  # type: ignore[attr-defined]
        module.rfc3339_opt = rfc3339_opt  # type: ignore[attr-defined]


def _patch_gc() -> None:
    from opencase import app

    original = app.Lifespan.process_startup

    async def process_startup(self, scope, event):  # type: ignore[no-untyped-def]
        await original(self, scope, event)
        gc.set_threshold(50_000, 20, 100)

    app.Lifespan.process_startup = process_startup  # type: ignore[method-assign]


def main() -> int:
    unknown = PATCHES - {"rfc3339", "gc"}
    if unknown:
        raise SystemExit(f"unknown patches {sorted(unknown)}")
    if "rfc3339" in PATCHES:
        _patch_rfc3339()
    if "gc" in PATCHES:
        _patch_gc()
    print(f"patched_serve: patches {sorted(PATCHES) or 'none'}", file=sys.stderr, flush=True)
    from opencase.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())

"""What the outbox costs the write path: bench/run.py on the insight PUT (1 and 10 insights)
and the case POST, at a revision before the outbox wrote changes (`--before`, default 2c8f921)
and at the working tree, alternating rounds in one session so that both see the same machine.

    python bench/outbox_cost.py [--before REV] [--rounds 3] [--duration 8] [--engine both]

Every change now writes one more row (its outbox change) in its transaction, and the worker
running inside `opencase serve` fans it out (reads the event, deletes the change) on the same
core. The before revision runs from a temporary `git worktree` through PYTHONPATH. Prints the
median req/s, p99 and CPU/request of each side and the ratio after/before.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(src: Path, engine: str, duration: float, only: str, out: Path) -> list[dict[str, object]]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, str(ROOT / "bench" / "run.py"), "--engine", engine, "--duration",
           str(duration), "--only", only, "--skip-bare", "--json", str(out)]  # fmt: skip
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    rows: list[dict[str, object]] = json.loads(out.read_text())
    return rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--before", default="2c8f921")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=float, default=8)
    p.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--only", default="create,put1,put10")
    args = p.parse_args()
    results: dict[tuple[str, str, str], list[dict[str, object]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "before"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree),
                        args.before], check=True, capture_output=True)  # fmt: skip
        try:
            for n in range(args.rounds):
                for side, src in (("before", tree / "src"), ("after", ROOT / "src")):
                    print(f"round {n + 1}/{args.rounds}: {side}", file=sys.stderr, flush=True)
                    out = Path(tmp) / f"{side}-{n}.json"
                    for row in _run(src, args.engine, args.duration, args.only, out):
                        key = (str(row["engine"]), str(row["scenario"]), side)
                        results.setdefault(key, []).append(row)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                           check=False, capture_output=True)  # fmt: skip

    def med(rows: list[dict[str, object]], field: str) -> float:
        return statistics.median(float(str(r[field])) for r in rows)

    print(f"before = {args.before}, after = working tree; medians of {args.rounds} rounds of "
          f"{args.duration:g} s, 32 connections")  # fmt: skip
    print(f"{'engine':10} {'scenario':8} {'before r/s':>10} {'after r/s':>10} {'ratio':>6} "
          f"{'p99 b/a ms':>13} {'CPU b/a ms':>13}")  # fmt: skip
    for engine, scenario in sorted({(e, s) for e, s, _ in results}):
        b, a = results[engine, scenario, "before"], results[engine, scenario, "after"]
        print(f"{engine:10} {scenario:8} {med(b, 'rps'):10.0f} {med(a, 'rps'):10.0f} "
              f"{med(a, 'rps') / med(b, 'rps'):6.3f} "
              f"{med(b, 'p99_ms'):6.1f}/{med(a, 'p99_ms'):<6.1f} "
              f"{med(b, 'cpu_ms_per_req'):6.3f}/{med(a, 'cpu_ms_per_req'):<6.3f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

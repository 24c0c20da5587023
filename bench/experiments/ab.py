"""A/B of patched_serve.py patches: alternate plain and patched servers, compare medians.

    python bench/experiments/ab.py [--engine sqlite] [--only put10,get1000] [--rounds 3]
        [--variants none,rfc3339,gc,rfc3339+gc] [--duration 8]

Each round runs bench/run.py once per variant (variants alternate, so drifting machine load hits
them alike) and the medians of req/s and server CPU/request are printed per scenario.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--engine", default="sqlite")
    p.add_argument("--only", default="put10,get1000")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--variants", default="none,rfc3339,gc,rfc3339+gc")
    p.add_argument("--duration", type=int, default=8)
    p.add_argument("--extra", default="", help="extra arguments for run.py, space-separated")
    args = p.parse_args()
    variants = args.variants.split(",")
    got: dict[tuple[str, str], list[dict]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        for rnd in range(args.rounds):
            for v in variants:
                out = Path(tmp) / f"{rnd}-{v}.json"
                env = dict(
                    os.environ, OPENCASE_BENCH_PATCHES="" if v == "none" else v.replace("+", ",")
                )
                cmd = [
                    sys.executable,
                    str(HERE.parent / "run.py"),
                    "--engine",
                    args.engine,
                    "--only",
                    args.only,
                    "--duration",
                    str(args.duration),
                    "--json",
                    str(out),
                    "--server-script",
                    str(HERE / "patched_serve.py"),
                    "--skip-bare",
                    *args.extra.split(),
                ]
                r = subprocess.run(cmd, env=env, capture_output=True, text=True)
                if r.returncode != 0:
                    print(r.stdout[-2000:], r.stderr[-2000:])
                    return 1
                for row in json.loads(out.read_text()):
                    got[row["scenario"], v].append(row)
                print(f"round {rnd + 1} {v}: done", flush=True)
    scenarios = list(dict.fromkeys(s for s, _ in got))
    print(f"\nmedians over {args.rounds} rounds ({args.engine})")
    print(
        f"| {'scenario':<34} | {'variant':<12} | {'req/s':>7} | {'CPU ms/req':>10} | "
        f"{'vs none':>8} | {'other load':>10} |"
    )
    print("|" + "|".join("-" * w for w in (36, 14, 9, 12, 10, 12)) + "|")
    for s in scenarios:
        base = None
        for v in variants:
            rows = got[s, v]
            rps = statistics.median(r["rps"] for r in rows)
            cpu = statistics.median(r["cpu_ms_per_req"] for r in rows)
            other = statistics.median(r["other_cpu_pct"] for r in rows)
            base = base or cpu
            print(
                f"| {s:<34} | {v:<12} | {rps:>7.0f} | {cpu:>10.3f} | "
                f"{100 * (cpu / base - 1):>+7.1f}% | {other:>9.0f}% |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Delivery throughput of one outbox worker against a local receiver, on both engines.

    python bench/outbox.py [--deliveries 5000] [--engines sqlite,postgresql]

Per engine, on a fresh database migrated by opencase: one organisation, one webhook pointing
at a minimal asyncio HTTP receiver in this process (it answers 204 at once and notes the
arrival time of each delivery id). Then (1) a backlog of `--deliveries` rows, written in
transactions of 100, drained by one `opencase.outbox.worker.Worker`: deliveries/s; (2) 1,000
rows written 10 per transaction every 20 ms (500/s) while the worker runs: the
commit-to-delivery latency (p50, p99), from the COMMIT of the transaction that wrote a row
to its arrival at the receiver; (3) the whole way from a change: a notification rule
(COMMENT_ADDED -> the webhook), then 1,000 comments (CommentCase's service, 10 every 20 ms, on
10 cases): each comment's change is fanned out by the worker (the rule read, the case read and
rendered, its delivery written) and delivered; commit-to-delivery p50 and p99, and the rate of
a backlog of `--deliveries` / 5 comments. Worker and receiver share this process (and its event
loop), so the figures are a floor for a worker on its own.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_export import Fresh  # a fresh migrated database of one engine

from opencase.case.service import create_case
from opencase.core.config import Settings
from opencase.delivery import adapters
from opencase.fanout.service import fan_out
from opencase.identity import service as identity
from opencase.identity.models import Principal
from opencase.notification.models import Recipient, Trigger
from opencase.notification.service import create_rule
from opencase.outbox import service as outbox
from opencase.outbox.worker import Worker
from opencase.project.service import create_project
from opencase.timeline.service import comment_case
from opencase.webhook import service as webhooks


class Receiver:
    """HTTP/1.1 keep-alive server: reads each request, answers 204, notes when it came."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                headers = dict(
                    line.split(": ", 1) for line in head.decode().split("\r\n")[1:] if ": " in line
                )
                length = int(headers.get("content-length", headers.get("Content-Length", "0")))
                await reader.readexactly(length)
                delivery = headers.get("x-opencase-delivery") or headers["X-Opencase-Delivery"]
                self.arrived[delivery] = time.perf_counter()
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


async def bench(engine: str, deliveries: int, pg: str) -> dict[str, Any]:
    receiver = Receiver()
    server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        async with Fresh(engine, Path(tmp), pg) as db:
            keys = await identity.create_keys(
                db=db, org_name="bench", user_email="b@bench.test", scopes=["x"]
            )
            hook = await webhooks.create_webhook(
                db=db, org_name="bench", name="sink", url=f"http://127.0.0.1:{port}/",
                secret="bench-secret-bench-secret",
            )  # fmt: skip
            org_id = keys.org_id

            async def write(n: int, per_transaction: int) -> dict[str, float]:
                committed: dict[str, float] = {}
                for _ in range(n // per_transaction):
                    async with db.transaction() as conn:
                        ids = [
                            await outbox.enqueue(
                                conn, org_id=org_id, case_id=str(uuid.uuid4()),
                                event="case.updated", target_kind="webhook", target_id=hook.id,
                                payload={"data": {"attributes": {"title": "x" * 200}}},
                            )
                            for _ in range(per_transaction)
                        ]  # fmt: skip
                    committed.update(dict.fromkeys(ids, time.perf_counter()))
                return committed

            async def arrived(ids: dict[str, float]) -> None:
                while any(i not in receiver.arrived for i in ids):
                    await asyncio.sleep(0.005)

            # 1. A backlog: every row written first, then one worker drains it.
            backlog = await write(deliveries, 100)
            worker = Worker(db, batch=100, adapters=adapters(Settings()), fan_out=fan_out)
            stop = asyncio.Event()
            started = time.perf_counter()
            running = asyncio.create_task(worker.run(poll_seconds=0.01, stop=stop))
            await arrived(backlog)
            rate = len(backlog) / (time.perf_counter() - started)
            # 2. Paced: 10 changes every 20 ms (500/s), each delivered as it comes.
            paced: dict[str, float] = {}
            for _ in range(100):
                paced.update(await write(10, 10))
                await asyncio.sleep(0.02)
            await arrived(paced)
            # 3. From changes: comments, each fanned out by the rule into one delivery.
            who = Principal(org_id, keys.user_id, frozenset())
            project = await create_project(
                db=db, who=who, key="B", name="bench", enabled_custom_case_types=[]
            )
            await create_rule(
                db=db, who=who, project_id=project.id, is_enabled=True, query="",
                recipients=[Recipient("HTTP", {"name": "sink"})],
                triggers=[Trigger("COMMENT_ADDED")],
            )  # fmt: skip
            cases = [
                (await create_case(
                    db=db, who=who, project_id=project.id, title=f"case {n}",
                    type_id="00000000-0000-0000-0000-000000000001", description="",
                    priority=0, status_name=None, assignee_id=None, custom_attributes={},
                )).case.id
                for n in range(10)
            ]  # fmt: skip
            seen = set(receiver.arrived)

            async def comment(n: int) -> float:
                await comment_case(db=db, who=who, case_ref=cases[n % 10], message=f"c{n}")
                return time.perf_counter()

            async def new_arrivals(count: int) -> list[float]:
                while len(set(receiver.arrived) - seen) < count:
                    await asyncio.sleep(0.005)
                fresh = sorted(receiver.arrived[i] for i in set(receiver.arrived) - seen)
                seen.update(receiver.arrived)
                return fresh

            stop.set()  # a backlog of comments first, then the worker again
            await running
            backlog_changes = deliveries // 5
            for n in range(backlog_changes):
                await comment(n)
            stop = asyncio.Event()
            started = time.perf_counter()
            running = asyncio.create_task(worker.run(poll_seconds=0.01, stop=stop))
            await new_arrivals(backlog_changes)
            change_rate = backlog_changes / (time.perf_counter() - started)
            commits: list[float] = []
            for n in range(100):
                commits += await asyncio.gather(*(comment(10 * n + i) for i in range(10)))
                await asyncio.sleep(0.02)
            arrivals = await new_arrivals(len(commits))
            stop.set()
            await running
            await worker.close()
    server.close()
    latencies = sorted(1000 * (receiver.arrived[i] - at) for i, at in paced.items())
    # Comments of one round go to ten cases and arrive in any order: compare sorted times.
    from_changes = sorted(1000 * (a - c) for a, c in zip(arrivals, sorted(commits), strict=True))
    return {
        "engine": engine,
        "rate": rate,
        "p50": statistics.median(latencies),
        "p99": latencies[int(0.99 * (len(latencies) - 1))],
        "change_rate": change_rate,
        "change_p50": statistics.median(from_changes),
        "change_p99": from_changes[int(0.99 * (len(from_changes) - 1))],
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--deliveries", type=int, default=5000)
    p.add_argument("--engines", default="sqlite,postgresql")
    p.add_argument("--pg", default="postgresql://127.0.0.1:5432/test", help="admin database URL")
    args = p.parse_args()
    print(f"one worker (batch 100): a backlog of {args.deliveries}; then 500 rows/s; then "
          f"comments through a notification rule: a backlog of {args.deliveries // 5}, then "
          "500 comments/s")  # fmt: skip
    print("| engine | backlog deliveries/s | paced commit→delivery p50 / p99 ms "
          "| comment backlog changes/s | paced comment→delivery p50 / p99 ms |")  # fmt: skip
    print("|---|---:|---:|---:|---:|")
    for engine in args.engines.split(","):
        r = asyncio.run(bench(engine, args.deliveries, args.pg))
        rows = f"| {r['engine']} | {r['rate']:,.0f} | {r['p50']:.1f} / {r['p99']:.1f} "
        rows += f"| {r['change_rate']:,.0f} | {r['change_p50']:.1f} / {r['change_p99']:.1f} |"
        print(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

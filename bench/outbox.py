"""Delivery throughput of one outbox worker against a local receiver, on both engines.

    python bench/outbox.py [--deliveries 5000] [--engines sqlite,postgresql]

Per engine, on a fresh database migrated by opencase: one organisation, one webhook pointing
at a minimal asyncio HTTP receiver in this process (it answers 204 at once and notes the
arrival time of each delivery id). Then (1) a backlog of `--deliveries` rows, written in
transactions of 100, drained by one `opencase.outbox.worker.Worker`: deliveries/s; (2) 1,000
rows written 10 per transaction every 20 ms (500/s) while the worker runs: the
commit-to-delivery latency (p50, p99), from the COMMIT of the transaction that wrote a row
to its arrival at the receiver. Worker and receiver share this
process (and its event loop), so the figures are a floor for a worker on its own.
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

from opencase.identity import service as identity
from opencase.outbox import service as outbox
from opencase.outbox.worker import Worker
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
            worker = Worker(db, batch=100)
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
            stop.set()
            await running
            await worker.close()
    server.close()
    latencies = sorted(1000 * (receiver.arrived[i] - at) for i, at in paced.items())
    return {
        "engine": engine,
        "rate": rate,
        "p50": statistics.median(latencies),
        "p99": latencies[int(0.99 * (len(latencies) - 1))],
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--deliveries", type=int, default=5000)
    p.add_argument("--engines", default="sqlite,postgresql")
    p.add_argument("--pg", default="postgresql://127.0.0.1:5432/test", help="admin database URL")
    args = p.parse_args()
    print(f"one worker (batch 100): a backlog of {args.deliveries}; then 500 changes/s")
    print("| engine | backlog deliveries/s | paced commit→delivery p50 ms | p99 ms |")
    print("|---|---:|---:|---:|")
    for engine in args.engines.split(","):
        r = asyncio.run(bench(engine, args.deliveries, args.pg))
        print(f"| {r['engine']} | {r['rate']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

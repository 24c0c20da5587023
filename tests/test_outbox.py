"""The outbox and its worker (opencase.outbox), below HTTP: a delivery written in a
transaction is posted once it commits, signed, with the same delivery id on every try;
failures back off and end dead; a rolled-back change delivers nothing; two workers on one
PostgreSQL deliver each row once. Receivers are small HTTP servers in the test process."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from case_db import ENGINES, Engine, migrated_engine
from conftest import Server

from opencase.core.db import Database
from opencase.identity import service as identity
from opencase.outbox import service as outbox
from opencase.outbox import signing
from opencase.outbox.worker import Worker, backoff_us
from opencase.webhook import service as webhooks

SECRET = "s3cret-s3cret-s3cret"


class Receiver:
    """An HTTP server recording every POST; answers `fail_first` of them with 500."""

    def __init__(self, fail_first: int = 0) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail_first = fail_first
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.received.append({"headers": dict(self.headers), "body": body})
                    failing = len(receiver.received) <= receiver.fail_first
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def ids(self) -> list[str]:
        return [r["headers"][signing.DELIVERY_HEADER] for r in self.received]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with migrated_engine(request.param, tmp_path) as e:
        yield e


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def _org_and_hook(engine: Engine, url: str) -> tuple[str, str]:
    keys = engine.run(
        identity.create_keys(db=engine.db, org_name="acme", user_email="a@acme.test", scopes=["x"])
    )
    hook = engine.run(
        webhooks.create_webhook(db=engine.db, org_name="acme", name="ops", url=url, secret=SECRET)
    )
    return keys.org_id, hook.id


async def _enqueue(db: Database, org_id: str, hook_id: str, n: int = 1) -> list[str]:
    async with db.transaction() as conn:
        return [
            await outbox.enqueue(
                conn, org_id=org_id, case_id=None, event="case.created", target_kind="webhook",
                target_id=hook_id, payload={"data": {"n": i}},
            )
            for i in range(n)
        ]  # fmt: skip


def _drain(engine: Engine, worker: Worker, rounds: int = 50) -> None:
    """Run the worker until nothing is due for a moment (retries are due within ms here)."""

    async def run() -> None:
        idle = 0
        for _ in range(rounds):
            idle = 0 if await worker.deliver_due() else idle + 1
            if idle >= 3:
                return
            await asyncio.sleep(0.02)

    engine.run(run())


def _states(engine: Engine) -> list[tuple[str, int]]:
    found = engine.run(outbox.list_deliveries(db=engine.db, org_name="acme"))
    return [(d.state, d.attempts) for d in found]


def test_a_committed_delivery_is_posted_signed(engine: Engine, receiver: Receiver) -> None:
    org_id, hook_id = _org_and_hook(engine, receiver.url)
    [delivery_id] = engine.run(_enqueue(engine.db, org_id, hook_id))
    worker = Worker(engine.db)
    _drain(engine, worker)
    engine.run(worker.close())
    [got] = receiver.received
    assert got["headers"][signing.DELIVERY_HEADER] == delivery_id
    assert got["headers"][signing.EVENT_HEADER] == "case.created"
    assert signing.verify(SECRET, got["body"], got["headers"][signing.HEADER])
    assert not signing.verify(
        "another secret entirely", got["body"], got["headers"][signing.HEADER]
    )
    assert json.loads(got["body"]) == {"id": delivery_id, "event": "case.created", "data": {"n": 0}}
    assert _states(engine) == [("delivered", 1)]


def test_a_rolled_back_change_delivers_nothing(engine: Engine, receiver: Receiver) -> None:
    org_id, hook_id = _org_and_hook(engine, receiver.url)

    async def fail_after_enqueue() -> None:
        async with engine.db.transaction() as conn:
            await outbox.enqueue(
                conn, org_id=org_id, case_id=None, event="case.created", target_kind="webhook",
                target_id=hook_id, payload={},
            )  # fmt: skip
            raise RuntimeError("the change fails after its delivery was written")

    with pytest.raises(RuntimeError):
        engine.run(fail_after_enqueue())
    worker = Worker(engine.db)
    _drain(engine, worker, rounds=5)
    engine.run(worker.close())
    assert receiver.received == []
    assert _states(engine) == []


def test_failures_retry_with_the_same_delivery_id(engine: Engine) -> None:
    receiver = Receiver(fail_first=3)
    try:
        org_id, hook_id = _org_and_hook(engine, receiver.url)
        [delivery_id] = engine.run(_enqueue(engine.db, org_id, hook_id))
        worker = Worker(engine.db, backoff_seconds=0.01)
        _drain(engine, worker)
        engine.run(worker.close())
    finally:
        receiver.server.shutdown()
    assert receiver.ids() == [delivery_id] * 4
    assert _states(engine) == [("delivered", 4)]


def test_a_receiver_that_always_fails_ends_dead_until_retried(engine: Engine) -> None:
    receiver = Receiver(fail_first=10**6)
    try:
        org_id, hook_id = _org_and_hook(engine, receiver.url)
        [delivery_id] = engine.run(_enqueue(engine.db, org_id, hook_id))
        worker = Worker(engine.db, backoff_seconds=0.01, max_attempts=3)
        _drain(engine, worker)
        [dead] = engine.run(outbox.list_deliveries(db=engine.db, org_name="acme", state="dead"))
        assert (dead.id, dead.attempts, dead.last_error) == (delivery_id, 3, "HTTP 500")
        assert len(receiver.received) == 3
        receiver.fail_first = 0  # the receiver is fixed; an operator retries
        engine.run(outbox.retry_delivery(db=engine.db, org_name="acme", delivery_id=delivery_id))
        _drain(engine, worker)
        engine.run(worker.close())
    finally:
        receiver.server.shutdown()
    assert receiver.ids() == [delivery_id] * 4
    assert _states(engine) == [("delivered", 1)]


def test_a_deleted_webhook_ends_its_deliveries_dead(engine: Engine, receiver: Receiver) -> None:
    org_id, hook_id = _org_and_hook(engine, receiver.url)
    engine.run(_enqueue(engine.db, org_id, hook_id))
    engine.run(webhooks.delete_webhook(db=engine.db, org_name="acme", name="ops"))
    worker = Worker(engine.db)
    _drain(engine, worker)
    engine.run(worker.close())
    [dead] = engine.run(outbox.list_deliveries(db=engine.db, org_name="acme"))
    assert (dead.state, dead.target) == ("dead", "webhook:(deleted)")
    assert dead.last_error == f"target gone: no webhook {hook_id!r} is registered"
    assert receiver.received == []


def test_backoff_doubles_with_jitter_and_starts_within_two_seconds() -> None:
    firsts = [backoff_us(1, 1.0) for _ in range(200)]
    assert all(500_000 <= us <= 1_000_000 for us in firsts)
    assert len(set(firsts)) > 100  # jittered
    assert all(4_000_000 <= backoff_us(4, 1.0) <= 8_000_000 for _ in range(50))
    assert backoff_us(40, 1.0) <= 3_600_000_000


@pytest.mark.postgresql
def test_two_workers_on_one_postgresql_deliver_each_row_once(
    tmp_path: Path, receiver: Receiver
) -> None:
    with migrated_engine("postgresql", tmp_path) as engine:
        org_id, hook_id = _org_and_hook(engine, receiver.url)
        ids = engine.run(_enqueue(engine.db, org_id, hook_id, n=300))

        async def both() -> None:
            workers = [Worker(engine.db, batch=7), Worker(engine.db, batch=7)]

            async def drain(worker: Worker) -> None:
                idle = 0
                while idle < 3:
                    idle = 0 if await worker.deliver_due() else idle + 1
                    await asyncio.sleep(0.01)

            await asyncio.gather(*(drain(w) for w in workers))
            for w in workers:
                await w.close()

        engine.run(both())
    assert sorted(receiver.ids()) == sorted(ids)


def test_webhooks_and_outbox_from_the_command_line(server: Server) -> None:
    """The secret goes in on standard input only and never comes out again."""
    server.create_keys("acme", "a@acme.test")
    url = "http://127.0.0.1:9/hook"
    base = ["webhooks", "create", "--org", "acme", "--name", "ops", "--url", url]
    refused = server.cli(*base, check=False)
    assert refused.returncode == 2 and "--secret-stdin" in refused.stderr
    short = server.cli(*base, "--secret-stdin", input="short\n", check=False)
    assert short.returncode == 2 and "at least" in short.stderr
    made = server.cli(*base, "--secret-stdin", input=SECRET + "\n")
    assert "ops" in made.stdout and SECRET not in made.stdout + made.stderr
    again = server.cli(*base, "--secret-stdin", input=SECRET + "\n", check=False)
    assert again.returncode == 2 and "already exists" in again.stderr
    listed = server.cli("webhooks", "list", "--org", "acme", "--json").stdout
    assert [(h["name"], h["url"]) for h in json.loads(listed)] == [("ops", url)]
    assert SECRET not in listed
    assert json.loads(server.cli("outbox", "list", "--org", "acme", "--json").stdout) == []
    missing = server.cli(
        "outbox", "retry", "--org", "acme", "00000000-0000-4000-8000-000000000000", check=False
    )
    assert missing.returncode == 2 and "not found" in missing.stderr
    server.cli("webhooks", "delete", "--org", "acme", "ops")
    assert json.loads(server.cli("webhooks", "list", "--org", "acme", "--json").stdout) == []


def test_rows_of_a_worker_that_died_are_delivered_after_its_lease(
    engine: Engine, receiver: Receiver
) -> None:
    org_id, hook_id = _org_and_hook(engine, receiver.url)
    [delivery_id] = engine.run(_enqueue(engine.db, org_id, hook_id))
    dying = Worker(engine.db, lease_seconds=0.5)
    assert len(engine.run(dying._claim())[0]) == 1  # taken, then the worker "dies"
    engine.run(dying.close())
    other = Worker(engine.db)
    assert engine.run(other.deliver_due()) == 0  # held: not due while the lease runs

    async def after_the_lease() -> int:
        await asyncio.sleep(0.6)
        return await other.deliver_due()

    assert engine.run(after_the_lease()) == 1
    engine.run(other.close())
    assert receiver.ids() == [delivery_id]

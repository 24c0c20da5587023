"""The rate limiter's batching, in process: requests that arrive together share one
increment of the counter, and each still gets a count of its own (see also the HTTP tests in
test_production.py, which run it across two processes)."""

from __future__ import annotations

import asyncio

from opencase.ops.ratelimit import MemoryCounters, RateLimiter


class SlowCounters(MemoryCounters):
    """In-memory counters whose increment takes a round trip's time, noting each batch."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    async def hit(self, org_id: str, name: str, period: int, n: int) -> tuple[int, float]:
        self.batches.append(n)
        await asyncio.sleep(0.01)
        return await super().hit(org_id, name, period, n)


async def _burst(n: int, limit: int) -> tuple[SlowCounters, list[tuple[int, bool]]]:
    counters = SlowCounters()
    limiter = RateLimiter({"cases_read": (limit, 3600)}, counters)
    decisions = await asyncio.gather(*(limiter.check("org", "cases_read") for _ in range(n)))
    return counters, [(d.remaining, d.admitted) for d in decisions if d is not None]


def test_a_burst_shares_increments_and_each_request_gets_its_own_count() -> None:
    counters, decisions = asyncio.run(_burst(50, 30))
    assert counters.batches == [50]  # all arrived before the first increment went out
    assert sorted(r for r, ok in decisions if ok) == list(range(30))
    assert [r for r, ok in decisions if not ok] == [0] * 20
    # Arrival order is count order: the first 30 callers were the admitted ones.
    assert [ok for _, ok in decisions] == [True] * 30 + [False] * 20


def test_requests_arriving_during_an_increment_go_in_the_next() -> None:
    async def go() -> tuple[SlowCounters, list[int]]:
        counters = SlowCounters()
        limiter = RateLimiter({"cases_read": (100, 3600)}, counters)
        first = asyncio.ensure_future(limiter.check("org", "cases_read"))
        await asyncio.sleep(0.005)  # the first increment is on its way
        rest = [limiter.check("org", "cases_read") for _ in range(9)]
        decisions = [await first, *await asyncio.gather(*rest)]
        return counters, [d.remaining for d in decisions if d is not None]

    counters, remaining = asyncio.run(go())
    assert counters.batches == [1, 9]
    assert remaining == list(range(99, 89, -1))


def test_a_lone_request_is_not_held_back() -> None:
    counters, decisions = asyncio.run(_burst(1, 10))
    assert counters.batches == [1] and decisions == [(9, True)]


def test_a_failing_store_fails_the_batch_open() -> None:
    class Down(MemoryCounters):
        async def hit(self, org_id: str, name: str, period: int, n: int) -> tuple[int, float]:
            raise ConnectionError("refused")

    async def go() -> list[object]:
        limiter = RateLimiter({"cases_read": (1, 60)}, Down())
        return list(await asyncio.gather(*(limiter.check("o", "cases_read") for _ in range(5))))

    assert asyncio.run(go()) == [None] * 5

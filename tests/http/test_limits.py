"""Per-key rate limits shared by every API process, and the fair running-job cap."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.conftest import NewKeyFactory, Stack
from tests.support.jobs import scrape, wait_for
from tests.support.processes import Service, free_port, wait_until_ready

BODY = {"search": {"keywords": "rate limited"}, "max_pages": 1, "simulate": {"total_results": 1}}


@pytest.fixture
async def second_api(stack: Stack, tmp_path: Path) -> AsyncIterator[str]:
    """Another API process on the same database and queues, as behind a load balancer."""
    port = free_port()
    api = Service("api", ("api", "--port", str(port)), stack.env, tmp_path / "api2.log")
    api.start()
    try:
        base_url = f"http://127.0.0.1:{port}"
        await asyncio.to_thread(wait_until_ready, base_url, api)
        yield base_url
    finally:
        api.stop()


async def test_the_bucket_is_shared_by_api_processes_and_never_overshoots(
    stack: Stack, second_api: str, new_key: NewKeyFactory
) -> None:
    key = await new_key("limited", rate_per_minute=60, burst=20, max_running=100)
    headers = {"X-API-Key": key.key}
    async with (
        httpx.AsyncClient(base_url=stack.base_url, headers=headers, timeout=60) as one,
        httpx.AsyncClient(base_url=second_api, headers=headers, timeout=60) as two,
    ):
        # Given 200 submits fired at once across two API processes,
        started = time.monotonic()
        responses = await asyncio.gather(
            *((one if i % 2 else two).post("/v1/jobs/scrape", json=BODY) for i in range(200))
        )
        elapsed = time.monotonic() - started

        accepted = [r for r in responses if r.status_code == 202]
        refused = [r for r in responses if r.status_code == 429]
        # then the burst is accepted, plus at most what refilled meanwhile (1 a second),
        assert len(accepted) + len(refused) == 200
        assert 20 <= len(accepted) <= 20 + int(elapsed) + 1
        for response in accepted:
            assert response.headers["ratelimit-limit"] == "20"
            assert 0 <= int(response.headers["ratelimit-remaining"]) < 20
            assert int(response.headers["ratelimit-reset"]) >= 0
        # and the rest are told when to come back,
        for response in refused:
            assert response.headers["content-type"] == "application/problem+json"
            assert int(response.headers["retry-after"]) >= 1
            assert response.headers["ratelimit-remaining"] == "0"
        wait = max(int(r.headers["retry-after"]) for r in refused[-5:])
        # which works.
        await asyncio.sleep(wait + 0.2)  # the refill needs real time to pass
        later = await one.post("/v1/jobs/scrape", json=BODY)
        assert later.status_code == 202, later.text


async def test_a_batch_costs_one_token_per_job(stack: Stack, new_key: NewKeyFactory) -> None:
    key = await new_key("batches", rate_per_minute=60, burst=20)
    jobs = [{"kind": "scrape", **BODY}] * 15
    async with httpx.AsyncClient(base_url=stack.base_url, headers={"X-API-Key": key.key}) as http:
        first = await http.post("/v1/jobs/batch", json={"jobs": jobs})
        second = await http.post("/v1/jobs/batch", json={"jobs": jobs})
        too_big = await http.post(
            "/v1/jobs/batch", json={"jobs": [{"kind": "scrape", **BODY}] * 21}
        )

    assert first.status_code == 202
    assert int(first.headers["ratelimit-remaining"]) in (5, 6)
    assert second.status_code == 429
    # A batch larger than the burst is refused whole too, and told it never fits.
    assert too_big.status_code == 429
    assert int(too_big.headers["retry-after"]) >= 1
    assert "at most 20 at once" in too_big.json()["detail"]


async def test_refusals_are_counted_for_usage_reports(
    stack: Stack, new_key: NewKeyFactory, pg: asyncpg.Pool
) -> None:
    key = await new_key("counted", rate_per_minute=1, burst=1)
    async with httpx.AsyncClient(base_url=stack.base_url, headers={"X-API-Key": key.key}) as http:
        statuses = [(await http.post("/v1/jobs/scrape", json=BODY)).status_code for _ in range(4)]

    assert statuses == [202, 429, 429, 429]
    rejected = await pg.fetchval("SELECT rejected FROM rate_buckets WHERE api_key_id = $1", key.id)
    assert rejected == 3


async def test_one_keys_backlog_neither_passes_its_cap_nor_starves_another_key(
    stack: Stack, new_key: NewKeyFactory, pg: asyncpg.Pool
) -> None:
    a = await new_key("busy", max_running=2)
    b = await new_key("patient")
    slow = {"total_results": 100, "latency_ms": 100}
    async with (
        httpx.AsyncClient(base_url=stack.base_url, headers={"X-API-Key": a.key}) as http_a,
        httpx.AsyncClient(base_url=stack.base_url, headers={"X-API-Key": b.key}) as http_b,
    ):
        # Given key A with 30 queued jobs and a cap of 2,
        batch = [
            {"kind": "scrape", "search": {"keywords": f"a{i}"}, "simulate": slow} for i in range(30)
        ]
        a_jobs = (await http_a.post("/v1/jobs/batch", json={"jobs": batch})).json()["jobs"]
        # when key B submits one job after them,
        b_job = await scrape(http_b, "b", simulate=slow)
        done = asyncio.Event()
        sampler = asyncio.create_task(_max_running(pg, a.id, until=done.is_set))
        finished_b = await wait_for(http_b, b_job["id"], timeout=60)
        a_done_then = await pg.fetchval(
            "SELECT count(*) FROM jobs WHERE api_key_id = $1 AND status = 'succeeded'", a.id
        )
        for job in a_jobs:
            await wait_for(http_a, job["id"], timeout=120)
        done.set()
        peak = await sampler

    # then A never runs more than 2 at once, and B finishes before half of A's backlog.
    assert finished_b["status"] == "succeeded"
    assert a_done_then < 15
    assert peak == 2


async def _max_running(pg: asyncpg.Pool, api_key_id: object, until: Callable[[], bool]) -> int:
    peak = 0
    while not until():
        running = await pg.fetchval(
            "SELECT count(*) FROM jobs WHERE api_key_id = $1 AND status = 'running'", api_key_id
        )
        peak = max(peak, int(running))
        await asyncio.sleep(0.02)
    return peak

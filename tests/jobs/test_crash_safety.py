"""A worker SIGKILLed at any instant loses nothing and duplicates nothing."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx

from service.jobs.params import ScrapeSimulation, SearchSpec
from service.providers.base import SearchRequest
from service.providers.simulator import SimulatorProvider
from tests.conftest import NewKeyFactory, Stack
from tests.support.jobs import all_events, all_results, scrape, wait_for, wait_until
from tests.support.processes import wait_for_worker

KEYWORDS = "crash safety"


async def _expected_profiles(pages: int, total: int) -> list[str]:
    """What a fault-free run returns, straight from the deterministic simulator."""
    provider = SimulatorProvider()
    urls: list[str] = []
    for page in range(1, pages + 1):
        request = SearchRequest(
            search=SearchSpec(keywords=KEYWORDS),
            page=page,
            page_size=provider.page_size,
            attempt=1,
            run=1,
            simulate=ScrapeSimulation(total_results=total),
        )
        urls.extend(lead.profile_url or "" for lead in (await provider.search(request)).leads)
    return urls


@asynccontextmanager
async def _client(stack: Stack, key: str) -> Iterator[httpx.AsyncClient]:  # type: ignore[misc]
    async with httpx.AsyncClient(base_url=stack.base_url, headers={"X-API-Key": key}) as http:
        yield http


def _restart(stack: Stack) -> None:
    stack.worker.kill()
    stack.worker.start()
    wait_for_worker(stack.worker)


async def _kill_when(
    http: httpx.AsyncClient, stack: Stack, job_id: str, pages_done: int, delay_s: float
) -> None:
    job = await wait_until(http, job_id, lambda job: job["progress"]["pages_done"] >= pages_done)
    assert job["status"] == "running", "the job ended before the kill; make it longer"
    if delay_s:
        # Not waiting for an outcome: placing the kill inside the next page's work.
        await asyncio.sleep(delay_s)
    await asyncio.to_thread(_restart, stack)


async def _assert_exactly_once(
    http: httpx.AsyncClient, pg: asyncpg.Pool, job: dict[str, Any], pages: int, total: int
) -> None:
    assert job["status"] == "succeeded", job
    assert job["result_count"] == total
    links = await pg.fetchrow(
        "SELECT count(*) AS n, count(DISTINCT lead_id) AS leads, count(DISTINCT position) AS pos "
        "FROM job_leads WHERE job_id = $1",
        job["id"],
    )
    assert tuple(links) == (total, total, total)
    stored = await pg.fetchval(
        "SELECT count(*) FROM leads WHERE api_key_id = (SELECT api_key_id FROM jobs WHERE id = $1)",
        job["id"],
    )
    assert stored == total
    checkpoints = await pg.fetch(
        "SELECT page FROM job_pages WHERE job_id = $1 ORDER BY page", job["id"]
    )
    assert [c["page"] for c in checkpoints] == list(range(1, pages + 1))
    results = await all_results(http, job["id"], limit=200)
    assert [lead["profile_url"] for lead in results] == await _expected_profiles(pages, total)
    events = await all_events(http, job["id"])
    done_pages = [e["data"]["page"] for e in events if e["type"] == "page.done"]
    assert done_pages == list(range(1, pages + 1))
    assert [e["type"] for e in events].count("job.succeeded") == 1


async def test_kills_during_a_fetch_after_a_commit_and_at_random_lose_nothing(
    own_stack: Callable[..., Stack], new_key: NewKeyFactory, pg: asyncpg.Pool
) -> None:
    crash = own_stack("crash")
    key = await new_key("crash")
    async with _client(crash, key.key) as http:
        # Given a 16-page job whose pages take 150 ms at the provider,
        job = await scrape(
            http,
            KEYWORDS,
            max_pages=16,
            max_results=400,
            simulate={"total_results": 400, "latency_ms": 150},
        )
        # when the worker is killed in the middle of a provider call,
        await _kill_when(http, crash, job["id"], pages_done=2, delay_s=0.075)
        # right after a page committed,
        await _kill_when(http, crash, job["id"], pages_done=6, delay_s=0)
        # and at a random instant,
        await _kill_when(http, crash, job["id"], pages_done=10, delay_s=random.uniform(0, 0.15))
        done = await wait_for(http, job["id"], timeout=120)

        # then the job ends with exactly the leads of a run without faults.
        await _assert_exactly_once(http, pg, done, pages=16, total=400)


async def test_rapid_kills_of_a_fast_job_lose_nothing(
    own_stack: Callable[..., Stack], new_key: NewKeyFactory, pg: asyncpg.Pool
) -> None:
    crash = own_stack("crash-fast")
    key = await new_key("crash-fast")
    async with _client(crash, key.key) as http:
        job = await scrape(
            http,
            KEYWORDS,
            max_pages=100,
            max_results=2500,
            simulate={"total_results": 2500, "latency_ms": 15},
        )
        for pages_done in (10, 30, 50, 70):
            # Short provider calls: most of each page's time is the commit and the publish.
            await _kill_when(
                http, crash, job["id"], pages_done=pages_done, delay_s=random.uniform(0, 0.02)
            )
        done = await wait_for(http, job["id"], timeout=120)

        await _assert_exactly_once(http, pg, done, pages=100, total=2500)

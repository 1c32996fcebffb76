"""A job whose message was lost is re-driven from its checkpoint and ends with the right leads."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pika
import pytest

from tests.conftest import BROKER_URL, NewKeyFactory, Stack, StackFactory
from tests.support.jobs import all_events, all_results, scrape, wait_for, wait_until
from tests.support.processes import wait_for_worker


def _purge(prefix: str, timeout: float = 30) -> None:
    """Empty the job's queues once RabbitMQ has seen the dead worker go.

    A killed worker's unacked message returns to its queue only when RabbitMQ
    notices the closed connection, which can be after `kill()` returns; purging
    before that would lose nothing and the test would prove nothing.
    """
    queues = (f"{prefix}.scrape", f"{prefix}.scrape.DQ")
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        channel = connection.channel()
        deadline = time.monotonic() + timeout
        while any(channel.queue_declare(q, passive=True).method.consumer_count for q in queues):
            assert time.monotonic() < deadline, "RabbitMQ still lists the killed worker"
            time.sleep(0.05)  # polling interval while RabbitMQ notices the closed connection
        for queue in queues:
            channel.queue_purge(queue)
    finally:
        connection.close()


@pytest.fixture(scope="module")
def repair(stack_factory: StackFactory) -> Iterator[Stack]:
    stack = stack_factory("repair", LEADJOBS_STALL_SECONDS="5")
    yield stack
    stack_factory.stop(stack)


async def test_a_purged_message_and_a_restarted_worker_still_finish_the_job(
    repair: Stack, new_key: NewKeyFactory, pg: asyncpg.Pool
) -> None:
    key = await new_key("repair")
    async with httpx.AsyncClient(base_url=repair.base_url, headers={"X-API-Key": key.key}) as http:
        job = await scrape(
            http,
            "lost message",
            max_pages=12,
            max_results=300,
            simulate={"total_results": 300, "latency_ms": 200},
        )
        # Given a running job whose worker dies and whose next message is then lost,
        await wait_until(http, job["id"], lambda j: j["progress"]["pages_done"] >= 3)
        repair.worker.kill()
        _purge(repair.env["LEADJOBS_QUEUE_PREFIX"])
        await pg.execute("DELETE FROM outbox WHERE job_id = $1", job["id"])
        # when a worker comes back,
        repair.worker.start()
        wait_for_worker(repair.worker)
        done = await wait_for(http, job["id"], timeout=90)
        events = await all_events(http, job["id"])
        results = await all_results(http, job["id"], limit=200)

    # then stalled-job repair re-drives it and it ends with every lead exactly once.
    assert done["status"] == "succeeded"
    assert done["result_count"] == 300
    assert "job.redriven" in [e["type"] for e in events]
    assert len({lead["id"] for lead in results}) == 300
    pages = await pg.fetch("SELECT page FROM job_pages WHERE job_id = $1 ORDER BY page", job["id"])
    assert [p["page"] for p in pages] == list(range(1, 13))


async def test_a_scheduled_job_starts_on_time_across_a_worker_restart(
    repair: Stack, new_key: NewKeyFactory
) -> None:
    key = await new_key("schedule restart")
    run_at = datetime.now(UTC) + timedelta(seconds=4)
    async with httpx.AsyncClient(base_url=repair.base_url, headers={"X-API-Key": key.key}) as http:
        job = await scrape(http, run_at=run_at.isoformat(), simulate={"total_results": 20})
        # The worker running when the job was scheduled dies; another one starts.
        repair.worker.kill()
        repair.worker.start()
        wait_for_worker(repair.worker)
        done = await wait_for(http, job["id"], timeout=30)

    assert done["status"] == "succeeded"
    started = datetime.fromisoformat(done["started_at"])
    assert run_at <= started <= run_at + timedelta(seconds=5)

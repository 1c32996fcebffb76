"""Live job events over Server-Sent Events."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from tests.conftest import Stack
from tests.support.jobs import all_events, scrape, wait_for
from tests.support.sse import Message, messages

STREAM = {"Accept": "text/event-stream"}


async def _follow(client: httpx.AsyncClient, job_id: str, **headers: str) -> list[Message]:
    async with client.stream(
        "GET", f"/v1/jobs/{job_id}/events", headers=STREAM | headers, timeout=60
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return [message async for message in messages(response)]


async def test_a_stream_opened_before_the_start_sees_every_event_then_ends(
    client: httpx.AsyncClient,
) -> None:
    # Given a stream opened while the job is still scheduled,
    run_at = datetime.now(UTC) + timedelta(seconds=2)
    job = await scrape(
        client, "live", max_pages=4, run_at=run_at.isoformat(), simulate={"total_results": 100}
    )
    seen = await asyncio.wait_for(_follow(client, job["id"]), timeout=60)

    # then it gets every event in order, ending with the job's end, and then closes,
    types = [m.event for m in seen]
    assert types == [
        "job.created",
        "job.queued",
        "job.started",
        "page.done",
        "page.done",
        "page.done",
        "page.done",
        "job.succeeded",
    ]
    assert [m.data["data"]["page"] for m in seen if m.event == "page.done"] == [1, 2, 3, 4]
    # with no gap: exactly the events the JSON list holds.
    listed = await all_events(client, job["id"])
    assert [m.id for m in seen] == [e["id"] for e in listed]
    assert [m.data for m in seen] == listed

    # And a reconnect with Last-Event-ID replays only what came after it.
    again = await _follow(client, job["id"], **{"Last-Event-ID": str(seen[2].id)})
    assert [m.id for m in again] == [m.id for m in seen[3:]]


async def test_streams_are_scoped_and_checked(stack: Stack, client: httpx.AsyncClient) -> None:
    job = await scrape(client, simulate={"total_results": 5})
    await wait_for(client, job["id"])
    async with httpx.AsyncClient(base_url=stack.base_url, headers={"X-API-Key": "lj_nope"}) as anon:
        refused = await anon.get(f"/v1/jobs/{job['id']}/events", headers=STREAM)
    bad_resume = await client.get(
        f"/v1/jobs/{job['id']}/events", headers=STREAM | {"Last-Event-ID": "yesterday"}
    )

    assert refused.status_code == 401
    assert bad_resume.status_code == 400


async def test_two_hundred_streams_share_one_listen_connection(
    stack: Stack, client: httpx.AsyncClient, pg: asyncpg.Pool
) -> None:
    # Given a job that will wait, and 200 clients streaming its events,
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    job = await scrape(client, "watched", run_at=later, simulate={"total_results": 5})
    limits = httpx.Limits(max_connections=250, max_keepalive_connections=0)
    async with httpx.AsyncClient(
        base_url=stack.base_url, headers=dict(client.headers), limits=limits, timeout=60
    ) as many:
        first: list[asyncio.Future[None]] = []

        async def watch() -> list[str]:
            opened = asyncio.get_running_loop().create_future()
            first.append(opened)
            seen = []
            async with many.stream("GET", f"/v1/jobs/{job['id']}/events", headers=STREAM) as r:
                async for message in messages(r):
                    seen.append(message.event)
                    if not opened.done():
                        opened.set_result(None)
            return seen

        watchers = [asyncio.create_task(watch()) for _ in range(200)]
        while len(first) < 200:
            await asyncio.sleep(0.01)
        await asyncio.wait_for(asyncio.gather(*first), timeout=60)

        # then the API process holds one LISTEN connection for all of them,
        assert stack.api.process is not None
        listeners = await pg.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
            f"leadjobs-listener:{stack.api.process.pid}",
        )
        assert listeners == 1
        # and every one of them sees the job end, and closes.
        await client.post(f"/v1/jobs/{job['id']}/cancel")
        endings = await asyncio.wait_for(asyncio.gather(*watchers), timeout=60)

    assert all(seen[-1] == "job.cancelled" for seen in endings)


async def test_a_reconnect_after_the_ending_closes_at_once(client: httpx.AsyncClient) -> None:
    # Given a finished job and a client that already saw its ending,
    job = await scrape(client, simulate={"total_results": 30})
    await wait_for(client, job["id"])
    ending = (await all_events(client, job["id"]))[-1]
    assert ending["type"] == "job.succeeded"

    # its reconnect with that Last-Event-ID gets nothing more and is closed, well
    # before the first keep-alive would come.
    again = await asyncio.wait_for(
        _follow(client, job["id"], **{"Last-Event-ID": str(ending["id"])}), timeout=10
    )
    assert again == []


async def test_a_resumed_jobs_stream_goes_on_past_the_first_runs_ending(
    client: httpx.AsyncClient,
) -> None:
    # Given a job that failed at page 2, then was resumed and succeeded,
    job = await scrape(
        client, simulate={"total_results": 75, "permanent_failure_at_page": 2}, max_pages=3
    )
    assert (await wait_for(client, job["id"], statuses=("failed",)))["status"] == "failed"
    assert (await client.post(f"/v1/jobs/{job['id']}/resume")).status_code == 202
    await wait_for(client, job["id"])

    # a stream from the start gets both runs, ends with the second run's ending, and closes.
    seen = await asyncio.wait_for(_follow(client, job["id"]), timeout=30)
    types = [m.event for m in seen]
    assert types.index("job.failed") < types.index("job.resumed")
    assert types[-1] == "job.succeeded"
    assert [m.id for m in seen] == [e["id"] for e in await all_events(client, job["id"])]

"""Cancel, resume and schedule, through the API, with real workers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from tests.support.jobs import (
    all_events,
    all_results,
    scrape,
    submit,
    wait_for,
    wait_until,
)

SLOW = {"total_results": 500, "latency_ms": 200}


async def test_cancel_stops_a_running_job_before_its_next_page(
    client: httpx.AsyncClient, pg: asyncpg.Pool
) -> None:
    # Given a 20-page job whose pages take 200 ms,
    job = await scrape(client, "cancel me", max_pages=20, max_results=500, simulate=SLOW)
    await wait_until(client, job["id"], lambda j: j["progress"]["pages_done"] >= 3)

    # when it is cancelled after its third page,
    response = await client.post(f"/v1/jobs/{job['id']}/cancel")
    again = await client.post(f"/v1/jobs/{job['id']}/cancel")
    done = await wait_for(client, job["id"])

    # then it ends cancelled with the pages it had, and none after the cancel.
    assert response.status_code == 202, response.text
    assert again.status_code == 202
    assert done["status"] == "cancelled"
    assert done["cancel_requested"] is True
    assert 3 <= done["progress"]["pages_done"] <= 5
    assert done["result_count"] == 25 * done["progress"]["pages_done"]
    assert len(await all_results(client, job["id"])) == done["result_count"]
    types = [e["type"] for e in await all_events(client, job["id"])]
    cancelled_at = types.index("job.cancelled")
    assert "page.done" not in types[cancelled_at:]
    pages = await pg.fetchval("SELECT count(*) FROM job_pages WHERE job_id = $1", job["id"])
    assert pages == done["progress"]["pages_done"]


async def test_cancel_and_resume_refuse_the_wrong_states(client: httpx.AsyncClient) -> None:
    finished = await scrape(client, simulate={"total_results": 10})
    await wait_for(client, finished["id"])
    running = await scrape(client, "resume me not", simulate=SLOW)

    cancel_finished = await client.post(f"/v1/jobs/{finished['id']}/cancel")
    resume_finished = await client.post(f"/v1/jobs/{finished['id']}/resume")
    resume_running = await client.post(f"/v1/jobs/{running['id']}/resume")
    missing = await client.post("/v1/jobs/00000000-0000-4000-8000-000000000000/cancel")

    assert cancel_finished.status_code == 409
    assert cancel_finished.headers["content-type"] == "application/problem+json"
    assert resume_finished.status_code == 409
    assert resume_running.status_code == 409
    assert missing.status_code == 404
    await client.post(f"/v1/jobs/{running['id']}/cancel")


async def test_resume_continues_from_the_checkpoint_with_the_leads_of_a_clean_run(
    client: httpx.AsyncClient, pg: asyncpg.Pool
) -> None:
    # Page 3 fails permanently, on the job's first run only: a fault since fixed.
    faulty = await scrape(
        client, "resumable", simulate={"total_results": 100, "permanent_failure_at_page": 3}
    )
    failed = await wait_for(client, faulty["id"])
    assert (failed["status"], failed["error"]["page"], failed["result_count"]) == ("failed", 3, 50)

    resumed = await client.post(f"/v1/jobs/{faulty['id']}/resume")
    done = await wait_for(client, faulty["id"])

    assert resumed.status_code == 202
    assert resumed.json()["status"] == "queued"
    assert done["status"] == "succeeded"
    assert done["error"] is None
    assert done["result_count"] == 100
    clean = await scrape(client, "resumable", simulate={"total_results": 100})
    await wait_for(client, clean["id"])
    urls = [lead["profile_url"] for lead in await all_results(client, faulty["id"])]
    assert urls == [lead["profile_url"] for lead in await all_results(client, clean["id"])]
    runs = await pg.fetch(
        "SELECT page, run FROM job_pages WHERE job_id = $1 ORDER BY page", faulty["id"]
    )
    assert [(r["page"], r["run"]) for r in runs] == [(1, 1), (2, 1), (3, 2), (4, 2)]
    done_pages = [
        e["data"]["page"]
        for e in await all_events(client, faulty["id"])
        if e["type"] == "page.done"
    ]
    assert done_pages == [1, 2, 3, 4]


async def test_a_scheduled_job_waits_for_its_time(client: httpx.AsyncClient) -> None:
    run_at = datetime.now(UTC) + timedelta(seconds=3)
    job = await scrape(client, "later", run_at=run_at.isoformat(), simulate={"total_results": 30})
    cancelled = await scrape(
        client, "never", run_at=run_at.isoformat(), simulate={"total_results": 30}
    )

    assert job["status"] == "scheduled"
    assert datetime.fromisoformat(job["run_at"]) == run_at
    listed = (await client.get("/v1/jobs", params={"status": "scheduled"})).json()["items"]
    assert {job["id"], cancelled["id"]} <= {j["id"] for j in listed}
    assert (await client.post(f"/v1/jobs/{cancelled['id']}/cancel")).status_code == 202

    done = await wait_for(client, job["id"], timeout=30)
    still = await wait_for(client, cancelled["id"])

    assert done["status"] == "succeeded"
    started = datetime.fromisoformat(done["started_at"])
    assert run_at <= started <= run_at + timedelta(seconds=5)
    assert still["status"] == "cancelled"
    assert still["started_at"] is None
    assert still["result_count"] == 0


async def test_enrich_jobs_resume_and_cancel_too(client: httpx.AsyncClient) -> None:
    source = await scrape(
        client, "enrich control", max_results=100, simulate={"total_results": 100}
    )
    await wait_for(client, source["id"])
    job = await submit(
        client,
        "enrich",
        {"source_job_id": source["id"], "simulate": {"latency_ms": 300}},
    )
    await wait_until(client, job["id"], lambda j: j["progress"]["pages_done"] >= 1)
    await client.post(f"/v1/jobs/{job['id']}/cancel")
    cancelled = await wait_for(client, job["id"])
    assert cancelled["status"] == "cancelled"

    await client.post(f"/v1/jobs/{job['id']}/resume")
    done = await wait_for(client, job["id"])

    assert done["status"] == "succeeded"
    assert done["result_count"] == 100
    assert done["progress"]["enriched"] + done["progress"]["not_found"] == 100

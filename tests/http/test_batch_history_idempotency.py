"""Batches (all or none), history pages, and idempotent submits."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from service.keys import NewKey
from tests.conftest import NewKeyFactory, Stack
from tests.support.jobs import scrape, wait_for


def _scrape_body(i: int, **extra: Any) -> dict[str, Any]:
    return {
        "kind": "scrape",
        "search": {"keywords": f"batch {i}"},
        "max_pages": 1,
        "simulate": {"total_results": 5},
        **extra,
    }


async def _count_jobs(pg: asyncpg.Pool, key: NewKey) -> int:
    return int(await pg.fetchval("SELECT count(*) FROM jobs WHERE api_key_id = $1", key.id))


async def test_a_batch_of_fifty_creates_fifty_jobs_sharing_a_batch_id(
    client: httpx.AsyncClient, key: NewKey, pg: asyncpg.Pool
) -> None:
    bodies = [_scrape_body(i) for i in range(49)]
    source = await scrape(client, "batch source", simulate={"total_results": 5})
    await wait_for(client, source["id"])
    bodies.append({"kind": "enrich", "source_job_id": source["id"]})

    response = await client.post("/v1/jobs/batch", json={"jobs": bodies})

    assert response.status_code == 202, response.text
    created = response.json()
    batch_id = created["batch_id"]
    assert len(created["jobs"]) == 50
    assert {job["batch_id"] for job in created["jobs"]} == {batch_id}
    assert [job["kind"] for job in created["jobs"]] == ["scrape"] * 49 + ["enrich"]
    listed = await client.get("/v1/jobs", params={"batch_id": batch_id, "limit": 200})
    assert {job["id"] for job in listed.json()["items"]} == {j["id"] for j in created["jobs"]}
    for job in created["jobs"]:
        assert (await wait_for(client, job["id"]))["status"] == "succeeded"
    assert await _count_jobs(pg, key) == 51


async def test_one_bad_job_rejects_the_whole_batch(
    client: httpx.AsyncClient, key: NewKey, pg: asyncpg.Pool
) -> None:
    bodies = [_scrape_body(i) for i in range(50)]
    bodies[17]["max_pages"] = 0
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    with_past = [_scrape_body(0), _scrape_body(1, run_at=past)]

    bad_field = await client.post("/v1/jobs/batch", json={"jobs": bodies})
    bad_rule = await client.post("/v1/jobs/batch", json={"jobs": with_past})
    too_many = await client.post(
        "/v1/jobs/batch", json={"jobs": [_scrape_body(i) for i in range(51)]}
    )
    empty = await client.post("/v1/jobs/batch", json={"jobs": []})
    no_kind = await client.post("/v1/jobs/batch", json={"jobs": [{"search": {"keywords": "x"}}]})

    assert bad_field.status_code == 400
    assert bad_field.json()["errors"][0]["field"] == "jobs[17].max_pages"
    assert bad_rule.status_code == 400
    assert bad_rule.json()["errors"][0]["field"] == "jobs[1].run_at"
    for response in (too_many, empty, no_kind):
        assert response.status_code == 400, response.text
    assert await _count_jobs(pg, key) == 0


async def test_history_pages_hold_every_job_once_while_jobs_are_added(
    client: httpx.AsyncClient,
) -> None:
    existing = [
        job["id"]
        for job in (
            await client.post("/v1/jobs/batch", json={"jobs": [_scrape_body(i) for i in range(30)]})
        ).json()["jobs"]
    ]

    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 7}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get("/v1/jobs", params=params)).json()
        seen.extend(job["id"] for job in page["items"])
        # New jobs arrive between pages; they are newer than any cursor, so never repeat one.
        await scrape(client, "arrives meanwhile", simulate={"total_results": 1})
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert len(seen) == len(set(seen))
    assert set(existing) <= set(seen)
    created = [(await client.get(f"/v1/jobs/{job_id}")).json()["created_at"] for job_id in seen]
    assert created == sorted(created, reverse=True)


async def test_history_filters(client: httpx.AsyncClient) -> None:
    before = datetime.now(UTC)
    scraped = await scrape(client, "filtered", simulate={"total_results": 5})
    await wait_for(client, scraped["id"])
    enriched = (await client.post("/v1/jobs/enrich", json={"source_job_id": scraped["id"]})).json()
    failed = await scrape(client, "fails", simulate={"permanent_failure_at_page": 1})
    await wait_for(client, enriched["id"])
    await wait_for(client, failed["id"])

    def ids(response: httpx.Response) -> list[str]:
        assert response.status_code == 200, response.text
        return [job["id"] for job in response.json()["items"]]

    assert ids(await client.get("/v1/jobs", params={"kind": "enrich"})) == [enriched["id"]]
    assert ids(await client.get("/v1/jobs", params={"status": "failed"})) == [failed["id"]]
    assert ids(await client.get("/v1/jobs", params={"kind": "scrape", "status": "succeeded"})) == [
        scraped["id"]
    ]
    after = await client.get("/v1/jobs", params={"created_after": before.isoformat()})
    assert set(ids(after)) == {scraped["id"], enriched["id"], failed["id"]}
    assert ids(await client.get("/v1/jobs", params={"created_before": before.isoformat()})) == []
    for bad in (
        {"status": "done"},
        {"kind": "x"},
        {"limit": 0},
        {"cursor": "nope"},
        {"batch_id": "1"},
    ):
        assert (await client.get("/v1/jobs", params=bad)).status_code == 400, bad


async def test_twenty_parallel_submits_with_one_idempotency_key_make_one_job(
    client: httpx.AsyncClient, key: NewKey, pg: asyncpg.Pool
) -> None:
    body = {"search": {"keywords": "exactly once"}, "simulate": {"total_results": 5}}
    headers = {"Idempotency-Key": "order-4711"}

    responses = await asyncio.gather(
        *(client.post("/v1/jobs/scrape", json=body, headers=headers) for _ in range(20))
    )

    assert sorted(r.status_code for r in responses) == [200] * 19 + [202]
    assert len({r.json()["id"] for r in responses}) == 1
    assert await _count_jobs(pg, key) == 1
    changed = await client.post("/v1/jobs/scrape", json={**body, "max_pages": 2}, headers=headers)
    assert changed.status_code == 409
    assert changed.headers["content-type"] == "application/problem+json"


async def test_idempotency_keys_belong_to_one_api_key(
    stack: Stack, client: httpx.AsyncClient, new_key: NewKeyFactory
) -> None:
    body = {"search": {"keywords": "mine"}, "simulate": {"total_results": 5}}
    headers = {"Idempotency-Key": "shared-name"}
    other = await new_key("other")

    mine = await client.post("/v1/jobs/scrape", json=body, headers=headers)
    async with httpx.AsyncClient(base_url=stack.base_url, headers={"X-API-Key": other.key}) as b:
        theirs = await b.post("/v1/jobs/scrape", json=body, headers=headers)
        batch = await b.post(
            "/v1/jobs/batch", json={"jobs": [_scrape_body(1)]}, headers={"Idempotency-Key": "b1"}
        )
        batch_again = await b.post(
            "/v1/jobs/batch", json={"jobs": [_scrape_body(1)]}, headers={"Idempotency-Key": "b1"}
        )

    assert (mine.status_code, theirs.status_code) == (202, 202)
    assert mine.json()["id"] != theirs.json()["id"]
    assert (batch.status_code, batch_again.status_code) == (202, 200)
    assert batch_again.json()["batch_id"] == batch.json()["batch_id"]
    assert [j["id"] for j in batch_again.json()["jobs"]] == [j["id"] for j in batch.json()["jobs"]]


async def test_a_jobs_params_are_its_body_as_submitted(client: httpx.AsyncClient) -> None:
    # Given bodies that leave some fields to their defaults and spell others out,
    scrape_body = {
        "search": {"keywords": "as sent", "titles": ["CTO"]},
        "max_pages": 10,
        "only_new": False,
        "simulate": {"total_results": 30},
    }
    enrich_body = {"leads": [{"profile_url": "https://www.linkedin.com/in/ana-as-sent"}]}
    batch = {"jobs": [{"kind": "scrape", "search": {"keywords": "in a batch"}}]}
    scraped = (await client.post("/v1/jobs/scrape", json=scrape_body)).json()
    enriched = (await client.post("/v1/jobs/enrich", json=enrich_body)).json()
    batched = (await client.post("/v1/jobs/batch", json=batch)).json()

    # every view of the job shows its params as they were sent,
    assert scraped["params"] == scrape_body
    assert enriched["params"] == enrich_body
    assert [job["params"] for job in batched["jobs"]] == batch["jobs"]
    listed = (await client.get("/v1/jobs", params={"batch_id": batched["batch_id"]})).json()
    assert [job["params"] for job in listed["items"]] == batch["jobs"]
    # and the defaults still apply: max_results 250 leaves all 30 leads in.
    done = await wait_for(client, scraped["id"])
    assert done["params"] == scrape_body
    assert done["result_count"] == 30


async def test_a_whole_number_written_as_a_float_is_kept_and_read_as_an_int(
    client: httpx.AsyncClient,
) -> None:
    # JSON decoding takes 2.0 for an int field; the body is kept as sent, and read back.
    body = {"search": {"keywords": "floaty"}, "max_pages": 2.0, "simulate": {"total_results": 80}}
    response = await client.post("/v1/jobs/scrape", json=body)
    assert response.status_code == 202, response.text

    done = await wait_for(client, response.json()["id"])
    assert done["params"]["max_pages"] == 2.0
    assert done["progress"]["pages_done"] == 2
    assert done["result_count"] == 50

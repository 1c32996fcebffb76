"""Scrape jobs end to end: real API, real worker, real Postgres and RabbitMQ."""

from __future__ import annotations

import csv
import io
import json

import asyncpg
import httpx

from service.keys import NewKey
from tests.conftest import NewKeyFactory, Stack
from tests.support.jobs import all_events, all_results, scrape, wait_for


async def test_last_page_is_cut_to_the_results_that_exist(
    client: httpx.AsyncClient, pg: asyncpg.Pool
) -> None:
    job = await scrape(client, max_pages=10, simulate={"total_results": 60})

    done = await wait_for(client, job["id"])

    assert done["status"] == "succeeded"
    assert done["result_count"] == 60
    assert done["progress"] == {
        "pages_done": 3,
        "pages_total": 3,
        "items_done": 60,
        "percent": 100.0,
    }
    pages = await pg.fetch(
        "SELECT page, fetched, stored FROM job_pages WHERE job_id = $1 ORDER BY page", job["id"]
    )
    assert [tuple(p) for p in pages] == [(1, 25, 25), (2, 25, 25), (3, 10, 10)]


async def test_max_results_is_exact(client: httpx.AsyncClient) -> None:
    job = await scrape(client, max_results=30, simulate={"total_results": 400})

    done = await wait_for(client, job["id"])

    assert done["status"] == "succeeded"
    assert done["result_count"] == 30
    assert done["progress"]["pages_done"] == 2
    results = await all_results(client, job["id"])
    assert len(results) == 30
    assert len({lead["id"] for lead in results}) == 30


async def test_max_pages_stops_the_walk(client: httpx.AsyncClient) -> None:
    job = await scrape(client, max_pages=2, max_results=2500, simulate={"total_results": 400})

    done = await wait_for(client, job["id"])

    assert (done["status"], done["result_count"], done["progress"]["pages_done"]) == (
        "succeeded",
        50,
        2,
    )


async def test_results_are_identical_as_json_pages_csv_and_jsonl(
    client: httpx.AsyncClient,
) -> None:
    job = await scrape(client, simulate={"total_results": 60})
    await wait_for(client, job["id"])

    pages = await all_results(client, job["id"], limit=7)
    as_csv = await client.get(f"/v1/jobs/{job['id']}/results", params={"format": "csv"})
    as_jsonl = await client.get(f"/v1/jobs/{job['id']}/results", params={"format": "jsonl"})

    assert as_csv.status_code == as_jsonl.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    jsonl_rows = [json.loads(line) for line in as_jsonl.text.splitlines()]
    csv_rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(pages) == 60
    assert jsonl_rows == pages
    assert csv_rows == [_as_csv_cells(lead) for lead in pages]
    assert list(csv_rows[0]) == [
        "id", "profile_url", "full_name", "first_name", "last_name", "title", "company",
        "company_domain", "location", "industry", "email", "email_status", "phone",
        "company_size", "enrichment_status", "enriched_at", "first_seen_at",
    ]  # fmt: skip


def _as_csv_cells(lead: dict[str, object]) -> dict[str, str]:
    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        return "'" + text if text[:1] in ("=", "+", "-", "@") else text

    return {name: cell(value) for name, value in lead.items()}


async def test_transient_failures_are_retried_page_by_page(
    client: httpx.AsyncClient, pg: asyncpg.Pool
) -> None:
    job = await scrape(client, simulate={"total_results": 50, "transient_failures_per_page": 2})

    done = await wait_for(client, job["id"])

    assert done["status"] == "succeeded"
    assert done["result_count"] == 50
    events = await all_events(client, job["id"])
    retries = [e["data"] for e in events if e["type"] == "page.retrying"]
    assert [(r["page"], r["attempt"]) for r in retries] == [(1, 1), (1, 2), (2, 1), (2, 2)]
    attempts = await pg.fetch(
        "SELECT attempts FROM job_pages WHERE job_id = $1 ORDER BY page", job["id"]
    )
    assert [a["attempts"] for a in attempts] == [3, 3]


async def test_exhausted_retries_fail_with_provider_unavailable(
    client: httpx.AsyncClient,
) -> None:
    job = await scrape(client, simulate={"total_results": 50, "transient_failures_per_page": 20})

    done = await wait_for(client, job["id"])

    assert done["status"] == "failed"
    assert done["error"]["type"] == "provider_unavailable"
    assert done["error"]["page"] == 1
    # The default policy: the first try and 5 retries.
    assert "after 6 attempts" in done["error"]["message"]


async def test_permanent_failure_fails_the_job_and_keeps_earlier_pages(
    client: httpx.AsyncClient,
) -> None:
    job = await scrape(client, simulate={"total_results": 100, "permanent_failure_at_page": 2})

    done = await wait_for(client, job["id"])

    assert done["status"] == "failed"
    assert done["error"]["type"] == "provider_rejected"
    assert done["error"]["page"] == 2
    assert done["result_count"] == 25
    assert len(await all_results(client, job["id"])) == 25


async def test_same_scrape_twice_stores_each_lead_once_linked_to_both_jobs(
    client: httpx.AsyncClient, key: NewKey, pg: asyncpg.Pool
) -> None:
    first = await scrape(client, "vp marketing berlin", simulate={"total_results": 60})
    await wait_for(client, first["id"])
    second = await scrape(client, "vp marketing berlin", simulate={"total_results": 60})
    await wait_for(client, second["id"])

    stored = await pg.fetchval("SELECT count(*) FROM leads WHERE api_key_id = $1", key.id)
    first_ids = [lead["id"] for lead in await all_results(client, first["id"])]
    second_ids = [lead["id"] for lead in await all_results(client, second["id"])]
    assert stored == 60
    assert first_ids == second_ids
    assert len(set(first_ids)) == 60


async def test_keys_do_not_share_leads(
    stack: Stack,
    client: httpx.AsyncClient,
    key: NewKey,
    new_key: NewKeyFactory,
    pg: asyncpg.Pool,
) -> None:
    other = await new_key("other")
    async with httpx.AsyncClient(base_url=stack.base_url, headers={"X-API-Key": other.key}) as b:
        job_a = await scrape(client, "shared search", simulate={"total_results": 30})
        job_b = await scrape(b, "shared search", simulate={"total_results": 30})
        await wait_for(client, job_a["id"])
        await wait_for(b, job_b["id"])

    counts = await pg.fetch(
        "SELECT api_key_id, count(*) AS n FROM leads WHERE api_key_id = ANY($1::uuid[]) "
        "GROUP BY api_key_id",
        [key.id, other.id],
    )
    assert {row["api_key_id"]: row["n"] for row in counts} == {key.id: 30, other.id: 30}


async def test_only_new_returns_only_leads_the_key_never_stored(
    client: httpx.AsyncClient,
) -> None:
    first = await scrape(client, "cto fintech", max_results=60, simulate={"total_results": 60})
    await wait_for(client, first["id"])

    repeat = await scrape(client, "cto fintech", only_new=True, simulate={"total_results": 60})
    wider = await scrape(client, "cto fintech", only_new=True, simulate={"total_results": 100})
    repeat_done = await wait_for(client, repeat["id"])
    wider_done = await wait_for(client, wider["id"])

    assert (repeat_done["status"], repeat_done["result_count"]) == ("succeeded", 0)
    assert wider_done["status"] == "succeeded"
    assert wider_done["result_count"] == 40
    seen_before = {lead["profile_url"] for lead in await all_results(client, first["id"])}
    fresh = {lead["profile_url"] for lead in await all_results(client, wider["id"])}
    assert len(fresh) == 40
    assert not fresh & seen_before

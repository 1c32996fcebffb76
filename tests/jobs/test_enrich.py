"""Enrich jobs end to end: over a scrape job's leads, and over leads given in the request."""

from __future__ import annotations

import asyncpg
import httpx

from service.keys import NewKey
from tests.conftest import NewKeyFactory, Stack
from tests.support.jobs import all_events, all_results, scrape, submit, wait_for, wait_for_event


async def _finished_scrape(
    client: httpx.AsyncClient, keywords: str, total: int
) -> dict[str, object]:
    job = await scrape(client, keywords, max_results=total, simulate={"total_results": total})
    done = await wait_for(client, job["id"])
    assert done["status"] == "succeeded"
    return done


async def test_enrich_fills_contact_data_of_a_scrape_jobs_leads(
    client: httpx.AsyncClient,
) -> None:
    source = await _finished_scrape(client, "revops leaders", 60)
    before = await all_results(client, str(source["id"]))

    job = await submit(client, "enrich", {"source_job_id": source["id"]})
    done = await wait_for(client, job["id"])

    assert done["status"] == "succeeded"
    assert done["result_count"] == 60
    assert done["progress"]["pages_total"] == 3  # batches of 25
    assert (done["progress"]["enriched"], done["progress"]["not_found"]) == (60, 0)
    enriched = await all_results(client, job["id"])
    assert [lead["id"] for lead in enriched] == [lead["id"] for lead in before]
    for lead in enriched:
        assert "@" in (lead["email"] or "")
        assert lead["email_status"] in {"valid", "risky", "unknown"}
        assert lead["enriched_at"] is not None
        assert lead["enrichment_status"] == "enriched"
    # The scrape job's results are the same leads, now with their contact data.
    after = await all_results(client, str(source["id"]))
    assert [lead["email"] for lead in after] == [lead["email"] for lead in enriched]
    assert [lead["full_name"] for lead in after] == [lead["full_name"] for lead in before]


async def test_not_found_leads_do_not_fail_the_job_and_are_counted(
    client: httpx.AsyncClient, pg: asyncpg.Pool
) -> None:
    source = await _finished_scrape(client, "heads of data", 200)

    job = await submit(
        client, "enrich", {"source_job_id": source["id"], "simulate": {"not_found_rate": 0.2}}
    )
    done = await wait_for(client, job["id"])

    progress = done["progress"]
    assert done["status"] == "succeeded"
    assert progress["items_done"] == 200
    assert progress["enriched"] + progress["not_found"] + progress["failed"] == 200
    assert 20 <= progress["not_found"] <= 60  # about a fifth of 200
    outcomes = dict(
        await pg.fetch(
            "SELECT enrichment_status, count(*) FROM job_leads WHERE job_id = $1 GROUP BY 1",
            job["id"],
        )
    )
    assert outcomes == {"enriched": progress["enriched"], "not_found": progress["not_found"]}
    results = await all_results(client, job["id"])
    missing = [lead for lead in results if lead["enrichment_status"] == "not_found"]
    assert len(missing) == progress["not_found"]
    assert all(lead["email"] is None for lead in missing)


async def test_enrich_given_leads_creates_and_enriches_them(
    client: httpx.AsyncClient, key: NewKey, pg: asyncpg.Pool
) -> None:
    leads = [
        {"profile_url": "https://www.linkedin.com/in/maria-lopez-12ab"},
        {"full_name": "Jonas Weber", "company_domain": "northwind.io"},
        {"full_name": "Priya Patel", "company": "Bluepath"},
        # The same profile again, written differently: one lead.
        {"profile_url": "HTTPS://linkedin.com/in/Maria-Lopez-12ab/"},
    ]

    job = await submit(client, "enrich", {"leads": leads})
    done = await wait_for(client, job["id"])

    assert done["status"] == "succeeded"
    assert done["progress"]["items_done"] == 4
    assert done["result_count"] == 3
    results = await all_results(client, job["id"])
    assert [lead["email"].split("@")[0] for lead in results] == [
        "maria.lopez",
        "jonas.weber",
        "priya.patel",
    ]
    assert results[1]["email"].endswith("@northwind.io")
    stored = await pg.fetchval("SELECT count(*) FROM leads WHERE api_key_id = $1", key.id)
    assert stored == 3


async def test_an_enrich_job_waits_for_its_source_job_to_end(client: httpx.AsyncClient) -> None:
    # Given a scrape job still running, and an enrich job of its leads submitted now,
    running = await scrape(client, "slow one", simulate={"total_results": 60, "latency_ms": 300})
    enrich = await submit(client, "enrich", {"source_job_id": running["id"]})

    # the enrich job waits, queued, and says what for,
    waiting = await wait_for_event(client, enrich["id"], "job.waiting")
    assert waiting["data"] == {"source_job_id": running["id"]}
    assert (await client.get(f"/v1/jobs/{enrich['id']}")).json()["status"] == "queued"
    scrape_done = await wait_for(client, running["id"])

    # then starts once the scrape job has ended, and enriches every one of its leads.
    done = await wait_for(client, enrich["id"])
    assert done["status"] == "succeeded"
    assert done["result_count"] == scrape_done["result_count"] == 60
    enriched = await all_results(client, enrich["id"])
    assert {lead["id"] for lead in enriched} == {
        lead["id"] for lead in await all_results(client, running["id"])
    }
    assert all(lead["enrichment_status"] == "enriched" for lead in enriched)
    types = [e["type"] for e in await all_events(client, enrich["id"])]
    assert types.index("job.waiting") < types.index("job.queued") < types.index("job.started")
    assert "job.redriven" not in types


async def test_an_enrich_source_must_be_a_scrape_job_of_the_same_key(
    client: httpx.AsyncClient, new_key: NewKeyFactory, stack: Stack
) -> None:
    other = await new_key("other")
    async with httpx.AsyncClient(
        base_url=stack.base_url, headers={"X-API-Key": other.key}
    ) as other_client:
        foreign = await scrape(other_client, simulate={"total_results": 5})
    unknown = await client.post(
        "/v1/jobs/enrich", json={"source_job_id": "00000000-0000-4000-8000-000000000000"}
    )
    not_mine = await client.post("/v1/jobs/enrich", json={"source_job_id": foreign["id"]})

    for refused in (unknown, not_mine):
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["field"] == "source_job_id"


async def test_a_leniently_decoded_body_is_kept_as_sent_and_read_decoded(
    stack: Stack, new_key: NewKeyFactory
) -> None:
    # Given a key whose one running slot is taken,
    key = await new_key("one slot", max_running=1)
    async with httpx.AsyncClient(base_url=stack.base_url, headers={"X-API-Key": key.key}) as http:
        slow = await scrape(http, "slot taken", simulate={"total_results": 50, "latency_ms": 300})
        await wait_for(http, slow["id"], statuses=("running",))
        # when an enrich body says "null" for its source (which the API decodes as none),
        body = {
            "leads": [{"profile_url": "https://www.linkedin.com/in/lenient-body"}],
            "source_job_id": "null",
        }
        enrich = await submit(http, "enrich", body)
        await wait_for_event(http, enrich["id"], "job.held")

        # then the held job is released once the slot frees, runs, and shows its body as sent.
        done = await wait_for(http, enrich["id"])
        assert done["status"] == "succeeded"
        assert done["result_count"] == 1
        assert done["params"] == body

"""Jobs against the real HTTP provider, talking to a lead API on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from service.keys import NewKey
from tests.conftest import NewKeyFactory, Stack, StackFactory
from tests.support.jobs import all_events, all_results, submit, wait_for
from tests.support.lead_api import TOTAL_RESULTS, FakeLeadApi

PROVIDER_KEY = "provider-secret-key"


@pytest.fixture(scope="module")
def lead_api() -> Iterator[FakeLeadApi]:
    api = FakeLeadApi(PROVIDER_KEY)
    api.start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def http_stack(stack_factory: StackFactory, lead_api: FakeLeadApi) -> Iterator[Stack]:
    stack = stack_factory(
        "httpprovider",
        LEADJOBS_PROVIDER="http",
        LEADJOBS_PROVIDER_URL=lead_api.url,
        LEADJOBS_PROVIDER_KEY=PROVIDER_KEY,
        LEADJOBS_PROVIDER_TIMEOUT_S="5",
    )
    yield stack
    stack_factory.stop(stack)


@pytest.fixture
async def http(http_stack: Stack, new_key: NewKeyFactory) -> AsyncIterator[httpx.AsyncClient]:
    key: NewKey = await new_key("http provider")
    async with httpx.AsyncClient(
        base_url=http_stack.base_url, headers={"X-API-Key": key.key}
    ) as client:
        yield client


async def test_scrape_and_enrich_through_the_http_provider(
    http: httpx.AsyncClient, lead_api: FakeLeadApi
) -> None:
    # The provider answers 503 twice, then 429 with Retry-After: all transient.
    lead_api.fail_next(503, times=2)
    lead_api.fail_next(429, headers={"Retry-After": "0"})
    job = await submit(http, "scrape", {"search": {"keywords": "growth leads"}})
    done = await wait_for(http, job["id"])

    assert done["status"] == "succeeded"
    assert done["result_count"] == TOTAL_RESULTS
    retries = [e for e in await all_events(http, job["id"]) if e["type"] == "page.retrying"]
    assert len(retries) == 3

    enrich = await submit(http, "enrich", {"source_job_id": job["id"]})
    enriched = await wait_for(http, enrich["id"])
    assert enriched["status"] == "succeeded"
    assert all(lead["email"] for lead in await all_results(http, enrich["id"]))


async def test_a_rejected_request_fails_the_job_at_once(
    http: httpx.AsyncClient, lead_api: FakeLeadApi
) -> None:
    lead_api.fail_next(400)

    job = await submit(http, "scrape", {"search": {"keywords": "rejected"}})
    done = await wait_for(http, job["id"])

    assert done["status"] == "failed"
    assert done["error"]["type"] == "provider_rejected"
    assert done["error"]["page"] == 1
    assert PROVIDER_KEY not in done["error"]["message"]


async def test_simulate_is_refused_with_a_real_provider(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/v1/jobs/scrape", json={"search": {"keywords": "x"}, "simulate": {"latency_ms": 5}}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "simulate"


async def test_resume_fetches_no_page_twice(http: httpx.AsyncClient, lead_api: FakeLeadApi) -> None:
    # Page 2 is rejected once (a fault, fixed by the time the job is resumed).
    lead_api.fail_page("resume counts", 2, 400)
    job = await submit(http, "scrape", {"search": {"keywords": "resume counts"}})
    failed = await wait_for(http, job["id"])
    assert (failed["status"], failed["error"]["page"]) == ("failed", 2)

    await http.post(f"/v1/jobs/{job['id']}/resume")
    done = await wait_for(http, job["id"])

    assert done["status"] == "succeeded"
    assert done["result_count"] == TOTAL_RESULTS
    # Page 1 once; page 2 twice (rejected, then fetched on the resumed run); page 3 once.
    assert lead_api.pages["resume counts"] == [1, 2, 2, 3]


async def test_a_malformed_page_fails_clearly_and_stores_none_of_it(
    http: httpx.AsyncClient, lead_api: FakeLeadApi
) -> None:
    # Half a page: one good lead, then one whose id is a number.
    body = (
        b'{"results": [{"id": "ok-1", "full_name": "Ada"}, {"id": 2, "full_name": "Bob"}],'
        b' "has_more": true}'
    )
    lead_api.fail_page("malformed", 2, 200, times=10, body=body)

    job = await submit(http, "scrape", {"search": {"keywords": "malformed"}})
    done = await wait_for(http, job["id"])

    assert done["status"] == "failed"
    assert done["error"]["type"] == "provider_unavailable"
    assert done["error"]["page"] == 2
    assert "malformed" in done["error"]["message"]
    assert done["result_count"] == 25
    assert len(await all_results(http, job["id"])) == 25

"""One key can neither read nor touch another key's jobs, on any route."""

from __future__ import annotations

import httpx

from tests.conftest import NewKeyFactory, Stack
from tests.support.jobs import scrape, wait_for


async def test_every_job_route_is_scoped_to_its_key(
    stack: Stack, client: httpx.AsyncClient, new_key: NewKeyFactory
) -> None:
    job = await scrape(client, "private", simulate={"total_results": 5})
    await wait_for(client, job["id"])
    stranger = await new_key("stranger")
    schema = (await client.get("/schema")).json()
    # Every operation on one job, as the API documents them: new routes are covered too.
    operations = [
        (method.upper(), path.replace("{job_id}", job["id"]))
        for path, item in schema["paths"].items()
        if "{job_id}" in path
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) >= 5

    async with httpx.AsyncClient(
        base_url=stack.base_url, headers={"X-API-Key": stranger.key}
    ) as other:
        for method, path in operations:
            for params in (
                ({}, {"format": "csv"}, {"format": "jsonl"}) if "results" in path else ({},)
            ):
                response = await other.request(method, path, params=params)
                assert response.status_code == 404, (method, path, params, response.text)
        listed = await other.get("/v1/jobs")
        enrich = await other.post("/v1/jobs/enrich", json={"source_job_id": job["id"]})

    assert job["id"] not in [j["id"] for j in listed.json()["items"]]
    assert enrich.status_code == 400
    # The owner still sees it, untouched.
    assert (await client.get(f"/v1/jobs/{job['id']}")).json()["status"] == "succeeded"

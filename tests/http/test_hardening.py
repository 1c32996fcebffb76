"""Hostile and sloppy input: a clear 4xx every time, never a 5xx, and nothing written."""

from __future__ import annotations

import csv
import io

import asyncpg
import httpx
import pytest

from service.keys import NewKey
from tests.conftest import Stack
from tests.support.jobs import all_results, submit, wait_for

BODY = b'{"search": {"keywords": "x"}}'


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
async def test_submits_that_are_not_json_get_415(
    client: httpx.AsyncClient, key: NewKey, pg: asyncpg.Pool, content_type: str
) -> None:
    response = await client.post(
        "/v1/jobs/scrape", content=BODY, headers={"content-type": content_type}
    )

    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert await pg.fetchval("SELECT count(*) FROM jobs WHERE api_key_id = $1", key.id) == 0


async def test_a_body_without_a_content_type_is_read_as_json(
    client: httpx.AsyncClient, key: NewKey, pg: asyncpg.Pool
) -> None:
    # httpx sends raw content with no Content-Type, as curl --data-binary and others do.
    malformed = await client.post("/v1/jobs/scrape", content=b'{"search": {')
    assert malformed.status_code == 400
    assert malformed.headers["content-type"] == "application/problem+json"
    assert await pg.fetchval("SELECT count(*) FROM jobs WHERE api_key_id = $1", key.id) == 0

    accepted = await client.post("/v1/jobs/scrape", content=BODY)
    assert "content-type" not in accepted.request.headers
    assert accepted.status_code == 202, accepted.text


async def test_json_with_a_charset_or_a_json_suffix_is_fine(client: httpx.AsyncClient) -> None:
    for content_type in ("application/json; charset=utf-8", "application/vnd.leadjobs+json"):
        response = await client.post(
            "/v1/jobs/scrape", content=BODY, headers={"content-type": content_type}
        )
        assert response.status_code == 202, response.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/jobs/not-a-uuid", 404),
        ("/v1/jobs/123", 404),
        ("/v1/jobs/00000000-0000-4000-8000-000000000000'%20OR%201=1", 404),
        ("/v1/jobs?limit=1000000000000", 400),
        ("/v1/jobs?limit=-1", 400),
        ("/v1/jobs?cursor=" + "A" * 5000, 400),
        ("/v1/jobs?created_after=yesterday", 400),
        ("/nowhere", 404),
    ],
)
async def test_bad_paths_and_parameters_are_client_errors(
    client: httpx.AsyncClient, path: str, status: int
) -> None:
    response = await client.get(path)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_bodies_that_are_not_objects_or_are_deeply_nested(
    client: httpx.AsyncClient, key: NewKey, pg: asyncpg.Pool
) -> None:
    nested = "[" * 10_000 + "]" * 10_000
    for body in ("[]", "null", '"text"', "1e999", nested, '{"search": {"keywords": "\\ud800"}}'):
        response = await client.post(
            "/v1/jobs/scrape", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400, (body[:20], response.text)
    assert await pg.fetchval("SELECT count(*) FROM jobs WHERE api_key_id = $1", key.id) == 0


async def test_csv_export_defuses_spreadsheet_formulas(client: httpx.AsyncClient) -> None:
    hostile = [
        {"full_name": '=HYPERLINK("http://evil.example","click")', "company": "Acme"},
        {"full_name": "+SUM(1,2)", "company": "@import"},
        {"full_name": "-2+3", "company_domain": "example.com"},
        {"full_name": "Plain Name", "company": "\tTabbed"},
    ]
    job = await submit(client, "enrich", {"leads": hostile})
    await wait_for(client, job["id"])

    exported = await client.get(f"/v1/jobs/{job['id']}/results", params={"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    raw = await all_results(client, job["id"])

    assert [r["full_name"] for r in rows] == [
        '\'=HYPERLINK("http://evil.example","click")',
        "'+SUM(1,2)",
        "'-2+3",
        "Plain Name",
    ]
    assert rows[1]["company"] == "'@import"
    assert rows[3]["company"] == "'\tTabbed"
    # The JSON forms carry the data as stored; only the spreadsheet format is defused.
    assert raw[0]["full_name"].startswith("=HYPERLINK")


async def test_the_api_key_never_reaches_the_logs(stack: Stack, key: NewKey) -> None:
    async with httpx.AsyncClient(base_url=stack.base_url) as http:
        await http.get("/v1/jobs", headers={"X-API-Key": key.key})
        await http.get("/v1/jobs", headers={"Authorization": f"Bearer {key.key}"})
        await http.get(f"/v1/jobs?api_key={key.key}", headers={"X-API-Key": "lj_wrong"})

    for service in (stack.api, stack.worker):
        assert key.key not in service.log_path.read_text(errors="replace")


async def test_profile_urls_that_do_not_split_are_still_leads(client: httpx.AsyncClient) -> None:
    # urllib refuses an unclosed IPv6 bracket; the lead keeps its text as its identity.
    odd = "https://[broken/in/ana"
    job = await submit(client, "enrich", {"leads": [{"profile_url": odd}]})
    done = await wait_for(client, job["id"])

    assert done["status"] == "succeeded"
    results = (await client.get(f"/v1/jobs/{job['id']}/results")).json()["items"]
    assert [lead["profile_url"] for lead in results] == [odd]

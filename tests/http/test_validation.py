"""Bad input gets a clear problem-details error naming the field, and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from service.keys import NewKey
from tests.conftest import NewKeyFactory, Stack
from tests.support.jobs import scrape, wait_for

SEARCH = {"keywords": "head of growth"}


def _in(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def _search(**fields: Any) -> dict[str, Any]:
    return {"search": {**SEARCH, **fields}}


SCRAPE_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("empty keywords", _search(keywords=""), "search.keywords"),
    ("long keywords", _search(keywords="k" * 201), "search.keywords"),
    ("missing search", {"max_pages": 3}, "search"),
    ("11 titles", _search(titles=["CEO"] * 11), "search.titles"),
    ("empty title", _search(titles=[""]), "search.titles[0]"),
    ("long title", _search(titles=["t" * 101]), "search.titles[0]"),
    ("11 locations", _search(locations=["Berlin"] * 11), "search.locations"),
    ("long location", _search(locations=["l" * 101]), "search.locations[0]"),
    ("11 industries", _search(industries=["Software"] * 11), "search.industries"),
    ("empty industry", _search(industries=[""]), "search.industries[0]"),
    ("unknown company size", _search(company_sizes=["2-3"]), "search.company_sizes[0]"),
    ("11 company sizes", _search(company_sizes=["1-10"] * 11), "search.company_sizes"),
    ("max_pages 0", {**_search(), "max_pages": 0}, "max_pages"),
    ("max_pages 101", {**_search(), "max_pages": 101}, "max_pages"),
    ("max_pages text", {**_search(), "max_pages": "ten"}, "max_pages"),
    ("max_results 0", {**_search(), "max_results": 0}, "max_results"),
    ("max_results 2501", {**_search(), "max_results": 2501}, "max_results"),
    ("only_new text", {**_search(), "only_new": "yes"}, "only_new"),
    ("run_at in the past", {**_search(), "run_at": _in(-1)}, "run_at"),
    ("run_at beyond 30 days", {**_search(), "run_at": _in(31)}, "run_at"),
    ("run_at without zone", {**_search(), "run_at": "2030-01-01T09:00:00"}, "run_at"),
    ("webhook not http", {**_search(), "webhook_url": "ftp://example.com/x"}, "webhook_url"),
    ("webhook unclosed IPv6", {**_search(), "webhook_url": "http://[::1/hook"}, "webhook_url"),
    ("webhook port 99999", {**_search(), "webhook_url": "http://a.io:99999/x"}, "webhook_url"),
    ("latency -1", {**_search(), "simulate": {"latency_ms": -1}}, "simulate.latency_ms"),
    ("latency 60001", {**_search(), "simulate": {"latency_ms": 60001}}, "simulate.latency_ms"),
    ("total -1", {**_search(), "simulate": {"total_results": -1}}, "simulate.total_results"),
    (
        "transient failures 21",
        {**_search(), "simulate": {"transient_failures_per_page": 21}},
        "simulate.transient_failures_per_page",
    ),
    (
        "permanent failure page 0",
        {**_search(), "simulate": {"permanent_failure_at_page": 0}},
        "simulate.permanent_failure_at_page",
    ),
    ("unknown field", {**_search(), "colour": "blue"}, "colour"),
    ("unknown search field", _search(seniority="VP"), "search.seniority"),
    ("unknown simulate field", {**_search(), "simulate": {"speed": 1}}, "simulate.speed"),
]

ENRICH_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("no leads", {"leads": []}, "leads"),
    ("1001 leads", {"leads": [{"profile_url": "https://x.io/in/a"}] * 1001}, "leads"),
    ("lead without identity", {"leads": [{"full_name": "Ana"}]}, "leads[0]"),
    ("bad profile url", {"leads": [{"profile_url": "not a url"}]}, "leads[0].profile_url"),
    (
        "bad company domain",
        {"leads": [{"full_name": "Ana", "company_domain": "no spaces.com"}]},
        "leads[0].company_domain",
    ),
    ("neither leads nor source", {}, "body"),
    (
        "both leads and source",
        {
            "leads": [{"profile_url": "https://x.io/in/a"}],
            "source_job_id": "0" * 8 + "-0000-4000-8000-" + "0" * 12,
        },
        "body",
    ),
    ("source not a uuid", {"source_job_id": "42"}, "source_job_id"),
    (
        "not_found_rate 1.5",
        {"leads": [{"profile_url": "https://x.io/in/a"}], "simulate": {"not_found_rate": 1.5}},
        "simulate.not_found_rate",
    ),
    ("unknown field", {"leads": [{"profile_url": "https://x.io/in/a"}], "x": 1}, "x"),
]


async def _jobs_of(pg: asyncpg.Pool, key: NewKey) -> int:
    return int(await pg.fetchval("SELECT count(*) FROM jobs WHERE api_key_id = $1", key.id))


def _assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= set(body)
    return body


@pytest.mark.parametrize(("case", "body", "field"), SCRAPE_CASES, ids=[c[0] for c in SCRAPE_CASES])
async def test_scrape_bounds_are_rejected_naming_the_field(
    client: httpx.AsyncClient,
    key: NewKey,
    pg: asyncpg.Pool,
    case: str,
    body: dict[str, Any],
    field: str,
) -> None:
    response = await client.post("/v1/jobs/scrape", json=body)

    problem = _assert_problem(response, 400)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert field in problem["detail"]
    assert await _jobs_of(pg, key) == 0


@pytest.mark.parametrize(("case", "body", "field"), ENRICH_CASES, ids=[c[0] for c in ENRICH_CASES])
async def test_enrich_bounds_are_rejected_naming_the_field(
    client: httpx.AsyncClient,
    key: NewKey,
    pg: asyncpg.Pool,
    case: str,
    body: dict[str, Any],
    field: str,
) -> None:
    response = await client.post("/v1/jobs/enrich", json=body)

    problem = _assert_problem(response, 400)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert await _jobs_of(pg, key) == 0


async def test_malformed_json_is_400(
    client: httpx.AsyncClient, key: NewKey, pg: asyncpg.Pool
) -> None:
    response = await client.post(
        "/v1/jobs/scrape", content=b'{"search": {', headers={"content-type": "application/json"}
    )

    _assert_problem(response, 400)
    assert await _jobs_of(pg, key) == 0


async def test_body_over_one_mebibyte_is_413(
    client: httpx.AsyncClient, key: NewKey, pg: asyncpg.Pool
) -> None:
    huge = {"search": {"keywords": "x" * (2 * 1024 * 1024)}}

    response = await client.post("/v1/jobs/scrape", json=huge)

    _assert_problem(response, 413)
    assert await _jobs_of(pg, key) == 0


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"search": {', "application/json"),
        (b'{"search": {"keywords": "x"}}', "text/plain"),
        (b'{"search": {"keywords": "' + b"x" * (2 * 1024 * 1024) + b'"}}', "application/json"),
    ],
    ids=["malformed", "not json", "over 1 MiB"],
)
async def test_a_keyless_submit_is_401_whatever_its_body(
    stack: Stack, content: bytes, content_type: str
) -> None:
    async with httpx.AsyncClient(base_url=stack.base_url) as anonymous:
        response = await anonymous.post(
            "/v1/jobs/scrape", content=content, headers={"content-type": content_type}
        )

    _assert_problem(response, 401)


async def test_every_v1_route_needs_a_valid_key(stack: Stack) -> None:
    job_path = "/v1/jobs/00000000-0000-4000-8000-000000000000"
    routes = [
        ("POST", "/v1/jobs/scrape"),
        ("POST", "/v1/jobs/enrich"),
        ("GET", job_path),
        ("GET", job_path + "/results"),
        ("GET", job_path + "/events"),
    ]
    async with httpx.AsyncClient(base_url=stack.base_url) as anonymous:
        for method, path in routes:
            missing = await anonymous.request(method, path, json=_search())
            wrong = await anonymous.request(
                method, path, json=_search(), headers={"X-API-Key": "lj_not-a-key"}
            )
            _assert_problem(missing, 401)
            _assert_problem(wrong, 401)


async def test_bearer_authorization_is_accepted(stack: Stack, key: NewKey) -> None:
    async with httpx.AsyncClient(
        base_url=stack.base_url, headers={"Authorization": f"Bearer {key.key}"}
    ) as bearer:
        job = await scrape(bearer, simulate={"total_results": 5})
        assert (await wait_for(bearer, job["id"]))["status"] == "succeeded"


async def test_another_keys_job_is_not_found(
    stack: Stack, client: httpx.AsyncClient, new_key: NewKeyFactory
) -> None:
    job = await scrape(client, simulate={"total_results": 5})
    await wait_for(client, job["id"])
    stranger = await new_key("stranger")

    async with httpx.AsyncClient(
        base_url=stack.base_url, headers={"X-API-Key": stranger.key}
    ) as other:
        for path in ("", "/results", "/results?format=csv", "/events"):
            _assert_problem(await other.get(f"/v1/jobs/{job['id']}{path}"), 404)
        enrich = await other.post("/v1/jobs/enrich", json={"source_job_id": job["id"]})
        assert _assert_problem(enrich, 400)["errors"][0]["field"] == "source_job_id"


async def test_bad_ids_and_paging_parameters(client: httpx.AsyncClient) -> None:
    job = await scrape(client, simulate={"total_results": 5})
    await wait_for(client, job["id"])
    base = f"/v1/jobs/{job['id']}"

    assert (await client.get("/v1/jobs/not-a-uuid")).status_code in (400, 404)
    assert _assert_problem(await client.get(base + "/results?limit=0"), 400)["errors"]
    assert _assert_problem(await client.get(base + "/results?limit=201"), 400)["errors"]
    bad_cursor = _assert_problem(await client.get(base + "/results?cursor=garbage"), 400)
    assert bad_cursor["errors"][0]["field"] == "cursor"
    assert _assert_problem(await client.get(base + "/results?format=xml"), 400)["errors"]
    # A cursor from one endpoint is not accepted by another.
    first = (await client.get(base + "/events?limit=1")).json()
    assert first["next_cursor"]
    wrong = await client.get(base + "/results", params={"cursor": first["next_cursor"]})
    _assert_problem(wrong, 400)

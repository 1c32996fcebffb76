"""Probes and the OpenAPI document."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from tests.conftest import Stack
from tests.support.processes import Service, free_port


async def test_health_and_readiness(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.base_url) as http:
        health = await http.get("/healthz")
        ready = await http.get("/readyz")

    assert health.status_code == 200
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"postgres": "ok", "rabbitmq": "ok"}


async def test_readiness_fails_when_rabbitmq_is_unreachable(stack: Stack, tmp_path: Path) -> None:
    port = free_port()
    env = {**stack.env, "BROKER_URL": f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F"}
    api = Service("api", ("api", "--port", str(port)), env, tmp_path / "api.log")
    api.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            await _until_serving(http, api)
            ready = await http.get("/readyz")
    finally:
        api.stop()

    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    assert "rabbitmq" in ready.json()["detail"]
    assert "postgres" not in ready.json()["detail"]


async def _until_serving(http: httpx.AsyncClient, api: Service) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if (await http.get("/healthz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"api never served:\n{api.log_tail()}")


async def test_openapi_document_describes_the_api(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.base_url) as http:
        schema = await http.get("/schema")
        ui = await http.get("/schema/swagger")

    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.1")
    paths = document["paths"]
    for path in (
        "/v1/jobs/scrape",
        "/v1/jobs/enrich",
        "/v1/jobs/{job_id}",
        "/v1/jobs/{job_id}/results",
        "/v1/jobs/{job_id}/events",
    ):
        assert path in paths
    scrape_body = document["components"]["schemas"]["ScrapeParams"]["properties"]
    assert scrape_body["max_pages"]["maximum"] == 100
    # The path names the kind; each job of a batch must name its own.
    assert "kind" not in document["components"]["schemas"]["ScrapeParams"]["required"]
    batch_job = document["components"]["schemas"]["BatchSubmit"]["properties"]["jobs"]["items"]
    assert all(variant["required"] == ["kind"] for variant in batch_job["oneOf"])
    assert {"apiKey", "bearer"} <= set(document["components"]["securitySchemes"])
    assert ui.status_code == 200

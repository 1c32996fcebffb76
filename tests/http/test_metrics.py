"""Prometheus metrics: the API's /metrics and the worker's own server count real work."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from service.keys import NewKey
from tests.conftest import Stack
from tests.support.jobs import scrape, wait_for
from tests.support.processes import Service, free_port, wait_until_ready

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def _scrape_metrics(url: str) -> Samples:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return _parse(response.text)


async def _until(url: str, ready: Callable[[Samples], bool], timeout: float = 30) -> Samples:
    """Counters move just after the commit a client sees; poll until they have."""
    deadline = time.monotonic() + timeout
    while True:
        samples = await _scrape_metrics(url)
        if ready(samples):
            return samples
        if time.monotonic() > deadline:
            raise AssertionError(f"metrics never matched: {samples}")
        await asyncio.sleep(0.1)


def _delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return _value(after, name, **labels) - _value(before, name, **labels)


async def test_metrics_move_when_a_job_runs(own_stack: Callable[..., Stack], key: NewKey) -> None:
    stack = own_stack("metrics")
    api_url = f"{stack.base_url}/metrics"
    api_before = await _scrape_metrics(api_url)
    worker_before = await _until(stack.worker_metrics_url, lambda _: True)

    async with httpx.AsyncClient(
        base_url=stack.base_url, headers={"X-API-Key": key.key}, timeout=30
    ) as client:
        job = await scrape(client, max_pages=10, simulate={"total_results": 60})
        done = await wait_for(client, job["id"])
    assert (done["status"], done["progress"]["pages_done"]) == ("succeeded", 3)

    scrape_done: Mapping[str, str] = {"kind": "scrape", "outcome": "done", "error_type": ""}
    worker = await _until(
        stack.worker_metrics_url,
        lambda s: (
            _delta(
                worker_before, s, "leadjobs_jobs_finished_total", kind="scrape", status="succeeded"
            )
            >= 1
        ),
    )
    assert _delta(worker_before, worker, "leadjobs_pages_total", **scrape_done) == 3
    assert _delta(worker_before, worker, "leadjobs_leads_stored_total", kind="scrape") == 60
    assert (
        _delta(
            worker_before, worker, "leadjobs_jobs_finished_total", kind="scrape", status="succeeded"
        )
        == 1
    )
    assert (
        _delta(worker_before, worker, "leadjobs_provider_call_seconds_count", operation="search")
        == 3
    )
    assert _delta(worker_before, worker, "leadjobs_job_duration_seconds_count", kind="scrape") == 1

    api = await _scrape_metrics(api_url)
    assert _delta(api_before, api, "leadjobs_jobs_submitted_total", kind="scrape") == 1
    submits = _delta(
        api_before,
        api,
        "leadjobs_http_requests_total",
        method="POST",
        route="/v1/jobs/scrape",
        status="202",
    )
    assert submits == 1
    # Fleet figures come from the database, which every test's jobs share.
    assert _delta(api_before, api, "leadjobs_jobs", kind="scrape", state="succeeded") >= 1
    assert (
        _delta(api_before, api, "leadjobs_jobs_pages_done", kind="scrape", state="succeeded") >= 3
    )
    prefix = stack.env["LEADJOBS_QUEUE_PREFIX"]
    assert _value(api, "leadjobs_queue_messages", queue=f"{prefix}.scrape") == 0
    assert ("leadjobs_outbox_messages", frozenset()) in api


async def test_api_metrics_sum_every_server_process(stack: Stack, tmp_path: Path) -> None:
    port = free_port()
    api = Service("api", ("api", "--port", str(port), "--workers", "2"), stack.env, tmp_path / "a")
    api.start()
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_ready(base_url, api)
        before = await _scrape_metrics(f"{base_url}/metrics")
        for _ in range(20):
            # A connection each, so both server processes take some of them.
            async with httpx.AsyncClient(base_url=base_url) as http:
                assert (await http.get("/healthz")).status_code == 200
        after = await _scrape_metrics(f"{base_url}/metrics")
    finally:
        api.stop()

    healthz = {"method": "GET", "route": "/healthz", "status": "200"}
    assert _delta(before, after, "leadjobs_http_requests_total", **healthz) == 20


async def test_a_worker_whose_metrics_port_is_taken_says_so_and_still_runs_jobs(
    own_stack: Callable[..., Stack], key: NewKey
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        stack = own_stack("metrics-port-taken", LEADJOBS_WORKER_METRICS_PORT=str(port))
        async with httpx.AsyncClient(
            base_url=stack.base_url, headers={"X-API-Key": key.key}, timeout=30
        ) as client:
            job = await scrape(client, max_pages=2, simulate={"total_results": 50})
            done = await wait_for(client, job["id"])

    assert done["status"] == "succeeded"
    warnings = [
        json.loads(line)
        for line in stack.worker.log_since_start().splitlines()
        if "worker.metrics_unavailable" in line
    ]
    assert len(warnings) == 1
    assert warnings[0]["level"] == "warning"
    assert warnings[0]["port"] == port

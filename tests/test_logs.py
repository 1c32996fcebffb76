"""Logs: JSON lines from API and workers that follow a job by its id, without keys."""

from __future__ import annotations

import json

import httpx

from service.keys import NewKey
from tests.conftest import Stack
from tests.support.jobs import scrape, wait_for


async def test_a_jobs_life_can_be_followed_by_job_id_in_json_lines(
    stack: Stack, client: httpx.AsyncClient, key: NewKey
) -> None:
    job = await scrape(client, "logged", max_pages=2, simulate={"total_results": 50})
    await wait_for(client, job["id"])
    await client.post(f"/v1/jobs/{job['id']}/cancel")  # refused (409): logged as a request

    api = _lines(stack.api.log_path.read_text())
    worker = _lines(stack.worker.log_path.read_text())

    api_events = [line["event"] for line in api if line.get("job_id") == job["id"]]
    worker_events = [line["event"] for line in worker if line.get("job_id") == job["id"]]
    assert "job.submitted" in api_events
    assert worker_events[0] == "job.started"
    assert worker_events[-1] == "job.succeeded"
    requests = [line for line in api if line["event"] == "request" and job["id"] in line["path"]]
    assert requests
    assert all(line["api_key_id"] == str(key.id) for line in requests)
    assert all(line["request_id"] for line in requests)
    for line in api + worker:
        assert {"timestamp", "level", "logger", "event"} <= set(line)
        assert line["level"] in {"debug", "info", "warning", "error", "critical"}
    for path in (stack.api.log_path, stack.worker.log_path):
        assert key.key not in path.read_text()


def _lines(text: str) -> list[dict[str, object]]:
    # Every line must be one JSON object; json.loads raises on any that is not.
    return [json.loads(line) for line in text.splitlines() if line.strip()]

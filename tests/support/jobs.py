"""Talking to the API the way a client does: submit, poll with a deadline, read results."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection
from typing import Any

import httpx

TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
Json = dict[str, Any]


async def submit(client: httpx.AsyncClient, kind: str, body: Json) -> Json:
    response = await client.post(f"/v1/jobs/{kind}", json=body)
    assert response.status_code == 202, response.text
    job: Json = response.json()
    assert response.headers["location"] == f"/v1/jobs/{job['id']}"
    return job


async def scrape(
    client: httpx.AsyncClient, keywords: str = "head of growth", **fields: Any
) -> Json:
    simulate = fields.pop("simulate", {})
    return await submit(
        client, "scrape", {"search": {"keywords": keywords}, "simulate": simulate, **fields}
    )


async def wait_for(
    client: httpx.AsyncClient,
    job_id: str,
    statuses: Collection[str] = TERMINAL,
    *,
    timeout: float = 60,
) -> Json:
    """Poll the job until its status is one of ``statuses``; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        response = await client.get(f"/v1/jobs/{job_id}")
        assert response.status_code == 200, response.text
        job: Json = response.json()
        if job["status"] in statuses:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['status']} after {timeout}s: {job}")
        await asyncio.sleep(0.05)


async def wait_until(
    client: httpx.AsyncClient, job_id: str, predicate: Any, *, timeout: float = 60
) -> Json:
    deadline = time.monotonic() + timeout
    while True:
        job: Json = (await client.get(f"/v1/jobs/{job_id}")).json()
        if predicate(job):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} never matched after {timeout}s: {job}")
        await asyncio.sleep(0.02)


async def all_results(client: httpx.AsyncClient, job_id: str, limit: int = 50) -> list[Json]:
    """Every result by following next_cursor from the first page."""
    items: list[Json] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(f"/v1/jobs/{job_id}/results", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def all_events(client: httpx.AsyncClient, job_id: str) -> list[Json]:
    items: list[Json] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(f"/v1/jobs/{job_id}/events", params=params)).json()
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return items


async def wait_for_event(
    client: httpx.AsyncClient, job_id: str, type_: str, *, timeout: float = 30
) -> Json:
    """Poll the job's events until one of ``type_`` is there; fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        found = [e for e in await all_events(client, job_id) if e["type"] == type_]
        if found:
            return found[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} has no {type_} event after {timeout}s")
        await asyncio.sleep(0.05)

"""Reporting: the views, the role that reads only them, and GET /v1/reports/daily."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import asyncpg
import httpx
import pytest

from tests.conftest import NewKeyFactory, Stack
from tests.support.jobs import scrape, wait_for

VIEWS = ("report_daily_jobs", "report_failures", "report_key_usage")


async def test_reporting_role_reads_the_views_and_no_table(pg: asyncpg.Pool) -> None:
    async with pg.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL ROLE leadjobs_reporting")
        for view in VIEWS:
            await conn.fetch(f"SELECT * FROM {view} LIMIT 1")
    for table in ("jobs", "api_keys", "leads", "job_events"):
        async with pg.acquire() as conn, conn.transaction():
            await conn.execute("SET LOCAL ROLE leadjobs_reporting")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.fetch(f"SELECT 1 FROM {table} LIMIT 1")


def _percentile(values: list[float], fraction: float) -> float:
    """percentile_cont: linear interpolation between the closest ranks."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


async def test_daily_report_equals_a_direct_count(
    stack: Stack, new_key: NewKeyFactory, pg: asyncpg.Pool
) -> None:
    key, other = await new_key("reports"), await new_key("someone else")
    async with httpx.AsyncClient(
        base_url=stack.base_url, headers={"X-API-Key": key.key}, timeout=30
    ) as client:
        submitted = [
            await scrape(client, max_pages=3, simulate={"total_results": total})
            for total in (10, 30, 60, 80)
        ]
        submitted.append(
            await scrape(client, simulate={"total_results": 100, "permanent_failure_at_page": 2})
        )
        for job in submitted:
            await wait_for(client, job["id"])
        # Spread them over three days: two yesterday, one the day before.
        today = datetime.now(UTC).date()
        await pg.execute(
            "UPDATE jobs SET created_at = created_at - interval '1 day' WHERE id = ANY($1::uuid[])",
            [submitted[0]["id"], submitted[4]["id"]],
        )
        await pg.execute(
            "UPDATE jobs SET created_at = created_at - interval '2 days' WHERE id = $1",
            submitted[1]["id"],
        )
        async with httpx.AsyncClient(
            base_url=stack.base_url, headers={"X-API-Key": other.key}, timeout=30
        ) as someone_else:
            await wait_for(someone_else, (await scrape(someone_else))["id"])

        first, last = today - timedelta(days=1), today
        response = await client.get(
            "/v1/reports/daily", params={"from": first.isoformat(), "to": last.isoformat()}
        )

    assert response.status_code == 200, response.text
    rows = await pg.fetch(
        """SELECT (created_at AT TIME ZONE 'UTC')::date AS day, kind, status, result_count,
                  extract(epoch FROM finished_at - started_at)::float8 AS seconds
           FROM jobs WHERE api_key_id = $1""",
        key.id,
    )
    groups: dict[tuple[date, str, str], list[asyncpg.Record]] = defaultdict(list)
    for row in rows:
        if first <= row["day"] <= last:
            groups[(row["day"], row["kind"], row["status"])].append(row)
    expected = [
        {
            "day": day.isoformat(),
            "kind": kind,
            "status": status,
            "jobs": len(group),
            "leads": sum(r["result_count"] for r in group),
            "p50_seconds": round(_percentile([r["seconds"] for r in group], 0.5), 3),
            "p95_seconds": round(_percentile([r["seconds"] for r in group], 0.95), 3),
        }
        for (day, kind, status), group in sorted(groups.items())
    ]
    items = response.json()["items"]
    assert [(i["day"], i["status"], i["jobs"], i["leads"]) for i in items] == [
        ((today - timedelta(days=1)).isoformat(), "failed", 1, 25),
        ((today - timedelta(days=1)).isoformat(), "succeeded", 1, 10),
        (today.isoformat(), "succeeded", 2, 135),
    ]
    for got, want in zip(items, expected, strict=True):
        assert got == pytest.approx(want, abs=0.0011)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-12-04", "to": "2026-12-01"}, "from"),
        ({"from": "2025-01-01", "to": "2026-12-01"}, "to"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-02-30"}, "to"),
    ],
)
async def test_bad_report_ranges_are_refused(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await client.get("/v1/reports/daily", params=params)

    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.text


async def test_reports_need_a_key(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.base_url) as http:
        response = await http.get("/v1/reports/daily")
    assert response.status_code == 401

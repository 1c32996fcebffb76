"""Retention removes exactly the expired finished jobs and the leads only they held."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx

from service.keys import NewKey
from tests.conftest import Stack
from tests.support.jobs import scrape, wait_for
from tests.support.processes import run_cli

COUNTS = """
WITH mine AS (SELECT id FROM jobs WHERE api_key_id = $1)
SELECT
  (SELECT count(*) FROM mine) AS jobs,
  (SELECT count(*) FROM job_pages WHERE job_id IN (SELECT id FROM mine)) AS pages,
  (SELECT count(*) FROM job_events WHERE job_id IN (SELECT id FROM mine)) AS events,
  (SELECT count(*) FROM job_leads WHERE job_id IN (SELECT id FROM mine)) AS links,
  (SELECT count(*) FROM leads WHERE api_key_id = $1) AS leads
"""


async def _counts(pg: asyncpg.Pool, key: NewKey) -> dict[str, int]:
    return dict(await pg.fetchrow(COUNTS, key.id))


async def test_cleanup_removes_expired_jobs_and_orphaned_leads_only(
    stack: Stack, client: httpx.AsyncClient, key: NewKey, pg: asyncpg.Pool
) -> None:
    # Given an old job whose leads no other job has, an old job sharing its leads with a
    # recent one, a recent job, and an old job that has not run yet,
    only_old = await scrape(client, "only old", simulate={"total_results": 30})
    shared_old = await scrape(client, "shared", simulate={"total_results": 20})
    for job in (only_old, shared_old):
        await wait_for(client, job["id"])
    shared_new = await scrape(client, "shared", simulate={"total_results": 20})
    recent = await scrape(client, "recent", simulate={"total_results": 10})
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    waiting = await scrape(client, "waiting", run_at=tomorrow, simulate={"total_results": 5})
    for job in (shared_new, recent):
        await wait_for(client, job["id"])
    await pg.execute(
        "UPDATE jobs SET finished_at = now() - interval '31 days', "
        "created_at = now() - interval '31 days' WHERE id = ANY($1::uuid[])",
        [only_old["id"], shared_old["id"]],
    )
    await pg.execute(
        "UPDATE jobs SET created_at = now() - interval '40 days' WHERE id = $1", waiting["id"]
    )
    before = await _counts(pg, key)
    old_rows = dict(
        await pg.fetchrow(
            "SELECT (SELECT count(*) FROM job_pages WHERE job_id = ANY($1::uuid[])) AS pages, "
            "(SELECT count(*) FROM job_events WHERE job_id = ANY($1::uuid[])) AS events",
            [only_old["id"], shared_old["id"]],
        )
    )

    # when cleanup runs, first as a dry run,
    dry = json.loads(run_cli("cleanup", "--dry-run", "--json", env=stack.env).stdout)
    after_dry = await _counts(pg, key)
    wet = json.loads(run_cli("cleanup", "--json", env=stack.env).stdout)
    after = await _counts(pg, key)

    # then exactly the two old jobs go, with their rows, and only the 30 leads no
    # remaining job links to.
    expected = {
        "jobs": 2,
        "pages": old_rows["pages"],
        "events": old_rows["events"],
        "links": 50,
        "leads": 30,
    }
    assert {k: dry[k] for k in expected} == expected
    assert after_dry == before
    assert {k: wet[k] for k in expected} == expected
    assert after == {name: before[name] - expected[name] for name in before}
    for gone in (only_old, shared_old):
        assert (await client.get(f"/v1/jobs/{gone['id']}")).status_code == 404
    assert len((await client.get(f"/v1/jobs/{shared_new['id']}/results")).json()["items"]) == 20
    assert (await client.get(f"/v1/jobs/{waiting['id']}")).json()["status"] == "scheduled"


def test_cleanup_prints_what_it_did(stack: Stack) -> None:
    result = run_cli("cleanup", "--dry-run", env=stack.env)

    assert result.returncode == 0
    assert result.stdout.startswith("would remove ")
    assert "days ago" in result.stdout


async def test_one_cleanup_at_a_time(stack: Stack, pg: asyncpg.Pool) -> None:
    async with pg.acquire() as conn:
        # Given another process applying retention (it holds the cluster-wide lock),
        await conn.execute("SELECT pg_advisory_lock(hashtext('leadjobs.retention'))")
        try:
            busy = run_cli("cleanup", env=stack.env, check=False)
        finally:
            await conn.execute("SELECT pg_advisory_unlock(hashtext('leadjobs.retention'))")

    # then a second one stands aside, in one line.
    assert busy.returncode == 1
    assert busy.stderr.strip() == "leadjobs: another process is applying retention now"

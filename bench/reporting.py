"""Reporting at scale: the reporting views' usual queries over a million jobs.

    .venv/bin/python bench/reporting.py [--jobs 1000000]

Makes and drops its own database (bench/million_jobs.py). Each query runs five
times with the migration's indexes and, as the baseline measured in the same run,
three times with index scans disabled; it prints medians, each plan (EXPLAIN
ANALYZE) and, last, one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from million_jobs import million_jobs, report

# The first is the API's own query (GET /v1/reports/daily, service/repo/reports.py).
QUERIES = {
    "daily, one key, 30 days (the API's query)": """
        SELECT day, kind, status, jobs, leads, p50_seconds, p95_seconds
        FROM report_daily_jobs
        WHERE api_key_id = $1 AND day BETWEEN $2 AND $3
        ORDER BY day, kind, status""",
    "daily, every key, 7 days": """
        SELECT * FROM report_daily_jobs
        WHERE day BETWEEN $3::date - 6 AND $3 AND $1::uuid IS NOT NULL AND $2::date IS NOT NULL
        ORDER BY day, api_key_id, kind, status""",
    "failures by type, 30 days": """
        SELECT day, error_type, sum(jobs) AS failures FROM report_failures
        WHERE day BETWEEN $2 AND $3 AND $1::uuid IS NOT NULL
        GROUP BY day, error_type ORDER BY day, error_type""",
    "usage, one key": """
        SELECT * FROM report_key_usage
        WHERE api_key_id = $1 AND $2::date IS NOT NULL AND $3::date IS NOT NULL""",
    "usage, every key": """
        SELECT * FROM report_key_usage
        WHERE $1::uuid IS NOT NULL AND $2::date IS NOT NULL AND $3::date IS NOT NULL
        ORDER BY jobs DESC""",
}

NO_INDEXES = ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan")


async def _time(conn: asyncpg.Connection, sql: str, args: tuple[Any, ...], runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        await conn.fetch(sql, *args)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


async def _measure(url: str, key: uuid.UUID) -> dict[str, Any]:
    last = datetime.now(UTC).date()
    args = (key, last - timedelta(days=29), last)
    results: dict[str, Any] = {}
    conn = await asyncpg.connect(url)
    try:
        for name, sql in QUERIES.items():
            ours = await _time(conn, sql, args, runs=5)
            plan = await conn.fetch(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", *args)
            for setting in NO_INDEXES:
                await conn.execute(f"SET {setting} = off")
            baseline = await _time(conn, sql, args, runs=3)
            await conn.execute("RESET ALL")
            results[name] = report(name, ours, baseline, "\n".join(row[0] for row in plan))
    finally:
        await conn.close()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000)
    args = parser.parse_args()
    async with million_jobs(args.jobs, "reporting") as fixture:
        results = {"jobs": args.jobs, **await _measure(fixture.url, fixture.key)}
    print(json.dumps(results))


if __name__ == "__main__":
    asyncio.run(main())

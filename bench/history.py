"""History at scale: GET /v1/jobs's query for every filter it offers, over a million jobs.

    .venv/bin/python bench/history.py [--jobs 1000000]

Makes and drops its own database. For each filter combination it times the query
the API runs (``service.repo.jobs.history``, first page and a page deep into the
history) and, as the baseline measured in the same run, the same query with index
scans disabled. It prints each plan (EXPLAIN ANALYZE) and, last, one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import time
import uuid
from datetime import datetime
from typing import Any

import asyncpg
from million_jobs import million_jobs, report
from sqlalchemy.dialects import postgresql

from service.repo import Database
from service.repo import jobs as jobs_repo
from service.repo.jobs import HistoryFilter


def _cases(batch_id: uuid.UUID, midpoint: datetime) -> dict[str, HistoryFilter]:
    return {
        "no filter": HistoryFilter(),
        "status=failed": HistoryFilter(status="failed"),
        "status=running": HistoryFilter(status="running"),
        "status=running+kind=enrich": HistoryFilter(status="running", kind="enrich"),
        "kind=enrich": HistoryFilter(kind="enrich"),
        "batch_id": HistoryFilter(batch_id=batch_id),
        "status+kind": HistoryFilter(status="failed", kind="enrich"),
        "created range": HistoryFilter(created_before=midpoint),
        "status+range": HistoryFilter(status="cancelled", created_before=midpoint),
    }


async def _time(db: Database, key: uuid.UUID, where: HistoryFilter, *, indexes: bool) -> float:
    timings = []
    async with db.connect() as conn:
        if not indexes:
            await conn.exec_driver_sql("SET enable_indexscan = off")
            await conn.exec_driver_sql("SET enable_bitmapscan = off")
            await conn.exec_driver_sql("SET enable_indexonlyscan = off")
        for _ in range(5 if indexes else 3):
            started = time.perf_counter()
            await jobs_repo.history(conn, key, where, after=None, limit=51)
            timings.append(time.perf_counter() - started)
        if not indexes:
            await conn.exec_driver_sql("RESET ALL")
    return statistics.median(timings)


async def _plan(url: str, key: uuid.UUID, where: HistoryFilter) -> str:
    """EXPLAIN ANALYZE of exactly the statement the repository runs."""
    captured: list[Any] = []

    class Capture:
        async def execute(self, statement: Any) -> Any:
            captured.append(statement)
            raise StopAsyncIteration

    with contextlib.suppress(StopAsyncIteration):
        await jobs_repo.history(Capture(), key, where, after=None, limit=51)  # type: ignore[arg-type]
    compiled = captured[0].compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {compiled}")
        return "\n".join(r[0] for r in rows)
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000)
    args = parser.parse_args()
    results: dict[str, Any] = {"jobs": args.jobs}
    async with million_jobs(args.jobs, "history") as fixture:
        url, key = fixture.url, fixture.key
        conn = await asyncpg.connect(url)
        try:
            midpoint: datetime = await conn.fetchval(
                "SELECT created_at FROM jobs ORDER BY created_at OFFSET $1 LIMIT 1", args.jobs // 2
            )
        finally:
            await conn.close()
        db = Database(url, pool_size=2, application_name="bench-history")
        try:
            for name, where in _cases(fixture.batch_id, midpoint).items():
                ours = await _time(db, key, where, indexes=True)
                baseline = await _time(db, key, where, indexes=False)
                results[name] = report(name, ours, baseline, await _plan(url, key, where))
        finally:
            await db.dispose()
    print(json.dumps(results))


if __name__ == "__main__":
    asyncio.run(main())

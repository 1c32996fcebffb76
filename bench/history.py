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
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.dialects import postgresql

from service.repo import Database
from service.repo import jobs as jobs_repo
from service.repo.jobs import HistoryFilter

LEADJOBS = str(Path(sys.executable).with_name("leadjobs"))
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"

FILL = """
INSERT INTO api_keys (id, name, key_hash, key_prefix, webhook_secret)
VALUES ($1, 'bench', 'hash-a', 'lj_a', 'whsec_a'), ($2, 'other', 'hash-b', 'lj_b', 'whsec_b');
"""

JOBS = """
INSERT INTO jobs (id, api_key_id, kind, status, params, created_at, updated_at, finished_at,
                  error_type, error_message, batch_id, run_at)
SELECT gen_random_uuid(),
       CASE WHEN n % 5 = 1 THEN $2::uuid ELSE $1::uuid END,
       CASE WHEN n % 4 = 0 THEN 'enrich' ELSE 'scrape' END,
       s.status,
       CASE WHEN n % 4 = 0
            THEN '{"kind": "enrich", "leads": [{"profile_url": "https://x.io/in/a"}]}'::jsonb
            ELSE '{"kind": "scrape", "search": {"keywords": "bench"}}'::jsonb END,
       now() - make_interval(secs => n * 30),
       now() - make_interval(secs => n * 30),
       CASE WHEN s.status IN ('succeeded', 'failed', 'cancelled')
            THEN now() - make_interval(secs => n * 30 - 60) END,
       CASE WHEN s.status = 'failed' THEN 'provider_unavailable' END,
       CASE WHEN s.status = 'failed' THEN 'gave up' END,
       CASE WHEN n % 100 < 3 THEN $3::uuid END,
       CASE WHEN s.status = 'scheduled' THEN now() + interval '1 day' END
FROM generate_series(1, $4) AS n
CROSS JOIN LATERAL (SELECT CASE
    WHEN n % 1000 = 3 THEN 'running'
    WHEN n % 997 = 0 THEN 'scheduled'
    WHEN n % 50 = 8 THEN 'failed'
    WHEN n % 77 = 0 THEN 'cancelled'
    ELSE 'succeeded' END AS status) AS s
"""


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


async def _fill(
    url: str, key: uuid.UUID, other: uuid.UUID, batch_id: uuid.UUID, count: int
) -> datetime:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(FILL.replace("$1", f"'{key}'").replace("$2", f"'{other}'"))
        await conn.execute(JOBS, key, other, batch_id, count)
        await conn.execute("VACUUM ANALYZE jobs")
        midpoint: datetime = await conn.fetchval(
            "SELECT created_at FROM jobs ORDER BY created_at OFFSET $1 LIMIT 1", count // 2
        )
        return midpoint
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000)
    args = parser.parse_args()
    database = f"leadjobs_history_{secrets.token_hex(4)}"
    url = f"postgresql://postgres@127.0.0.1:5432/{database}"
    subprocess.run(
        [LEADJOBS, "migrate"], env={"DATABASE_URL": url, "PATH": ""}, check=True,
        capture_output=True,
    )  # fmt: skip
    key, other, batch_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    results: dict[str, Any] = {"jobs": args.jobs}
    try:
        midpoint = await _fill(url, key, other, batch_id, args.jobs)
        db = Database(url, pool_size=2, application_name="bench-history")
        try:
            for name, where in _cases(batch_id, midpoint).items():
                ours = await _time(db, key, where, indexes=True)
                baseline = await _time(db, key, where, indexes=False)
                print(f"\n## {name}: {ours * 1000:.2f} ms (no indexes: {baseline * 1000:.1f} ms)")
                print(await _plan(url, key, where))
                results[name] = {
                    "ms": round(ours * 1000, 2),
                    "baseline_ms": round(baseline * 1000, 1),
                    "ratio": round(baseline / ours, 1),
                }
        finally:
            await db.dispose()
    finally:
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
    print(json.dumps(results))


if __name__ == "__main__":
    asyncio.run(main())

"""A database of its own holding a million synthetic jobs, for the history and reporting
benchmarks. Run from ``bench/`` scripts: ``from million_jobs import million_jobs``."""

from __future__ import annotations

import secrets
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg

LEADJOBS = str(Path(sys.executable).with_name("leadjobs"))
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"

KEYS = """
INSERT INTO api_keys (id, name, key_hash, key_prefix, webhook_secret)
VALUES ($1, 'bench', 'hash-a', 'lj_a', 'whsec_a'), ($2, 'other', 'hash-b', 'lj_b', 'whsec_b')
"""

# One job every 30 s going back from now: a million span about a year. 80 % belong to
# `key`, 20 % to `other`; a quarter are enrich jobs; 3 % in one batch. Finished jobs
# ran for 10 s to a few minutes and stored up to 250 leads.
JOBS = """
INSERT INTO jobs (id, api_key_id, kind, status, params, created_at, updated_at, started_at,
                  finished_at, pages_done, result_count, error_type, error_message, batch_id,
                  run_at)
SELECT gen_random_uuid(),
       CASE WHEN n % 5 = 1 THEN $2::uuid ELSE $1::uuid END,
       CASE WHEN n % 4 = 0 THEN 'enrich' ELSE 'scrape' END,
       s.status,
       CASE WHEN n % 4 = 0
            THEN '{"kind": "enrich", "leads": [{"profile_url": "https://x.io/in/a"}]}'::jsonb
            ELSE '{"kind": "scrape", "search": {"keywords": "bench"}}'::jsonb END,
       now() - make_interval(secs => n * 30),
       now() - make_interval(secs => n * 30),
       CASE WHEN s.status NOT IN ('queued', 'scheduled')
            THEN now() - make_interval(secs => n * 30 - 5) END,
       CASE WHEN s.status IN ('succeeded', 'failed', 'cancelled')
            THEN now() - make_interval(secs => n * 30 - 15 - (n::bigint * 7919) % 240) END,
       CASE WHEN s.status = 'succeeded' THEN 1 + n % 10 ELSE 0 END,
       CASE WHEN s.status = 'succeeded' THEN (n * 31) % 251 ELSE 0 END,
       CASE WHEN s.status = 'failed'
            THEN (ARRAY['provider_unavailable', 'provider_rejected', 'internal'])[1 + n % 3] END,
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


@dataclass(frozen=True)
class Fixture:
    url: str
    key: uuid.UUID
    other: uuid.UUID
    batch_id: uuid.UUID


@asynccontextmanager
async def million_jobs(count: int, name: str) -> AsyncIterator[Fixture]:
    """Make, migrate and fill a database; drop it afterwards."""
    database = f"leadjobs_{name}_{secrets.token_hex(4)}"
    url = f"postgresql://postgres@127.0.0.1:5432/{database}"
    subprocess.run(
        [LEADJOBS, "migrate"], env={"DATABASE_URL": url, "PATH": ""}, check=True,
        capture_output=True,
    )  # fmt: skip
    fixture = Fixture(url, uuid.uuid4(), uuid.uuid4(), uuid.uuid4())
    try:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(KEYS, fixture.key, fixture.other)
            await conn.execute(JOBS, fixture.key, fixture.other, fixture.batch_id, count)
            await conn.execute("VACUUM ANALYZE jobs")
        finally:
            await conn.close()
        yield fixture
    finally:
        admin = await asyncpg.connect(PG_ADMIN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        finally:
            await admin.close()


def report(name: str, ours: float, baseline: float, plan: str) -> dict[str, float]:
    """Print one query's figures and plan; return them for the closing JSON object."""
    print(f"\n## {name}: {ours * 1000:.2f} ms (no indexes: {baseline * 1000:.1f} ms)")
    print(plan)
    return {
        "ms": round(ours * 1000, 2),
        "baseline_ms": round(baseline * 1000, 1),
        "ratio": round(baseline / ours, 1),
    }

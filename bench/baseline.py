"""The ingest baseline: a raw asyncpg executemany of lead rows into a scratch table.

Shared by ``ingest.py`` and ``worker_ceiling.py`` so both compare against the same
figure: ``INSERT … ON CONFLICT DO NOTHING`` of the rows, in one ``executemany``,
into a fresh table shaped like ``leads`` with the same unique key; the median of
three runs, each into a fresh table (one run varies by a third).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

import asyncpg

__all__ = ["COLUMNS", "executemany_rows_per_s"]

COLUMNS = (
    "lead_key", "provider_id", "profile_url", "full_name", "first_name", "last_name", "title",
    "company", "company_domain", "location", "industry", "company_size",
)  # fmt: skip


async def executemany_rows_per_s(
    conn: asyncpg.Connection, rows: Sequence[tuple[object, ...]]
) -> tuple[float, int]:
    """Seconds for the insert (median of three) and the rows it inserted.

    ``rows`` are ``(api_key_id, *COLUMNS)``; the database must have the ``leads`` table.
    """
    placeholders = ", ".join(f"${i}" for i in range(1, len(COLUMNS) + 2))
    timings = []
    inserted = 0
    for attempt in range(3):
        table = f"bench_scratch_{attempt}"
        await conn.execute(f"DROP TABLE IF EXISTS {table}")
        await conn.execute(
            f"CREATE TABLE {table} (LIKE leads INCLUDING DEFAULTS INCLUDING IDENTITY, "
            "UNIQUE (api_key_id, lead_key))"
        )
        statement = (
            f"INSERT INTO {table} (api_key_id, {', '.join(COLUMNS)}) "
            f"VALUES ({placeholders}) ON CONFLICT DO NOTHING"
        )
        started = time.perf_counter()
        await conn.executemany(statement, rows)
        timings.append(time.perf_counter() - started)
        inserted = int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
    return statistics.median(timings), inserted

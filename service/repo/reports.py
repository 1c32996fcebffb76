"""SQL over the reporting views (migration 0004)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import msgspec
from sqlalchemy import text

from service.jobs.records import JobKind, JobStatus
from service.repo.db import Tx

__all__ = ["DailyRow", "daily_jobs"]


class DailyRow(msgspec.Struct, frozen=True, kw_only=True):
    """One row of ``report_daily_jobs``: a key's jobs of one kind and status on one day."""

    day: date
    kind: JobKind
    status: JobStatus
    jobs: int
    leads: int
    # Start to end, over the jobs that started and ended; null when none did.
    p50_seconds: float | None
    p95_seconds: float | None


_DAILY = text("""
SELECT day, kind, status, jobs, leads, p50_seconds, p95_seconds
FROM report_daily_jobs
WHERE api_key_id = :key_id AND day BETWEEN :first AND :last
ORDER BY day, kind, status
""")


def _seconds(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


async def daily_jobs(tx: Tx, key_id: uuid.UUID, first: date, last: date) -> list[DailyRow]:
    rows = await tx.execute(_DAILY, {"key_id": key_id, "first": first, "last": last})
    return [
        DailyRow(
            day=row.day,
            kind=row.kind,
            status=row.status,
            jobs=int(row.jobs),
            leads=int(row.leads),
            p50_seconds=_seconds(row.p50_seconds),
            p95_seconds=_seconds(row.p95_seconds),
        )
        for row in rows
    ]

"""SQL for the fleet's state, as the API's /metrics reports it.

Workers count what they do in their own processes; these figures come from the
database, so any API process reports the whole fleet, however many workers run.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text

from service.repo.db import Tx

__all__ = ["JobTotals", "job_totals", "outbox_backlog"]

_TOTALS = text("""
SELECT kind,
       CASE WHEN held_since IS NOT NULL THEN 'held' ELSE status END AS state,
       count(*) AS jobs, sum(pages_done) AS pages, sum(result_count) AS leads
FROM jobs
GROUP BY 1, 2
""")


@dataclass(frozen=True, slots=True)
class JobTotals:
    """Jobs kept in the database (see retention) of one kind in one state."""

    kind: str
    state: str  # a job status, or 'held': queued over its key's running cap
    jobs: int
    pages: int
    leads: int


async def job_totals(tx: Tx) -> list[JobTotals]:
    rows = (await tx.execute(_TOTALS)).all()
    return [
        JobTotals(row.kind, row.state, int(row.jobs), int(row.pages), int(row.leads))
        for row in rows
    ]


async def outbox_backlog(tx: Tx) -> int:
    """Committed messages not yet published (or not yet known to be)."""
    return int((await tx.execute(text("SELECT count(*) FROM outbox"))).scalar_one())

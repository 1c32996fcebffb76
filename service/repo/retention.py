"""SQL for retention: finished jobs past their time go, with everything only they held."""

from __future__ import annotations

import msgspec
from sqlalchemy import text

from service.repo.db import Tx

__all__ = ["Removed", "count_expired", "remove_expired", "remove_expired_idempotency_keys"]

FINISHED = "status IN ('succeeded', 'failed', 'cancelled')"
EXPIRED = f"{FINISHED} AND finished_at < now() - make_interval(days => :days)"


class Removed(msgspec.Struct, kw_only=True):
    jobs: int = 0
    pages: int = 0
    events: int = 0
    links: int = 0
    leads: int = 0
    idempotency_keys: int = 0

    def add(self, other: Removed) -> None:
        for field in self.__struct_fields__:
            setattr(self, field, getattr(self, field) + getattr(other, field))


# Leads go only when no job but the expiring ones links to them. A link made to
# such a lead while this runs makes the lead's delete fail its foreign key (no
# cascade there), which rolls the batch back for the next run to retry.
_REMOVE = text(f"""
WITH doomed AS (
    SELECT id FROM jobs WHERE {EXPIRED}
    ORDER BY finished_at
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
),
links AS (DELETE FROM job_leads WHERE job_id IN (SELECT id FROM doomed) RETURNING lead_id),
pages AS (DELETE FROM job_pages WHERE job_id IN (SELECT id FROM doomed) RETURNING 1),
events AS (DELETE FROM job_events WHERE job_id IN (SELECT id FROM doomed) RETURNING 1),
gone AS (DELETE FROM jobs WHERE id IN (SELECT id FROM doomed) RETURNING 1),
orphans AS (
    DELETE FROM leads
    WHERE id IN (SELECT lead_id FROM links)
      AND NOT EXISTS (
          SELECT FROM job_leads other
          WHERE other.lead_id = leads.id AND other.job_id NOT IN (SELECT id FROM doomed)
      )
    RETURNING 1
)
SELECT (SELECT count(*) FROM gone) AS jobs,
       (SELECT count(*) FROM pages) AS pages,
       (SELECT count(*) FROM events) AS events,
       (SELECT count(*) FROM links) AS links,
       (SELECT count(*) FROM orphans) AS leads
""")

_COUNT = text(f"""
WITH doomed AS (SELECT id FROM jobs WHERE {EXPIRED})
SELECT (SELECT count(*) FROM doomed) AS jobs,
       (SELECT count(*) FROM job_pages WHERE job_id IN (SELECT id FROM doomed)) AS pages,
       (SELECT count(*) FROM job_events WHERE job_id IN (SELECT id FROM doomed)) AS events,
       (SELECT count(*) FROM job_leads WHERE job_id IN (SELECT id FROM doomed)) AS links,
       (SELECT count(DISTINCT mine.lead_id) FROM job_leads mine
        WHERE mine.job_id IN (SELECT id FROM doomed)
          AND NOT EXISTS (
              SELECT FROM job_leads other
              WHERE other.lead_id = mine.lead_id
                AND other.job_id NOT IN (SELECT id FROM doomed)
          )) AS leads,
       (SELECT count(*) FROM idempotency_keys
        WHERE created_at < now() - make_interval(days => :days)) AS idempotency_keys
""")


async def remove_expired(tx: Tx, *, days: int, limit: int) -> Removed:
    """Delete up to ``limit`` expired jobs and what only they held; the counts removed."""
    row = (await tx.execute(_REMOVE, {"days": days, "limit": limit})).mappings().one()
    return Removed(**row)


async def remove_expired_idempotency_keys(tx: Tx, *, days: int) -> int:
    statement = text(
        "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(days => :days)"
    )
    return (await tx.execute(statement, {"days": days})).rowcount


async def count_expired(tx: Tx, *, days: int) -> Removed:
    """What removing every expired job now would delete."""
    row = (await tx.execute(_COUNT, {"days": days})).mappings().one()
    return Removed(**row)

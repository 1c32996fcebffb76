"""Committing one page or batch: a single statement, so a single round trip.

The statement locks the job row and proceeds only if the message is still the
job's current one (``dispatch_seq``) and the job is running; then it writes the
leads and links (``lead_writes``), the page checkpoint, the counters, the
``page.done`` (or ``batch.done``) event, and either the job's end with its event
or the next message in the outbox. One statement is one transaction: all of it
commits, or none of it.

When the lock had to wait for another transaction, PostgreSQL re-reads the row
and re-checks ``dispatch_seq``: a duplicate message that lost the race writes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import msgspec
from sqlalchemy import text

from service.jobs.messages import WEBHOOK_DELIVER
from service.jobs.records import Job
from service.repo.db import RawQuery, Tx
from service.repo.jobs import job_from_row
from service.repo.lead_writes import LeadWrite
from service.repo.outbox import OutboxMessage

__all__ = ["PageWrite", "commit_page"]

# For jobs without a result cap (enrich), a cap no job reaches.
NO_CAP = 2**31 - 1


@dataclass(frozen=True, slots=True)
class PageWrite:
    """What one page or batch adds to a job, as the job runner decided it."""

    unit: int
    unit_name: str  # "page" or "batch": names the event and its data
    fetched: int
    items: int
    # Results position of the unit's first lead: positions never repeat within a job.
    first_position: int
    pages_total: int | None
    # No page after this one: the provider has no more, or max_pages is reached.
    last: bool
    max_results: int | None
    leads: LeadWrite
    next_actor: str
    outcomes: dict[str, int] | None = None


_ADVANCE = """
counted AS (SELECT count(*)::int AS stored FROM linked),
checkpoint AS (
    INSERT INTO job_pages (job_id, page, run, attempts, fetched, stored)
    SELECT job.id, CAST(:unit AS int), job.run, job.page_attempts + 1, CAST(:fetched AS int),
           counted.stored
    FROM job, counted
    RETURNING job_id, attempts, stored
),
decided AS (
    SELECT CASE
        WHEN CAST(:last AS boolean)
          OR job.result_count + counted.stored >= CAST(:max_results AS int) THEN 'succeeded'
        WHEN job.cancel_requested THEN 'cancelled'
        ELSE 'running'
    END AS status
    FROM job, counted
),
moved AS (
    UPDATE jobs SET
        status = decided.status,
        finished_at = CASE WHEN decided.status = 'running' THEN NULL ELSE now() END,
        updated_at = now(),
        pages_done = jobs.pages_done + 1,
        pages_total = CASE WHEN decided.status = 'succeeded' THEN jobs.pages_done + 1
                           ELSE CAST(:pages_total AS int) END,
        items_done = jobs.items_done + CAST(:items AS int),
        result_count = jobs.result_count + checkpoint.stored,
        enriched_count = jobs.enriched_count + CAST(:enriched AS int),
        not_found_count = jobs.not_found_count + CAST(:not_found AS int),
        failed_count = jobs.failed_count + CAST(:failed AS int),
        page_attempts = 0,
        dispatch_seq = jobs.dispatch_seq + 1
    FROM checkpoint, decided
    WHERE jobs.id = checkpoint.job_id
    RETURNING jobs.*, checkpoint.attempts AS unit_attempts, checkpoint.stored AS unit_stored
),
events AS (
    INSERT INTO job_events (job_id, type, data)
    SELECT moved.id, e.type, e.data
    FROM moved CROSS JOIN LATERAL (VALUES
        (1, CAST(:done_event AS text), jsonb_build_object(
            CAST(:unit_name AS text), CAST(:unit AS int), 'items', CAST(:items AS int),
            'stored', moved.unit_stored, 'attempts', moved.unit_attempts,
            'pages_done', moved.pages_done,
            'pages_total', moved.pages_total, 'result_count', moved.result_count
        ) || CAST(:outcomes AS jsonb)),
        (2, 'job.' || moved.status, jsonb_build_object(
            'result_count', moved.result_count, 'pages_done', moved.pages_done
        ))
    ) AS e(ord, type, data)
    WHERE e.ord = 1 OR moved.status <> 'running'
    ORDER BY e.ord
),
next AS (
    -- The next page's message while the job runs on; its webhook once it has ended.
    INSERT INTO outbox (actor, job_id, seq)
    SELECT m.actor, moved.id, m.seq
    FROM moved CROSS JOIN LATERAL (VALUES
        (CAST(:next_actor AS text), moved.dispatch_seq, moved.status = 'running'),
        (CAST(:webhook_actor AS text), 1,
         moved.status <> 'running' AND moved.params->>'webhook_url' IS NOT NULL)
    ) AS m(actor, seq, wanted)
    WHERE m.wanted
    RETURNING id, actor, job_id, seq
)
SELECT moved.*, (SELECT json_agg(next) FROM next) AS messages FROM moved
"""

_JOB = """
job AS (
    SELECT id, run, page_attempts, result_count, cancel_requested FROM jobs
    WHERE id = :job_id AND dispatch_seq = :seq AND status = 'running'
    FOR UPDATE
),"""


@cache
def _statement(lead_ctes: str) -> RawQuery:
    # Only our own constant fragments are formatted in; values are bound.
    return RawQuery(text(f"WITH {_JOB}{lead_ctes},{_ADVANCE}"))


async def commit_page(tx: Tx, job: Job, write: PageWrite) -> tuple[Job, list[OutboxMessage]] | None:
    """Commit the page for ``job`` as it was read: the job as it now is, with the messages
    to publish; None if that read is stale (another message advanced the job, or it
    stopped running)."""
    statement = _statement(write.leads.ctes)
    binds = {
        **write.leads.binds,
        "job_id": job.id,
        "api_key_id": job.api_key_id,
        "seq": job.dispatch_seq,
        "first_position": write.first_position,
        "unit": write.unit,
        "unit_name": write.unit_name,
        "done_event": f"{write.unit_name}.done",
        "fetched": write.fetched,
        "items": write.items,
        "pages_total": write.pages_total,
        "last": write.last,
        "max_results": NO_CAP if write.max_results is None else write.max_results,
        "next_actor": write.next_actor,
        "webhook_actor": WEBHOOK_DELIVER,
        "outcomes": msgspec.json.encode(write.outcomes or {}).decode(),
        "enriched": (write.outcomes or {}).get("enriched", 0),
        "not_found": (write.outcomes or {}).get("not_found", 0),
        "failed": (write.outcomes or {}).get("failed", 0),
    }
    row = await statement.fetchrow(tx, binds)
    if row is None:
        return None
    # json_agg arrives decoded (SQLAlchemy sets up asyncpg's JSON codecs).
    messages = msgspec.convert(row["messages"] or [], type=list[OutboxMessage])
    return job_from_row(row), messages

"""Reading a key's jobs, results and events: always scoped to the key that owns the job."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import msgspec

from service.errors import NotFound
from service.jobs.cursors import decode_cursor, encode_cursor
from service.jobs.records import ApiKey, Job, Lead
from service.repo import Database, events, jobs, leads
from service.repo.events import Event

__all__ = ["EventsPage", "ResultsPage", "events_page", "get_job", "iter_results", "results_page"]

EXPORT_BATCH = 500


class ResultsPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Lead]
    next_cursor: str | None


class EventsPage(msgspec.Struct, frozen=True, kw_only=True):
    items: list[Event]
    next_cursor: str | None


async def get_job(db: Database, key: ApiKey, job_id: uuid.UUID) -> Job:
    async with db.connect() as conn:
        job = await jobs.get_owned(conn, job_id, key.id)
    if job is None:
        # Another key's job is indistinguishable from a missing one.
        raise NotFound(f"no job {job_id}")
    return job


async def results_page(
    db: Database, key: ApiKey, job_id: uuid.UUID, *, limit: int, cursor: str | None
) -> ResultsPage:
    after = decode_cursor("r", cursor)
    await get_job(db, key, job_id)
    async with db.connect() as conn:
        rows = await leads.job_leads_page(conn, job_id, after_position=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor("r", rows[-1][0]) if more else None
    return ResultsPage(items=[lead for _, lead in rows], next_cursor=next_cursor)


async def iter_results(db: Database, job_id: uuid.UUID) -> AsyncIterator[Lead]:
    """Every lead of a job, in batches, so an export never holds all of them in memory.

    Each batch is its own short read: a slow download holds no transaction open.
    """
    after = -1
    while True:
        async with db.connect() as conn:
            rows = await leads.job_leads_page(
                conn, job_id, after_position=after, limit=EXPORT_BATCH
            )
        for _, lead in rows:
            yield lead
        if len(rows) < EXPORT_BATCH:
            return
        after = rows[-1][0]


async def events_page(
    db: Database, key: ApiKey, job_id: uuid.UUID, *, limit: int, cursor: str | None
) -> EventsPage:
    after = decode_cursor("e", cursor)
    await get_job(db, key, job_id)
    async with db.connect() as conn:
        rows = await events.page(conn, job_id, after_id=max(after, 0), limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return EventsPage(items=rows, next_cursor=encode_cursor("e", rows[-1].id) if more else None)

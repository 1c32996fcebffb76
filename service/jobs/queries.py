"""Reading a key's jobs, results and events: always scoped to the key that owns the job."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime

import msgspec

from service.errors import InvalidInput, NotFound
from service.jobs.cursors import decode_cursor, decode_position, encode_cursor
from service.jobs.records import ApiKey, Job, Lead
from service.repo import Database, events, jobs, leads
from service.repo.events import Event

__all__ = [
    "EventsPage",
    "ResultsPage",
    "events_page",
    "get_job",
    "history",
    "iter_results",
    "results_page",
]

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


async def history(
    db: Database, key: ApiKey, where: jobs.HistoryFilter, *, limit: int, cursor: str | None
) -> tuple[list[Job], str | None]:
    """A page of the key's jobs, newest first, and the cursor of the next page."""
    after = None
    if cursor:
        created, job_id = decode_cursor("h", cursor, 2)
        try:
            after = (datetime.fromisoformat(created), uuid.UUID(job_id))
        except ValueError:
            raise InvalidInput.field("cursor", "not a cursor this endpoint gave out") from None
    async with db.connect() as conn:
        found = await jobs.history(conn, key.id, where, after=after, limit=limit + 1)
    if len(found) <= limit:
        return found, None
    last = found[limit - 1]
    return found[:limit], encode_cursor("h", last.created_at.isoformat(), str(last.id))


async def results_page(
    db: Database, key: ApiKey, job_id: uuid.UUID, *, limit: int, cursor: str | None
) -> ResultsPage:
    after = decode_position("r", cursor)
    await get_job(db, key, job_id)
    async with db.connect() as conn:
        rows = await leads.job_leads_page(conn, job_id, after_position=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor("r", str(rows[-1][0])) if more else None
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
    after = decode_position("e", cursor)
    await get_job(db, key, job_id)
    async with db.connect() as conn:
        rows = await events.page(conn, job_id, after_id=max(after, 0), limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return EventsPage(
        items=rows, next_cursor=encode_cursor("e", str(rows[-1].id)) if more else None
    )

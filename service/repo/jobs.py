"""SQL for the jobs table: insert, read, lock, and every change of a job's state or counters.

Counters only ever move by atomic ``SET x = x + n`` under the row lock the caller
holds, never by read-modify-write in Python.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Row, RowMapping, func, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import JSONB

from service.jobs.params import EnrichParams, JobParams, ScrapeParams
from service.jobs.records import Job, JobError, JobKind, JobStatus
from service.repo.db import RawQuery, Tx
from service.repo.schema import jobs

__all__ = [
    "HistoryFilter",
    "Slots",
    "finish",
    "get",
    "get_many",
    "get_owned",
    "history",
    "hold",
    "insert",
    "job_from_row",
    "lock",
    "lock_slots",
    "promote_due",
    "record_retry",
    "redrive",
    "release_held",
    "reopen",
    "request_cancel",
    "stalled",
    "start",
]


class HistoryFilter(msgspec.Struct, frozen=True, kw_only=True):
    status: JobStatus | None = None
    kind: JobKind | None = None
    batch_id: uuid.UUID | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


async def insert(
    tx: Tx,
    *,
    job_id: uuid.UUID,
    api_key_id: uuid.UUID,
    params: JobParams,
    submitted: Mapping[str, object],
    status: JobStatus,
    run_at: datetime | None,
    batch_id: uuid.UUID | None = None,
) -> Job:
    kind: JobKind = "scrape" if isinstance(params, ScrapeParams) else "enrich"
    statement = (
        jobs.insert()
        .values(
            id=job_id,
            api_key_id=api_key_id,
            kind=kind,
            status=status,
            params=msgspec.to_builtins(params),
            submitted=dict(submitted),
            run_at=run_at,
            batch_id=batch_id,
            dispatch_seq=1,
        )
        .returning(*jobs.c)
    )
    return _job((await tx.execute(statement)).one())


_GET = RawQuery(text("SELECT * FROM jobs WHERE id = :job_id"))


async def get(tx: Tx, job_id: uuid.UUID) -> Job | None:
    """Every message starts by reading its job: on the hot path, so a raw query."""
    row = await _GET.fetchrow(tx, {"job_id": job_id})
    return None if row is None else job_from_row(row)


async def get_owned(tx: Tx, job_id: uuid.UUID, api_key_id: uuid.UUID) -> Job | None:
    query = select(jobs).where(jobs.c.id == job_id, jobs.c.api_key_id == api_key_id)
    row = (await tx.execute(query)).one_or_none()
    return None if row is None else _job(row)


async def get_many(tx: Tx, job_ids: Sequence[uuid.UUID]) -> list[Job]:
    """The jobs with these ids, in the order given."""
    rows = (await tx.execute(select(jobs).where(jobs.c.id.in_(job_ids)))).all()
    found = {row.id: _job(row) for row in rows}
    return [found[job_id] for job_id in job_ids if job_id in found]


async def history(
    tx: Tx,
    api_key_id: uuid.UUID,
    where: HistoryFilter,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Job]:
    """A key's jobs, newest first, a keyset page after ``after`` (created_at, id)."""
    c = jobs.c
    query = select(jobs).where(c.api_key_id == api_key_id)
    if where.status is not None:
        query = query.where(c.status == where.status)
    if where.kind is not None:
        query = query.where(c.kind == where.kind)
    if where.batch_id is not None:
        query = query.where(c.batch_id == where.batch_id, c.batch_id.is_not(None))
    if where.created_after is not None:
        query = query.where(c.created_at >= where.created_after)
    if where.created_before is not None:
        query = query.where(c.created_at < where.created_before)
    if after is not None:
        query = query.where(tuple_(c.created_at, c.id) < tuple_(*after))
    query = query.order_by(c.created_at.desc(), c.id.desc()).limit(limit)
    return [_job(row) for row in (await tx.execute(query)).all()]


async def lock(tx: Tx, job_id: uuid.UUID) -> Job | None:
    """The job row, locked until the transaction ends: the job's one writer at a time."""
    query = select(jobs).where(jobs.c.id == job_id).with_for_update()
    row = (await tx.execute(query)).one_or_none()
    return None if row is None else _job(row)


async def start(tx: Tx, job_id: uuid.UUID, *, pages_total: int | None) -> Job:
    return await _update(
        tx,
        job_id,
        {
            "status": "running",
            "started_at": func.coalesce(jobs.c.started_at, func.now()),
            # A resumed job keeps the estimate its earlier pages refined.
            "pages_total": func.coalesce(jobs.c.pages_total, pages_total),
        },
    )


async def record_retry(tx: Tx, job_id: uuid.UUID) -> Job:
    c = jobs.c
    return await _update(
        tx, job_id, {"page_attempts": c.page_attempts + 1, "dispatch_seq": c.dispatch_seq + 1}
    )


class Slots(msgspec.Struct, frozen=True):
    running: int
    max_running: int


async def lock_slots(tx: Tx, api_key_id: uuid.UUID) -> Slots:
    """The key's running jobs and cap, with the key locked: its jobs start one at a time.

    FOR NO KEY UPDATE leaves the foreign-key checks of concurrent inserts (which
    take KEY SHARE) unblocked.
    """
    cap = await tx.execute(
        text("SELECT max_running FROM api_keys WHERE id = :key FOR NO KEY UPDATE"),
        {"key": api_key_id},
    )
    running = await tx.execute(
        select(func.count()).where(jobs.c.api_key_id == api_key_id, jobs.c.status == "running")
    )
    return Slots(running=int(running.scalar_one()), max_running=int(cap.scalar_one()))


async def hold(tx: Tx, job_id: uuid.UUID) -> Job:
    """The job waits, without a message, for a running slot of its key or for its source
    job to end; ``release_held`` sends it on."""
    c = jobs.c
    return await _update(tx, job_id, {"held_since": func.now(), "dispatch_seq": c.dispatch_seq + 1})


# Held jobs, oldest first per key, as many as each key has free running slots; an
# enrich job waiting for its source job only once that job has ended.
_RELEASE = text("""
WITH keys AS (
    SELECT DISTINCT api_key_id FROM jobs WHERE held_since IS NOT NULL
), free AS (
    SELECT k.id AS api_key_id,
           k.max_running - (SELECT count(*) FROM jobs r
                            WHERE r.api_key_id = k.id AND r.status = 'running') AS slots
    FROM api_keys k JOIN keys ON keys.api_key_id = k.id
), ranked AS (
    SELECT j.id, free.slots,
           row_number() OVER (PARTITION BY j.api_key_id ORDER BY j.held_since, j.id) AS n
    FROM jobs j JOIN free USING (api_key_id)
    WHERE j.held_since IS NOT NULL AND NOT EXISTS (
        SELECT FROM jobs s
        WHERE s.id = CAST(j.params->>'source_job_id' AS uuid)
          AND s.status NOT IN ('succeeded', 'failed', 'cancelled')
    )
), chosen AS (
    SELECT id FROM jobs
    WHERE id IN (SELECT id FROM ranked WHERE n <= slots) AND held_since IS NOT NULL
    LIMIT :limit
    FOR UPDATE SKIP LOCKED
)
UPDATE jobs SET held_since = NULL, dispatch_seq = dispatch_seq + 1, updated_at = now()
WHERE id IN (SELECT id FROM chosen)
RETURNING *
""").columns(params=JSONB, submitted=JSONB)


async def release_held(tx: Tx, *, limit: int) -> list[Job]:
    """Held jobs whose keys have free running slots (and whose source jobs, if any, have
    ended) go back in line, each with a message.

    The start that follows checks the cap again under the key's lock, so a release
    that races another start only means the job is held once more.
    """
    return [_job(row) for row in (await tx.execute(_RELEASE, {"limit": limit})).all()]


async def request_cancel(tx: Tx, job_id: uuid.UUID) -> Job:
    return await _update(tx, job_id, {"cancel_requested": True})


async def reopen(tx: Tx, job_id: uuid.UUID) -> Job:
    """A failed or cancelled job runs again from its checkpoint: a new run, a new message."""
    c = jobs.c
    return await _update(
        tx,
        job_id,
        {
            "status": "queued",
            "run": c.run + 1,
            "finished_at": None,
            "error_type": None,
            "error_message": None,
            "error_page": None,
            "cancel_requested": False,
            "page_attempts": 0,
            "dispatch_seq": c.dispatch_seq + 1,
        },
    )


async def redrive(tx: Tx, job_id: uuid.UUID) -> Job:
    """A new current message for the job: any earlier one, lost or not, becomes stale."""
    return await _update(tx, job_id, {"dispatch_seq": jobs.c.dispatch_seq + 1})


async def promote_due(tx: Tx, *, limit: int) -> list[Job]:
    """Scheduled jobs whose time has come become queued, with a new message each.

    Rows another worker holds are skipped, so every worker can run this at once.
    """
    c = jobs.c
    due = (
        select(c.id)
        .where(c.status == "scheduled", c.run_at <= func.now())
        .order_by(c.run_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(jobs)
        .where(c.id.in_(due.scalar_subquery()))
        .values(status="queued", dispatch_seq=c.dispatch_seq + 1, updated_at=func.now())
        .returning(*jobs.c)
    )
    return [_job(row) for row in (await tx.execute(statement)).all()]


async def stalled(tx: Tx, *, silent_for_s: int, limit: int) -> list[Job]:
    """Queued or running jobs with no state change or progress for ``silent_for_s``, locked.

    Held jobs are not stalled: they wait, by design without a message, for release.
    """
    c = jobs.c
    query = (
        select(jobs)
        .where(
            c.status.in_(("queued", "running")),
            c.held_since.is_(None),
            c.updated_at
            < func.now() - text("make_interval(secs => :silent)").bindparams(silent=silent_for_s),
        )
        .order_by(c.updated_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [_job(row) for row in (await tx.execute(query)).all()]


async def finish(
    tx: Tx, job_id: uuid.UUID, status: JobStatus, error: JobError | None = None
) -> Job:
    values: dict[str, object] = {
        "status": status,
        "finished_at": func.now(),
        "held_since": None,
        "error_type": None if error is None else error.type,
        "error_message": None if error is None else error.message,
        "error_page": None if error is None else error.page,
    }
    if status == "succeeded":
        values["pages_total"] = jobs.c.pages_done
    return await _update(tx, job_id, values)


async def _update(tx: Tx, job_id: uuid.UUID, values: Mapping[str, object]) -> Job:
    statement = (
        update(jobs)
        .where(jobs.c.id == job_id)
        .values({**values, "updated_at": func.now()})
        .returning(*jobs.c)
    )
    return _job((await tx.execute(statement)).one())


def _job(row: Row[tuple[object, ...]]) -> Job:
    return job_from_row(row._mapping)


def job_from_row(m: Mapping[str, Any] | RowMapping) -> Job:
    """A job from a row holding every column of ``jobs`` (and perhaps more)."""
    params_type: type[ScrapeParams] | type[EnrichParams] = (
        ScrapeParams if m["kind"] == "scrape" else EnrichParams
    )
    raw_params = m["params"]
    params = (
        msgspec.json.decode(raw_params, type=params_type)
        if isinstance(raw_params, str)  # straight from asyncpg
        else msgspec.convert(raw_params, type=params_type)
    )
    # Jobs created before the body was kept show their decoded parameters.
    body = m["submitted"] if m["submitted"] is not None else raw_params
    submitted = msgspec.Raw(body if isinstance(body, str) else msgspec.json.encode(body))
    error = None
    if m["error_type"] is not None:
        error = JobError(type=m["error_type"], message=m["error_message"], page=m["error_page"])
    fields: Sequence[str] = [
        f for f in Job.__struct_fields__ if f not in ("params", "submitted", "error")
    ]
    return Job(
        params=params,
        submitted=submitted,
        error=error,
        **{f: m[f] for f in fields},
    )

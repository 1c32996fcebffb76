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
from sqlalchemy import Row, RowMapping, func, select, text, update

from service.jobs.params import EnrichParams, JobParams, ScrapeParams
from service.jobs.records import Job, JobError, JobKind, JobStatus
from service.repo.db import RawQuery, Tx
from service.repo.schema import jobs

__all__ = [
    "finish",
    "get",
    "get_owned",
    "insert",
    "job_from_row",
    "lock",
    "record_retry",
    "start",
]


async def insert(
    tx: Tx,
    *,
    job_id: uuid.UUID,
    api_key_id: uuid.UUID,
    params: JobParams,
    status: JobStatus,
    run_at: datetime | None,
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
            run_at=run_at,
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
            "pages_total": func.coalesce(pages_total, jobs.c.pages_total),
        },
    )


async def record_retry(tx: Tx, job_id: uuid.UUID) -> Job:
    c = jobs.c
    return await _update(
        tx, job_id, {"page_attempts": c.page_attempts + 1, "dispatch_seq": c.dispatch_seq + 1}
    )


async def finish(
    tx: Tx, job_id: uuid.UUID, status: JobStatus, error: JobError | None = None
) -> Job:
    values: dict[str, object] = {
        "status": status,
        "finished_at": func.now(),
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
    error = None
    if m["error_type"] is not None:
        error = JobError(type=m["error_type"], message=m["error_message"], page=m["error_page"])
    fields: Sequence[str] = [f for f in Job.__struct_fields__ if f not in ("params", "error")]
    return Job(
        params=params,
        error=error,
        **{f: m[f] for f in fields},
    )

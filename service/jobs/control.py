"""Cancelling and resuming a job: what a key may do to its own jobs, and when."""

from __future__ import annotations

import logging
import uuid

from service.errors import Conflict, NotFound
from service.jobs.dispatch import send_next
from service.jobs.lifecycle import end_job
from service.jobs.records import ApiKey, Job
from service.logs import emit
from service.repo import Database, Tx, events, jobs
from service.repo.outbox import OutboxMessage

__all__ = ["cancel", "resume"]

log = logging.getLogger(__name__)

Sent = list[OutboxMessage]


async def _owned(tx: Tx, key: ApiKey, job_id: uuid.UUID) -> Job:
    job = await jobs.lock(tx, job_id)
    if job is None or job.api_key_id != key.id:
        raise NotFound(f"no job {job_id}")
    return job


async def cancel(db: Database, key: ApiKey, job_id: uuid.UUID) -> tuple[Job, Sent]:
    """Cancel at once, whatever the job is doing.

    A scheduled or queued job never starts. A running job's page in flight is
    discarded when it tries to commit (the job is no longer running), so no page is
    stored after the cancel; pages already committed keep their leads. Cancelling a
    cancelled job again changes nothing; a job that succeeded or failed is a conflict.
    """
    async with db.transaction() as tx:
        job = await _owned(tx, key, job_id)
        if job.status == "cancelled":
            return job, []
        if job.status in ("succeeded", "failed"):
            raise Conflict(f"job {job_id} already {job.status}")
        await events.append(tx, job.id, "job.cancel_requested", {"status": job.status})
        job = await jobs.request_cancel(tx, job.id)
        return await end_job(tx, job, "cancelled")


async def resume(db: Database, key: ApiKey, job_id: uuid.UUID) -> tuple[Job, Sent]:
    """Run a failed or cancelled job again from its last committed page or batch."""
    async with db.transaction() as tx:
        job = await _owned(tx, key, job_id)
        if job.status not in ("failed", "cancelled"):
            raise Conflict(f"job {job_id} is {job.status}; only failed or cancelled jobs resume")
        job = await jobs.reopen(tx, job.id)
        data: events.EventData = {"run": job.run, "pages_done": job.pages_done}
        await events.append(tx, job.id, "job.resumed", data)
        emit(log, logging.INFO, "job.resumed", job_id=str(job.id), run=job.run)
        message = await send_next(tx, job)
    return job, [message]

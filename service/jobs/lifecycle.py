"""A job's ending: its terminal status, the event that says so, and its webhook.

Every path that ends a job outside the page commit (failures, cancels, an empty
enrich job) ends it here; the page commit statement does the same in SQL.
"""

from __future__ import annotations

import logging

from service import metrics
from service.jobs.messages import WEBHOOK_DELIVER
from service.jobs.records import Job, JobError, JobStatus
from service.logs import emit
from service.repo import Tx, events, jobs, outbox
from service.repo.outbox import OutboxMessage

__all__ = ["end_job"]

log = logging.getLogger(__name__)


async def end_job(
    tx: Tx, job: Job, status: JobStatus, error: JobError | None = None
) -> tuple[Job, list[OutboxMessage]]:
    """Move the job to a terminal status; the caller holds its row lock.

    Returns the ended job and the messages to publish once the transaction commits.
    """
    ended = await jobs.finish(tx, job.id, status, error)
    data: events.EventData = {"result_count": ended.result_count, "pages_done": ended.pages_done}
    if error is not None:
        data.update(error_type=error.type, message=error.message, page=error.page)
    await events.append(tx, job.id, f"job.{status}", data)
    emit(log, logging.INFO, f"job.{status}", job_id=str(job.id), result_count=ended.result_count)
    metrics.job_finished(ended)
    if ended.params.webhook_url is None:
        return ended, []
    return ended, [await outbox.add(tx, actor=WEBHOOK_DELIVER, job_id=job.id, seq=1)]

"""A job's next message: what submits, resumes, retries and maintenance send it on with.

The page commit statement writes the same row in SQL.
"""

from __future__ import annotations

from service.jobs.messages import ACTOR_FOR_KIND
from service.jobs.records import Job
from service.repo import Tx, outbox
from service.repo.outbox import OutboxMessage

__all__ = ["send_next"]


async def send_next(tx: Tx, job: Job, *, delay_ms: int = 0) -> OutboxMessage:
    """The job's current message (its ``dispatch_seq``), to publish once ``tx`` commits."""
    return await outbox.add(
        tx, actor=ACTOR_FOR_KIND[job.kind], job_id=job.id, seq=job.dispatch_seq, delay_ms=delay_ms
    )

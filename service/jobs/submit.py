"""Submitting a job: validate what types cannot, then write the job, its first event and
its first message in one transaction. The message is published after commit."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from service.errors import Conflict, FieldError, InvalidInput
from service.jobs.messages import ACTOR_FOR_KIND
from service.jobs.params import EnrichParams, JobParams
from service.jobs.records import TERMINAL, ApiKey, Job, JobStatus
from service.repo import Database, Tx, events, jobs, outbox
from service.repo.outbox import OutboxMessage

__all__ = ["MAX_SCHEDULE_AHEAD", "Submitter"]

MAX_SCHEDULE_AHEAD = timedelta(days=30)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Submitter:
    db: Database
    # Publishes messages that a committed transaction wrote to the outbox.
    dispatch: Callable[[Sequence[OutboxMessage]], None]
    # The simulator's knobs make no sense against a real provider: refuse them there.
    simulate_allowed: bool
    clock: Callable[[], datetime] = field(default=_utcnow)

    async def submit(self, key: ApiKey, params: JobParams) -> Job:
        self.check(params)
        async with self.db.transaction() as tx:
            if isinstance(params, EnrichParams) and params.source_job_id is not None:
                await _check_source(tx, key, params.source_job_id)
            job, message = await _create(tx, key, params)
        if message is not None:
            self.dispatch([message])
        return job

    def check(self, params: JobParams, *, prefix: str = "") -> None:
        """The rules msgspec types cannot express; raises InvalidInput naming each field."""
        problems: list[FieldError] = []
        if params.simulate is not None and not self.simulate_allowed:
            problems.append(
                FieldError(
                    field=prefix + "simulate",
                    message="only accepted when the simulator provider is configured",
                )
            )
        if params.run_at is not None:
            now = self.clock()
            if params.run_at <= now:
                problems.append(
                    FieldError(field=prefix + "run_at", message="must be in the future")
                )
            elif params.run_at > now + MAX_SCHEDULE_AHEAD:
                problems.append(
                    FieldError(field=prefix + "run_at", message="must be at most 30 days ahead")
                )
        if problems:
            raise InvalidInput(problems)


async def _check_source(tx: Tx, key: ApiKey, source_job_id: uuid.UUID) -> None:
    source = await jobs.get_owned(tx, source_job_id, key.id)
    if source is None or source.kind != "scrape":
        raise InvalidInput.field("source_job_id", "no scrape job with this id")
    if source.status not in TERMINAL:
        raise Conflict(
            f"source job {source_job_id} is still {source.status}; "
            "submit the enrich job once it has finished"
        )


async def _create(tx: Tx, key: ApiKey, params: JobParams) -> tuple[Job, OutboxMessage | None]:
    status: JobStatus = "scheduled" if params.run_at is not None else "queued"
    job = await jobs.insert(
        tx,
        job_id=uuid.uuid4(),
        api_key_id=key.id,
        params=params,
        status=status,
        run_at=params.run_at,
    )
    await events.append(tx, job.id, "job.created", {"status": status, "kind": job.kind})
    if status != "queued":
        return job, None
    message = await outbox.add(
        tx, actor=ACTOR_FOR_KIND[job.kind], job_id=job.id, seq=job.dispatch_seq
    )
    return job, message

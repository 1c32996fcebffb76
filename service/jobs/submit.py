"""Submitting jobs: validate what types cannot, then write the jobs, their first events
and their first messages in one transaction. The messages are published after commit.

A batch is all or nothing. An ``Idempotency-Key`` makes a submit safe to repeat: the
same key with the same body gives back what the first submit created.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import msgspec

from service import metrics
from service.errors import Conflict, FieldError, InvalidInput
from service.jobs import rate_limit
from service.jobs.dispatch import send_next
from service.jobs.params import EnrichParams, JobParams
from service.jobs.rate_limit import Quota, RateLimited
from service.jobs.records import ApiKey, Job, JobStatus
from service.jobs.webhooks import WebhookTargets
from service.logs import emit
from service.repo import Database, Tx, events, idempotency, jobs
from service.repo.idempotency import Remembered
from service.repo.outbox import OutboxMessage

__all__ = ["MAX_SCHEDULE_AHEAD", "NewJob", "Submission", "Submitter"]

MAX_SCHEDULE_AHEAD = timedelta(days=30)

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class NewJob:
    """A job to create: its parameters, and its request body as the client sent it (which
    the job's view shows; the defaults in ``params`` apply without being written in)."""

    params: JobParams
    body: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Submission:
    jobs: list[Job]
    # The key's rate limit after this submit, for the RateLimit-* headers.
    quota: Quota
    # True when an Idempotency-Key matched an earlier submit: nothing new was created.
    replayed: bool = False
    batch_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Submitter:
    db: Database
    # Publishes messages that a committed transaction wrote to the outbox.
    dispatch: Callable[[Sequence[OutboxMessage]], None]
    # The simulator's knobs make no sense against a real provider: refuse them there.
    simulate_allowed: bool
    webhook_targets: WebhookTargets
    clock: Callable[[], datetime] = field(default=_utcnow)

    async def submit(
        self, key: ApiKey, job: NewJob, *, idempotency_key: str | None = None
    ) -> Submission:
        return await self._submit(key, [job], is_batch=False, idempotency_key=idempotency_key)

    async def submit_batch(
        self, key: ApiKey, batch: Sequence[NewJob], *, idempotency_key: str | None = None
    ) -> Submission:
        """All of ``batch`` or none of it; every job of it shares one batch id."""
        return await self._submit(key, batch, is_batch=True, idempotency_key=idempotency_key)

    async def _submit(
        self,
        key: ApiKey,
        batch: Sequence[NewJob],
        *,
        is_batch: bool,
        idempotency_key: str | None,
    ) -> Submission:
        params = [job.params for job in batch]
        fingerprint = _fingerprint(params, is_batch=is_batch)
        if idempotency_key is not None:
            async with self.db.connect() as conn:
                earlier = await idempotency.find(conn, key.id, idempotency_key)
            if earlier is not None:
                return await self._replay(key, earlier, fingerprint)
        prefix = _batch_prefix if is_batch else _no_prefix
        await self._check_all(params, prefix)
        try:
            return await self._create_all(
                key, batch, prefix, fingerprint=fingerprint, idempotency_key=idempotency_key
            )
        except RateLimited:
            metrics.submits_rate_limited.inc()
            await rate_limit.count_rejection(self.db, key)
            raise

    async def _create_all(
        self,
        key: ApiKey,
        batch: Sequence[NewJob],
        prefix: Callable[[int], str],
        *,
        fingerprint: str,
        idempotency_key: str | None,
    ) -> Submission:
        job_ids = [uuid.uuid4() for _ in batch]
        batch_id = uuid.uuid4() if prefix is _batch_prefix else None
        async with self.db.transaction() as tx:
            earlier = None
            if idempotency_key is not None:
                earlier = await idempotency.claim(tx, key.id, idempotency_key, fingerprint, job_ids)
            if earlier is None:
                quota = await rate_limit.take(tx, key, len(batch))
                created, sent = await _create_each(tx, key, batch, job_ids, batch_id, prefix)
        # Outside the transaction: a replay reads on a connection of its own.
        if earlier is not None:
            return await self._replay(key, earlier, fingerprint)
        self.dispatch(sent)
        for job in created:
            metrics.jobs_submitted.labels(job.kind).inc()
            emit(
                log,
                logging.INFO,
                "job.submitted",
                job_id=str(job.id),
                kind=job.kind,
                status=job.status,
            )
        return Submission(jobs=created, quota=quota, batch_id=batch_id)

    async def _replay(self, key: ApiKey, earlier: Remembered, fingerprint: str) -> Submission:
        if earlier.request_hash != fingerprint:
            raise Conflict("this Idempotency-Key was used with a different request body")
        async with self.db.connect() as conn:
            found = await jobs.get_many(conn, earlier.job_ids)
        batch_id = found[0].batch_id if found else None
        quota = await rate_limit.peek(self.db, key)
        return Submission(jobs=found, quota=quota, replayed=True, batch_id=batch_id)

    async def _check_all(self, batch: Sequence[JobParams], prefix: Callable[[int], str]) -> None:
        problems = [p for i, params in enumerate(batch) for p in self.problems(params, prefix(i))]
        for index, params in enumerate(batch):
            if params.webhook_url is None:
                continue
            refused = await self.webhook_targets.problem(params.webhook_url, unresolved_ok=True)
            if refused is not None:
                problems.append(FieldError(field=prefix(index) + "webhook_url", message=refused))
        if problems:
            raise InvalidInput(problems)

    def problems(self, params: JobParams, prefix: str = "") -> list[FieldError]:
        """The rules msgspec types cannot express, each naming its field."""
        found: list[FieldError] = []
        if params.simulate is not None and not self.simulate_allowed:
            message = "only accepted when the simulator provider is configured"
            found.append(FieldError(field=prefix + "simulate", message=message))
        if params.run_at is not None:
            now = self.clock()
            if params.run_at <= now:
                found.append(FieldError(field=prefix + "run_at", message="must be in the future"))
            elif params.run_at > now + MAX_SCHEDULE_AHEAD:
                message = "must be at most 30 days ahead"
                found.append(FieldError(field=prefix + "run_at", message=message))
        return found


def _batch_prefix(index: int) -> str:
    return f"jobs[{index}]."


def _no_prefix(index: int) -> str:
    return ""


def _fingerprint(batch: Sequence[JobParams], *, is_batch: bool) -> str:
    body = msgspec.json.encode({"batch": is_batch, "jobs": list(batch)})
    return hashlib.sha256(body).hexdigest()


async def _create_each(
    tx: Tx,
    key: ApiKey,
    batch: Sequence[NewJob],
    job_ids: list[uuid.UUID],
    batch_id: uuid.UUID | None,
    prefix: Callable[[int], str],
) -> tuple[list[Job], list[OutboxMessage]]:
    created, sent = [], []
    for index, (job_id, new) in enumerate(zip(job_ids, batch, strict=True)):
        params = new.params
        if isinstance(params, EnrichParams) and params.source_job_id is not None:
            await _check_source(tx, key, params.source_job_id, prefix(index))
        job, messages = await _create(tx, key, job_id, new, batch_id)
        created.append(job)
        sent.extend(messages)
    return created, sent


async def _check_source(tx: Tx, key: ApiKey, source_job_id: uuid.UUID, prefix: str) -> None:
    source = await jobs.get_owned(tx, source_job_id, key.id)
    if source is None or source.kind != "scrape":
        raise InvalidInput.field(prefix + "source_job_id", "no scrape job with this id")


async def _create(
    tx: Tx, key: ApiKey, job_id: uuid.UUID, new: NewJob, batch_id: uuid.UUID | None
) -> tuple[Job, list[OutboxMessage]]:
    status: JobStatus = "scheduled" if new.params.run_at is not None else "queued"
    job = await jobs.insert(
        tx,
        job_id=job_id,
        api_key_id=key.id,
        params=new.params,
        submitted=new.body,
        status=status,
        run_at=new.params.run_at,
        batch_id=batch_id,
    )
    await events.append(tx, job.id, "job.created", {"status": status, "kind": job.kind})
    if status != "queued":
        return job, []
    return job, [await send_next(tx, job)]

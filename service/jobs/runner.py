"""The job runner: advances a job by one page or batch per message.

Four steps, so that no transaction stays open across a provider call and a
redelivered or duplicated message changes nothing twice:

1. a short read: is this message still the job's current one (``dispatch_seq``),
   is the job cancelled, does it need starting?
2. the provider call, with no transaction open;
3. one statement under the job's row lock (``page_commit``): re-check the message
   is current, store the leads, checkpoint the page, move the counters, append
   the event, and write the next message to the outbox (or end the job);
4. return the messages committed: the caller publishes them (and the outbox
   relay does, should the caller die first).
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

from service import metrics
from service.jobs import enrich, scrape
from service.jobs.dispatch import send_next
from service.jobs.lifecycle import end_job
from service.jobs.messages import UNIT_FOR_KIND
from service.jobs.params import EnrichParams, ScrapeParams
from service.jobs.records import Job, JobError, JobStatus
from service.jobs.retry import RetryPolicy
from service.jobs.work import Fetched
from service.logs import bound, emit
from service.providers.base import LeadProvider, ProviderPermanent, ProviderTransient
from service.repo import Database, Tx, events, jobs, page_commit
from service.repo.outbox import OutboxMessage

__all__ = ["Runtime", "advance", "fail_internal"]

log = logging.getLogger(__name__)

Sent = list[OutboxMessage]


@dataclass(frozen=True, slots=True)
class Runtime:
    db: Database
    provider: LeadProvider
    retry: RetryPolicy


async def advance(rt: Runtime, job_id: uuid.UUID, seq: int) -> Sent:
    """Handle the message (job_id, seq): one page or batch of the job, or nothing if stale.

    Returns the messages the handling committed to the outbox, for the caller to publish.
    """
    with bound(job_id=str(job_id)):
        return await _advance(rt, job_id, seq)


async def _advance(rt: Runtime, job_id: uuid.UUID, seq: int) -> Sent:
    # The read and the commit each check a connection out: holding one across the
    # provider call (seconds, for a real provider) would hold two per message at
    # times (a start or an enrich source read needs its own), and idle.
    async with rt.db.connect() as conn:
        job = _current(await jobs.get(conn, job_id), seq)
    if job is None:
        return []
    if job.cancel_requested:
        return await _finish(rt, job, "cancelled")
    sent: Sent = []
    if job.status == "queued":
        started, sent = await _start(rt, job)
        if started is None or started.status != "running":
            return sent
        job = started
    try:
        fetched = await _fetch(rt, job)
    except ProviderTransient as exc:
        return sent + await _retry_or_give_up(rt, job, exc)
    except ProviderPermanent as exc:
        page = job.pages_done + 1
        emit(
            log,
            logging.WARNING,
            "job.failed",
            error_type="provider_rejected",
            page=page,
            error=str(exc),
        )
        error = JobError(type="provider_rejected", message=str(exc), page=page)
        metrics.pages.labels(job.kind, "failed", error.type).inc()
        return sent + await _finish(rt, job, "failed", error)
    return sent + await _store(rt, job, fetched)


async def fail_internal(rt: Runtime, job_id: uuid.UUID, message: str) -> Sent:
    """A message for the job failed for a reason of ours, beyond its retries: fail the job."""
    # A person should look: our own error outlasted its retries.
    emit(log, logging.ERROR, "job.failed", job_id=str(job_id), error_type="internal")
    async with rt.db.transaction() as tx:
        job = await jobs.lock(tx, job_id)
        if job is None or job.status not in ("queued", "running"):
            return []
        metrics.pages.labels(job.kind, "failed", "internal").inc()
        _, sent = await end_job(tx, job, "failed", JobError(type="internal", message=message))
    return sent


def _current(job: Job | None, seq: int) -> Job | None:
    if job is None or job.dispatch_seq != seq or job.status not in ("queued", "running"):
        return None
    return job


async def _fetch(rt: Runtime, job: Job) -> Fetched:
    params = job.params
    operation = "search" if isinstance(params, ScrapeParams) else "enrich"
    started = time.perf_counter()
    try:
        if isinstance(params, ScrapeParams):
            return await scrape.fetch_page(rt.provider, job, params)
        return await enrich.fetch_batch(rt.db, rt.provider, job, params)
    except ProviderTransient:
        metrics.provider_errors.labels(operation, "transient").inc()
        raise
    except ProviderPermanent:
        metrics.provider_errors.labels(operation, "permanent").inc()
        raise
    finally:
        metrics.provider_seconds.labels(operation).observe(time.perf_counter() - started)


async def _start(rt: Runtime, read: Job) -> tuple[Job | None, Sent]:
    async with rt.db.transaction() as tx:
        job = _current(await jobs.lock(tx, read.id), read.dispatch_seq)
        if job is None or job.status != "queued":
            return job, []
        if isinstance(job.params, EnrichParams) and await enrich.source_running(tx, job.params):
            # It reads the scrape job's results, so it waits, holding no message and no
            # slot; maintenance releases it once that job has ended.
            await jobs.hold(tx, job.id)
            source = str(job.params.source_job_id)
            await events.append(tx, job.id, "job.waiting", {"source_job_id": source})
            emit(log, logging.INFO, "job.waiting", source_job_id=source)
            return None, []
        slots = await jobs.lock_slots(tx, job.api_key_id)
        if slots.running >= slots.max_running:
            # Over its key's cap the job waits, holding no message and no worker;
            # maintenance releases it when one of the key's running jobs ends.
            await jobs.hold(tx, job.id)
            data: events.EventData = {"running": slots.running, "max_running": slots.max_running}
            await events.append(tx, job.id, "job.held", data)
            emit(
                log, logging.INFO, "job.held", running=slots.running, max_running=slots.max_running
            )
            return None, []
        total = await _planned_units(tx, rt.provider, job)
        job = await jobs.start(tx, job.id, pages_total=total)
        await events.append(tx, job.id, "job.started", {"run": job.run, "pages_total": total})
        emit(log, logging.INFO, "job.started", kind=job.kind, run=job.run, pages_total=total)
        if total == 0:
            return await end_job(tx, job, "succeeded")
    return job, []


async def _planned_units(tx: Tx, provider: LeadProvider, job: Job) -> int:
    if isinstance(job.params, EnrichParams):
        return await enrich.count_batches(tx, job.params, provider.batch_size)
    return scrape.first_estimate(job.params, provider.page_size)


async def _store(rt: Runtime, job: Job, fetched: Fetched) -> Sent:
    """Commit the page in one statement, which writes nothing if ``job`` was read stale."""
    plan = fetched.plan(job)
    async with rt.db.connect() as conn:
        committed = await page_commit.commit_page(conn, job, plan)
    if committed is None:
        return []
    moved, sent = committed
    emit(
        log,
        logging.DEBUG,
        f"{plan.unit_name}.done",
        page=plan.unit,
        result_count=moved.result_count,
    )
    metrics.pages.labels(job.kind, "done", "").inc()
    metrics.leads_stored.labels(job.kind).inc(moved.result_count - job.result_count)
    if moved.status != "running":
        emit(log, logging.INFO, f"job.{moved.status}", result_count=moved.result_count)
        metrics.job_finished(moved)
    return sent


async def _retry_or_give_up(rt: Runtime, job: Job, exc: ProviderTransient) -> Sent:
    unit, number = UNIT_FOR_KIND[job.kind], job.pages_done + 1
    failed_attempts = job.page_attempts + 1
    delay = rt.retry.delay_ms(failed_attempts, exc.retry_after_s)
    async with rt.db.transaction() as tx:
        current = _current(await jobs.lock(tx, job.id), job.dispatch_seq)
        if current is None:
            return []
        if delay is None:
            message = f"{unit} {number}: gave up after {failed_attempts} attempts: {exc}"
            emit(
                log, logging.WARNING, "job.failed", error_type="provider_unavailable", error=message
            )
            error = JobError(type="provider_unavailable", message=message, page=number)
            metrics.pages.labels(job.kind, "failed", error.type).inc()
            return (await end_job(tx, current, "failed", error))[1]
        current = await jobs.record_retry(tx, job.id)
        data: events.EventData = {
            unit: number,
            "attempt": failed_attempts,
            "delay_ms": delay,
            "error": str(exc),
        }
        await events.append(tx, job.id, f"{unit}.retrying", data)
        metrics.pages.labels(job.kind, "retried", "provider_unavailable").inc()
        emit(
            log,
            logging.WARNING,
            f"{unit}.retrying",
            page=number,
            attempt=failed_attempts,
            delay_ms=delay,
            error=str(exc),
        )
        retry = await send_next(tx, current, delay_ms=delay)
    return [retry]


async def _finish(rt: Runtime, read: Job, status: JobStatus, error: JobError | None = None) -> Sent:
    """End the job, unless another message got to it first since ``read``."""
    async with rt.db.transaction() as tx:
        job = _current(await jobs.lock(tx, read.id), read.dispatch_seq)
        if job is None:
            return []
        return (await end_job(tx, job, status, error))[1]

"""The job object clients see (API responses, webhooks, the CLI), built from a record."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from service.jobs.records import Job, JobError, JobKind, JobStatus

__all__ = ["JobView", "Progress", "job_view", "percent_done"]


class Progress(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Pages for scrape jobs, batches of leads for enrich jobs; enrich adds outcomes."""

    pages_done: int
    pages_total: int | None
    items_done: int
    percent: float
    enriched: int | None = None
    not_found: int | None = None
    failed: int | None = None


class JobView(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    kind: JobKind
    status: JobStatus
    created_at: datetime
    run_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    params: Annotated[
        msgspec.Raw,
        msgspec.Meta(
            description="The job's body as submitted (a ScrapeParams or EnrichParams object);"
            " defaults apply without being written in."
        ),
    ]
    progress: Progress
    result_count: int
    error: JobError | None
    cancel_requested: bool
    batch_id: uuid.UUID | None = None


def job_view(job: Job) -> JobView:
    return JobView(
        id=job.id,
        kind=job.kind,
        status=job.status,
        created_at=job.created_at,
        run_at=job.run_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
        params=job.submitted,
        progress=_progress(job),
        result_count=job.result_count,
        error=job.error,
        cancel_requested=job.cancel_requested,
        batch_id=job.batch_id,
    )


def percent_done(status: JobStatus, pages_done: int, pages_total: int | None) -> float | None:
    """How far the job is, 0-100; None while nothing says how many pages there will be."""
    if status == "succeeded":
        return 100.0
    if pages_total:
        return round(min(100.0, 100.0 * pages_done / pages_total), 1)
    return None


def _progress(job: Job) -> Progress:
    percent = percent_done(job.status, job.pages_done, job.pages_total)
    outcomes = job.kind == "enrich"
    return Progress(
        pages_done=job.pages_done,
        pages_total=job.pages_total,
        items_done=job.items_done,
        percent=0.0 if percent is None else percent,
        enriched=job.enriched_count if outcomes else None,
        not_found=job.not_found_count if outcomes else None,
        failed=job.failed_count if outcomes else None,
    )

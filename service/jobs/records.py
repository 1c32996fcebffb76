"""The job service's records: what the repositories return and the job logic works on."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

import msgspec

from service.jobs.params import JobParams

__all__ = [
    "ACTIVE",
    "TERMINAL",
    "ApiKey",
    "ErrorType",
    "Job",
    "JobError",
    "JobKind",
    "JobStatus",
    "Lead",
]

JobKind = Literal["scrape", "enrich"]
JobStatus = Literal["scheduled", "queued", "running", "succeeded", "failed", "cancelled"]
ErrorType = Literal["provider_unavailable", "provider_rejected", "invalid_input", "internal"]

ACTIVE: frozenset[JobStatus] = frozenset({"scheduled", "queued", "running"})
TERMINAL: frozenset[JobStatus] = frozenset({"succeeded", "failed", "cancelled"})


class JobError(msgspec.Struct, frozen=True, kw_only=True):
    type: ErrorType
    message: str
    page: int | None = None


class Job(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    api_key_id: uuid.UUID
    kind: JobKind
    status: JobStatus
    params: JobParams
    # The request body as the client sent it (JSON): what the job's view shows.
    submitted: msgspec.Raw
    created_at: datetime
    run_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime
    run: int
    dispatch_seq: int
    page_attempts: int
    pages_done: int
    pages_total: int | None
    items_done: int
    result_count: int
    enriched_count: int
    not_found_count: int
    failed_count: int
    error: JobError | None
    cancel_requested: bool
    batch_id: uuid.UUID | None
    held_since: datetime | None


class Lead(msgspec.Struct, frozen=True, kw_only=True):
    """A results item; CSV has the same columns in this order."""

    id: int
    profile_url: str | None
    full_name: str | None
    first_name: str | None
    last_name: str | None
    title: str | None
    company: str | None
    company_domain: str | None
    location: str | None
    industry: str | None
    email: str | None
    email_status: str | None
    phone: str | None
    company_size: str | None
    enrichment_status: str | None
    enriched_at: datetime | None
    first_seen_at: datetime


class ApiKey(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    name: str
    key_prefix: str
    rate_per_minute: int
    burst: int
    max_running: int
    created_at: datetime
    revoked_at: datetime | None

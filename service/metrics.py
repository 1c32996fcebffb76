"""Prometheus metrics: what the API and the workers count, and how they are served.

API processes serve ``GET /metrics``; a worker serves its processes' metrics on
``LEADJOBS_WORKER_METRICS_PORT``. Either runs several processes (``--workers``,
``--processes``), which share one multiprocess directory made by the command that
starts them (``service.metrics_setup``), so a scrape sees the sum of them all.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from service.jobs.records import Job
from service.metrics_setup import MULTIPROC_ENV

__all__ = ["job_finished", "render"]

PAGE_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
JOB_SECONDS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200)

http_requests = Counter(
    "leadjobs_http_requests", "API requests served.", ["method", "route", "status"]
)
http_seconds = Histogram(
    "leadjobs_http_request_duration_seconds", "API request latency.", ["method", "route"]
)
jobs_submitted = Counter("leadjobs_jobs_submitted", "Jobs submitted.", ["kind"])
submits_rate_limited = Counter(
    "leadjobs_submits_rate_limited", "Submits refused by a key's rate limit (429)."
)
jobs_finished = Counter(
    "leadjobs_jobs_finished", "Jobs that reached a final status.", ["kind", "status"]
)
job_seconds = Histogram(
    "leadjobs_job_duration_seconds",
    "From a job's start to its end, for jobs that started.",
    ["kind"],
    buckets=JOB_SECONDS,
)
pages = Counter(
    "leadjobs_pages",
    "Pages (scrape) and batches (enrich) by outcome (done, retried, failed) and the "
    "error type of a retry or failure (as in a job's error.type; empty when done).",
    ["kind", "outcome", "error_type"],
)
provider_errors = Counter(
    "leadjobs_provider_errors",
    "Provider calls that failed, by operation and kind of error (transient, permanent).",
    ["operation", "error"],
)
provider_seconds = Histogram(
    "leadjobs_provider_call_seconds",
    "Provider call latency.",
    ["operation"],
    buckets=PAGE_SECONDS,
)
leads_stored = Counter("leadjobs_leads_stored", "Leads linked to jobs' results.", ["kind"])
webhook_attempts = Counter(
    "leadjobs_webhook_attempts", "Webhook delivery attempts by outcome.", ["outcome"]
)


def render(*extra: object) -> tuple[bytes, str]:
    """The exposition text of every process of this command, and its content type.

    ``extra`` collectors (per-scrape gauges) are added for this scrape only.
    """
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY
    for collector in extra:
        registry.register(collector)  # type: ignore[arg-type]
    try:
        return generate_latest(registry), CONTENT_TYPE_LATEST
    finally:
        for collector in extra:
            registry.unregister(collector)  # type: ignore[arg-type]


def job_finished(job: Job) -> None:
    """Count a job that just reached its final status."""
    jobs_finished.labels(job.kind, job.status).inc()
    if job.started_at is not None and job.finished_at is not None:
        seconds = (job.finished_at - job.started_at).total_seconds()
        job_seconds.labels(job.kind).observe(max(0.0, seconds))

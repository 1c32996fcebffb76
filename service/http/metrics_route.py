"""GET /metrics: Prometheus text for the API processes, plus the fleet's current state."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from litestar import Response, get
from litestar.di import NamedDependency
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from service import metrics
from service.http.state import AppState
from service.repo import fleet

__all__ = ["metrics_endpoint"]

PROBE_TIMEOUT_S = 3.0


class _Fleet(Collector):
    """Gauges read at scrape time from PostgreSQL and RabbitMQ: the same from any process."""

    def __init__(self, totals: list[fleet.JobTotals], outbox: int, queues: dict[str, int]) -> None:
        self._totals, self._outbox, self._queues = totals, outbox, queues

    def collect(self) -> Iterator[GaugeMetricFamily]:
        labels = ["kind", "state"]
        jobs = GaugeMetricFamily("leadjobs_jobs", "Jobs kept, by kind and state.", labels=labels)
        pages = GaugeMetricFamily(
            "leadjobs_jobs_pages_done", "Pages or batches done by jobs kept.", labels=labels
        )
        leads = GaugeMetricFamily(
            "leadjobs_jobs_result_leads", "Leads in the results of jobs kept.", labels=labels
        )
        for row in self._totals:
            jobs.add_metric([row.kind, row.state], row.jobs)
            pages.add_metric([row.kind, row.state], row.pages)
            leads.add_metric([row.kind, row.state], row.leads)
        yield from (jobs, pages, leads)
        yield GaugeMetricFamily(
            "leadjobs_outbox_messages", "Committed messages not yet published.", value=self._outbox
        )
        depth = GaugeMetricFamily(
            "leadjobs_queue_messages", "Messages waiting in RabbitMQ, by queue.", labels=["queue"]
        )
        for queue, count in self._queues.items():
            depth.add_metric([queue], count)
        yield depth


@get("/metrics", summary="Prometheus metrics", tags=["health"], media_type="text/plain")
async def metrics_endpoint(svc: NamedDependency[AppState]) -> Response[bytes]:
    async with svc.db.connect() as conn:
        totals = await fleet.job_totals(conn)
        outbox = await fleet.outbox_backlog(conn)
    try:
        queues = await asyncio.wait_for(svc.queue_depths(), PROBE_TIMEOUT_S)
    except Exception:
        # The broker being down must not hide the rest; readiness reports it.
        queues = {}
    body, content_type = metrics.render(_Fleet(totals, outbox, queues))
    return Response(body, media_type=content_type)

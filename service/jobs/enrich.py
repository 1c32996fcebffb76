"""One batch of an enrich job: pick its leads, ask the provider, store each lead's outcome."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from service.jobs.lead_keys import first_per_key, lead_key
from service.jobs.messages import ENRICH_BATCH
from service.jobs.params import EnrichLeadInput, EnrichParams
from service.jobs.records import TERMINAL, Job
from service.providers.base import (
    EnrichOutcome,
    EnrichRequest,
    EnrichStatus,
    EnrichTarget,
    LeadProvider,
)
from service.repo import Database, Tx, jobs, lead_writes, leads
from service.repo.page_commit import PageWrite

__all__ = ["count_batches", "fetch_batch", "source_running", "target_for"]

OUTCOMES: tuple[EnrichStatus, ...] = ("enriched", "not_found", "failed")


def target_for(given: EnrichLeadInput) -> EnrichTarget:
    key = lead_key(
        profile_url=given.profile_url,
        full_name=given.full_name,
        company=given.company,
        company_domain=given.company_domain,
    )
    return EnrichTarget(
        key=key,
        profile_url=given.profile_url,
        full_name=given.full_name,
        company=given.company,
        company_domain=given.company_domain,
    )


async def source_running(tx: Tx, params: EnrichParams) -> bool:
    """Whether the scrape job this enrich job reads has yet to end (the job waits for it)."""
    if params.source_job_id is None:
        return False
    source = await jobs.get(tx, params.source_job_id)
    return source is not None and source.status not in TERMINAL


async def count_batches(tx: Tx, params: EnrichParams, batch_size: int) -> int:
    """Batches the job has: fixed when it starts, since its source job has ended."""
    if params.leads is not None:
        count = len(params.leads)
    else:
        assert params.source_job_id is not None  # EnrichParams guarantees one of the two
        source = await jobs.get(tx, params.source_job_id)
        count = 0 if source is None else source.result_count
    return math.ceil(count / batch_size)


async def fetch_batch(
    db: Database, provider: LeadProvider, job: Job, params: EnrichParams
) -> _FetchedBatch:
    batch = job.pages_done + 1
    offset = (batch - 1) * provider.batch_size
    if params.leads is not None:
        given = params.leads[offset : offset + provider.batch_size]
        targets = [target_for(lead) for lead in given]
    else:
        assert params.source_job_id is not None
        async with db.connect() as conn:
            targets = await leads.source_targets(
                conn, params.source_job_id, offset=offset, limit=provider.batch_size
            )
    unique = first_per_key(targets, lambda target: target.key)
    request = EnrichRequest(
        targets=unique, attempt=job.page_attempts + 1, run=job.run, simulate=params.simulate
    )
    outcomes = await provider.enrich(request) if unique else []
    return _FetchedBatch(
        number=batch, first_position=offset, items=len(targets), results=_pair(unique, outcomes)
    )


def _pair(
    targets: list[EnrichTarget], outcomes: Sequence[EnrichOutcome]
) -> list[tuple[EnrichTarget, EnrichOutcome]]:
    by_key = {outcome.key: outcome for outcome in outcomes}
    missing = "the provider returned no outcome for this lead"
    return [
        (t, by_key.get(t.key) or EnrichOutcome(key=t.key, status="failed", error=missing))
        for t in targets
    ]


@dataclass(frozen=True, slots=True)
class _FetchedBatch:
    number: int
    first_position: int
    items: int
    results: list[tuple[EnrichTarget, EnrichOutcome]]

    def plan(self, job: Job) -> PageWrite:
        statuses = [outcome.status for _, outcome in self.results]
        return PageWrite(
            unit=self.number,
            unit_name="batch",
            fetched=len(self.results),
            items=self.items,
            first_position=self.first_position,
            pages_total=job.pages_total,
            last=self.number >= (job.pages_total or 0),
            max_results=None,
            leads=lead_writes.enriched(self.results),
            next_actor=ENRICH_BATCH,
            outcomes={status: statuses.count(status) for status in OUTCOMES},
        )

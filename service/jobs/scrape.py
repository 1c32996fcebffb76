"""One page of a scrape job: fetch it from the provider, then store it in the page's transaction."""

from __future__ import annotations

import math
from dataclasses import dataclass

from service.jobs.lead_keys import first_per_key, lead_key
from service.jobs.params import ScrapeParams
from service.jobs.records import Job
from service.jobs.work import Stored
from service.providers.base import LeadProvider, ScrapedLead, SearchPage, SearchRequest
from service.repo import Tx, leads

__all__ = ["fetch_page", "first_estimate"]


def first_estimate(params: ScrapeParams, page_size: int) -> int:
    """Pages the job will take at most, before the provider has said how many results it has."""
    if params.only_new:
        return params.max_pages
    return min(params.max_pages, math.ceil(params.max_results / page_size))


async def fetch_page(provider: LeadProvider, job: Job, params: ScrapeParams) -> _FetchedPage:
    page = job.pages_done + 1
    request = SearchRequest(
        search=params.search,
        page=page,
        page_size=provider.page_size,
        attempt=job.page_attempts + 1,
        run=job.run,
        simulate=params.simulate,
    )
    return _FetchedPage(
        number=page, params=params, result=await provider.search(request), size=provider.page_size
    )


@dataclass(frozen=True, slots=True)
class _FetchedPage:
    number: int
    params: ScrapeParams
    result: SearchPage
    size: int

    async def store(self, tx: Tx, job: Job) -> Stored:
        keyed = _unique(self.result.leads)
        room = self.params.max_results - job.result_count
        target = leads.Target(
            api_key_id=job.api_key_id, job_id=job.id, first_position=job.items_done
        )
        if self.params.only_new:
            stored = await leads.store_new(tx, target, keyed, limit=room)
        else:
            # Cut the page so result_count never passes max_results.
            keyed = keyed[:room]
            stored = await leads.store_scraped(tx, target, keyed)
        finished = (
            not self.result.has_more
            or self.number >= self.params.max_pages
            or job.result_count + stored >= self.params.max_results
        )
        return Stored(
            unit=self.number,
            items=len(keyed),
            stored=stored,
            fetched=len(self.result.leads),
            total=self._estimate(),
            finished=finished,
        )

    def _estimate(self) -> int:
        bound = first_estimate(self.params, self.size)
        if self.result.total is not None:
            bound = min(bound, max(1, math.ceil(self.result.total / self.size)))
        return max(bound, self.number)


def _unique(page: list[ScrapedLead]) -> list[tuple[str, ScrapedLead]]:
    """A page's leads with their dedup keys, first occurrence of each key kept."""
    keyed = [(_key_of(lead), lead) for lead in page]
    return first_per_key(keyed, lambda pair: pair[0])


def _key_of(lead: ScrapedLead) -> str:
    return lead_key(
        profile_url=lead.profile_url,
        provider_id=lead.provider_id,
        full_name=lead.full_name,
        company=lead.company,
        company_domain=lead.company_domain,
    )

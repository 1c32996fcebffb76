"""One page of a scrape job: fetch it from the provider, then store it in the page's transaction."""

from __future__ import annotations

import math
from dataclasses import dataclass

from service.jobs.lead_keys import first_per_key, lead_key
from service.jobs.messages import SCRAPE_PAGE
from service.jobs.params import ScrapeParams
from service.jobs.records import Job
from service.providers.base import LeadProvider, ScrapedLead, SearchPage, SearchRequest
from service.repo import lead_writes
from service.repo.page_commit import PageWrite

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

    def plan(self, job: Job) -> PageWrite:
        keyed = _unique(self.result.leads)
        room = self.params.max_results - job.result_count
        if self.params.only_new:
            leads = lead_writes.new_only(keyed, room=room)
        else:
            # Cut the page so result_count never passes max_results.
            keyed = keyed[:room]
            leads = lead_writes.scraped(keyed)
        return PageWrite(
            unit=self.number,
            unit_name="page",
            fetched=len(self.result.leads),
            items=len(keyed),
            first_position=job.items_done,
            pages_total=self._estimate(),
            last=not self.result.has_more or self.number >= self.params.max_pages,
            max_results=self.params.max_results,
            leads=leads,
            next_actor=SCRAPE_PAGE,
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

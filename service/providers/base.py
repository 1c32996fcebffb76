"""The lead provider protocol: what the job runner asks of a lead source.

    ProviderError
     ├── ProviderTransient   retry this page/batch later (timeouts, 5xx, 429)
     └── ProviderPermanent   fail the job now (4xx, bad credentials)

A provider is stateless between calls; everything a call depends on travels in
its request, which is what makes a redelivered page give the same leads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

import msgspec

from service.jobs.params import EnrichSimulation, ScrapeSimulation, SearchSpec

__all__ = [
    "EnrichOutcome",
    "EnrichRequest",
    "EnrichStatus",
    "EnrichTarget",
    "LeadProvider",
    "ProviderError",
    "ProviderPermanent",
    "ProviderTransient",
    "ScrapedLead",
    "SearchPage",
    "SearchRequest",
]

EnrichStatus = Literal["enriched", "not_found", "failed"]


class ProviderError(Exception):
    """A provider call failed; ``str(error)`` is safe to show to the job's owner."""


class ProviderTransient(ProviderError):
    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ProviderPermanent(ProviderError):
    pass


class ScrapedLead(msgspec.Struct, frozen=True, kw_only=True):
    provider_id: str
    profile_url: str | None = None
    full_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    company: str | None = None
    company_domain: str | None = None
    location: str | None = None
    industry: str | None = None
    company_size: str | None = None


class SearchPage(msgspec.Struct, frozen=True, kw_only=True):
    leads: list[ScrapedLead]
    has_more: bool
    total: int | None = None


class SearchRequest(msgspec.Struct, frozen=True, kw_only=True):
    search: SearchSpec
    page: int
    page_size: int
    attempt: int
    run: int
    simulate: ScrapeSimulation | None = None


class EnrichTarget(msgspec.Struct, frozen=True, kw_only=True):
    """One lead to enrich; ``key`` is ours and comes back on its outcome."""

    key: str
    profile_url: str | None = None
    full_name: str | None = None
    company: str | None = None
    company_domain: str | None = None


class EnrichOutcome(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    status: EnrichStatus
    error: str | None = None
    email: str | None = None
    email_status: str | None = None
    phone: str | None = None
    full_name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    title: str | None = None
    company: str | None = None
    company_domain: str | None = None
    location: str | None = None
    industry: str | None = None
    company_size: str | None = None


class EnrichRequest(msgspec.Struct, frozen=True, kw_only=True):
    targets: list[EnrichTarget]
    attempt: int
    run: int
    simulate: EnrichSimulation | None = None


class LeadProvider(Protocol):
    @property
    def page_size(self) -> int: ...

    @property
    def batch_size(self) -> int: ...

    async def search(self, request: SearchRequest) -> SearchPage: ...

    async def enrich(self, request: EnrichRequest) -> Sequence[EnrichOutcome]: ...

    async def aclose(self) -> None: ...

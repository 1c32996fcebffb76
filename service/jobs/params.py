"""What a client submits: the scrape and enrich job bodies, with every bound of the spec.

These structs are the request types of the HTTP API and the stored ``params`` of
a job, so a bound lives in exactly one place. Rules that depend on the clock
(``run_at``) are checked at submit time (``service.jobs.submit``), because stored
params are decoded again long after the clock has moved on.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, get_args

import msgspec
from msgspec import Meta

__all__ = [
    "COMPANY_SIZES",
    "EnrichLeadInput",
    "EnrichParams",
    "EnrichSimulation",
    "JobParams",
    "ScrapeParams",
    "ScrapeSimulation",
    "SearchSpec",
]

CompanySize = Literal[
    "1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001-10000", "10001+"
]
COMPANY_SIZES: tuple[str, ...] = get_args(CompanySize)

# PostgreSQL text cannot hold NUL, so no string the service stores may contain one.
NO_NUL = r"^[^\x00]*$"
Term = Annotated[str, Meta(min_length=1, max_length=100, pattern=NO_NUL)]
Name = Annotated[str, Meta(min_length=1, max_length=200, pattern=NO_NUL)]
Terms = Annotated[list[Term], Meta(max_length=10, description="at most 10 items")]
WebhookUrl = Annotated[
    str,
    Meta(
        max_length=2000,
        pattern=r"(?i)^https?://[^\s/?#\x00]+[^\s\x00]*$",
        description="http(s) URL that receives job.succeeded / job.failed / job.cancelled",
    ),
]
RunAt = Annotated[
    datetime,
    Meta(tz=True, description="start time (RFC 3339, with zone); future, at most 30 days ahead"),
]
LatencyMs = Annotated[int, Meta(ge=0, le=60_000, description="added provider latency per call")]


class SearchSpec(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    keywords: Name
    titles: Terms = []
    locations: Terms = []
    industries: Terms = []
    company_sizes: Annotated[list[CompanySize], Meta(max_length=10)] = []


class ScrapeSimulation(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Knobs of the simulator provider; refused when another provider is configured."""

    latency_ms: LatencyMs = 0
    total_results: Annotated[int, Meta(ge=0, le=100_000)] = 1000
    transient_failures_per_page: Annotated[int, Meta(ge=0, le=20)] = 0
    permanent_failure_at_page: Annotated[int, Meta(ge=1, le=100)] | None = None


class EnrichSimulation(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    latency_ms: LatencyMs = 0
    transient_failures_per_batch: Annotated[int, Meta(ge=0, le=20)] = 0
    not_found_rate: Annotated[float, Meta(ge=0.0, le=1.0)] = 0.0


class ScrapeParams(
    msgspec.Struct, forbid_unknown_fields=True, frozen=True, tag="scrape", tag_field="kind"
):
    search: SearchSpec
    max_pages: Annotated[int, Meta(ge=1, le=100)] = 10
    max_results: Annotated[int, Meta(ge=1, le=2500)] = 250
    only_new: bool = False
    run_at: RunAt | None = None
    webhook_url: WebhookUrl | None = None
    simulate: ScrapeSimulation | None = None


class EnrichLeadInput(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    """A lead to enrich: a profile URL, or a name with a company or company domain."""

    profile_url: (
        Annotated[str, Meta(max_length=500, pattern=r"(?i)^https?://[^\s/?#\x00]+/[^\s\x00]*$")]
        | None
    ) = None
    full_name: Name | None = None
    company: Name | None = None
    company_domain: (
        Annotated[
            str,
            Meta(
                max_length=253,
                pattern=r"^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$",
            ),
        ]
        | None
    ) = None

    def __post_init__(self) -> None:
        if self.profile_url is None and (
            self.full_name is None or (self.company is None and self.company_domain is None)
        ):
            raise ValueError("needs profile_url, or full_name with company or company_domain")


class EnrichParams(
    msgspec.Struct, forbid_unknown_fields=True, frozen=True, tag="enrich", tag_field="kind"
):
    leads: Annotated[list[EnrichLeadInput], Meta(min_length=1, max_length=1000)] | None = None
    source_job_id: uuid.UUID | None = None
    run_at: RunAt | None = None
    webhook_url: WebhookUrl | None = None
    simulate: EnrichSimulation | None = None

    def __post_init__(self) -> None:
        if (self.leads is None) == (self.source_job_id is None):
            raise ValueError("give exactly one of leads or source_job_id")


JobParams = ScrapeParams | EnrichParams

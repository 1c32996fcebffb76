"""Names of the messages that advance jobs. Each carries (job_id, seq) and nothing else:
the job row holds the truth, and ``seq`` tells the one current message from stale copies."""

from __future__ import annotations

from typing import Final

from service.jobs.records import JobKind

__all__ = ["ACTOR_FOR_KIND", "ENRICH_BATCH", "SCRAPE_PAGE", "UNIT_FOR_KIND", "WEBHOOK_DELIVER"]

SCRAPE_PAGE: Final = "scrape.page"
ENRICH_BATCH: Final = "enrich.batch"
# (job_id, attempt): deliver the job's end to its webhook_url.
WEBHOOK_DELIVER: Final = "webhooks.deliver"

ACTOR_FOR_KIND: Final[dict[JobKind, str]] = {"scrape": SCRAPE_PAGE, "enrich": ENRICH_BATCH}
# What one message of a job works on, as named in events and errors.
UNIT_FOR_KIND: Final[dict[JobKind, str]] = {"scrape": "page", "enrich": "batch"}

"""How a page's leads are written: three variants of the same few CTEs.

Each variant is a fragment of the page commit statement (``page_commit``): it reads
the page's rows from column arrays with ``unnest``, upserts them into ``leads`` (one
row per API key and lead key), and links them to the job in a CTE named ``linked``.
Every write is gated on the ``job`` CTE, so nothing is written for a stale message.
Rows are upserted in ``lead_key`` order: two jobs of one key writing overlapping
pages lock rows in the same order and cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.providers.base import EnrichOutcome, EnrichTarget, ScrapedLead

__all__ = ["CONTACT", "PROFILE", "LeadWrite", "enriched", "new_only", "scraped"]

PROFILE = (
    "profile_url",
    "full_name",
    "first_name",
    "last_name",
    "title",
    "company",
    "company_domain",
    "location",
    "industry",
    "company_size",
)
CONTACT = ("email", "email_status", "phone")

Binds = dict[str, object]


@dataclass(frozen=True, slots=True)
class LeadWrite:
    ctes: str
    binds: Binds


def _unnest(columns: Sequence[str]) -> str:
    arrays = ", ".join(f"CAST(:{c} AS text[])" for c in columns)
    return f"SELECT * FROM unnest({arrays}, CAST(:ord AS int[])) AS t({', '.join(columns)}, ord)"


def _arrays(columns: Sequence[str], rows: Sequence[Sequence[str | None]]) -> Binds:
    values: Binds = {c: [row[i] for row in rows] for i, c in enumerate(columns)}
    values["ord"] = list(range(len(rows)))
    return values


_SCRAPED = ("lead_key", "provider_id", *PROFILE)
_SCRAPED_LIST = ", ".join(_SCRAPED)
# Scraping a lead again refreshes what the provider says about it now.
_REFRESH = ",\n        ".join(f"{c} = coalesce(EXCLUDED.{c}, leads.{c})" for c in _SCRAPED[1:])

_SCRAPED_CTES = f"""
input AS ({_unnest(_SCRAPED)}),
upserted AS (
    INSERT INTO leads (api_key_id, {_SCRAPED_LIST})
    SELECT :api_key_id, {_SCRAPED_LIST} FROM input
    WHERE EXISTS (SELECT FROM job)
    ORDER BY lead_key
    ON CONFLICT (api_key_id, lead_key) DO UPDATE SET
        {_REFRESH},
        last_seen_at = now()
    RETURNING id, lead_key
),
linked AS (
    INSERT INTO job_leads (job_id, lead_id, position)
    SELECT :job_id, upserted.id, :first_position + input.ord
    FROM upserted JOIN input USING (lead_key)
    ON CONFLICT DO NOTHING
    RETURNING 1
)"""

_NEW_ONLY_CTES = f"""
input AS ({_unnest(_SCRAPED)}),
touched AS (
    UPDATE leads SET last_seen_at = now()
    FROM input
    WHERE EXISTS (SELECT FROM job)
      AND leads.api_key_id = :api_key_id AND leads.lead_key = input.lead_key
),
fresh AS (
    SELECT * FROM input
    WHERE EXISTS (SELECT FROM job) AND NOT EXISTS (
        SELECT FROM leads WHERE api_key_id = :api_key_id AND lead_key = input.lead_key
    )
    ORDER BY ord
    LIMIT :room
),
inserted AS (
    INSERT INTO leads (api_key_id, {_SCRAPED_LIST})
    SELECT :api_key_id, {_SCRAPED_LIST} FROM fresh ORDER BY lead_key
    ON CONFLICT (api_key_id, lead_key) DO NOTHING
    RETURNING id, lead_key
),
linked AS (
    INSERT INTO job_leads (job_id, lead_id, position)
    SELECT :job_id, inserted.id, :first_position + fresh.ord
    FROM inserted JOIN fresh USING (lead_key)
    RETURNING 1
)"""

_ENRICHED = ("lead_key", *PROFILE, *CONTACT, "status")
_DATA_LIST = ", ".join((*PROFILE, *CONTACT))
# Enrichment fills the gaps in what a scrape found, and replaces contact data.
_FILL = ",\n        ".join(
    [f"{c} = coalesce(leads.{c}, EXCLUDED.{c})" for c in PROFILE]
    + [f"{c} = coalesce(EXCLUDED.{c}, leads.{c})" for c in CONTACT]
)

_ENRICHED_CTES = f"""
input AS ({_unnest(_ENRICHED)}),
upserted AS (
    INSERT INTO leads (api_key_id, lead_key, {_DATA_LIST}, enrichment_status, enriched_at)
    SELECT :api_key_id, lead_key, {_DATA_LIST}, status,
           CASE WHEN status = 'enriched' THEN now() END
    FROM input
    WHERE EXISTS (SELECT FROM job)
    ORDER BY lead_key
    ON CONFLICT (api_key_id, lead_key) DO UPDATE SET
        {_FILL},
        -- A later miss must not hide contact data an earlier enrichment found.
        enrichment_status = CASE
            WHEN EXCLUDED.enrichment_status = 'enriched' THEN 'enriched'
            ELSE coalesce(NULLIF(leads.enrichment_status, 'failed'), EXCLUDED.enrichment_status)
        END,
        enriched_at = coalesce(EXCLUDED.enriched_at, leads.enriched_at),
        last_seen_at = now()
    RETURNING id, lead_key
),
linked AS (
    INSERT INTO job_leads (job_id, lead_id, position, enrichment_status)
    SELECT :job_id, upserted.id, :first_position + input.ord, input.status
    FROM upserted JOIN input USING (lead_key)
    ON CONFLICT DO NOTHING
    RETURNING 1
)"""


def _scraped_rows(keyed: Sequence[tuple[str, ScrapedLead]]) -> list[tuple[str | None, ...]]:
    return [(key, lead.provider_id, *(getattr(lead, c) for c in PROFILE)) for key, lead in keyed]


def scraped(keyed: Sequence[tuple[str, ScrapedLead]]) -> LeadWrite:
    """Upsert a page's leads (keys unique within the page) and link every one."""
    return LeadWrite(_SCRAPED_CTES, _arrays(_SCRAPED, _scraped_rows(keyed)))


def new_only(keyed: Sequence[tuple[str, ScrapedLead]], *, room: int) -> LeadWrite:
    """Store and link only leads the key never had, at most ``room``; touch the others."""
    binds = _arrays(_SCRAPED, _scraped_rows(keyed))
    binds["room"] = max(room, 0)
    return LeadWrite(_NEW_ONLY_CTES, binds)


def enriched(results: Sequence[tuple[EnrichTarget, EnrichOutcome]]) -> LeadWrite:
    """Write a batch's outcomes onto the key's leads (creating missing ones) and link them."""
    rows = [
        (
            target.key,
            # What the client gave is kept; the provider fills in the rest.
            *(getattr(target, c, None) or getattr(outcome, c, None) for c in PROFILE),
            *(getattr(outcome, c) for c in CONTACT),
            outcome.status,
        )
        for target, outcome in results
    ]
    return LeadWrite(_ENRICHED_CTES, _arrays(_ENRICHED, rows))

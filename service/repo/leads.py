"""SQL for leads and their links to jobs: the hot path of every page and batch.

A page's leads go in with one statement: ``unnest`` turns column arrays into rows,
the upsert dedups them per API key, and the same statement links them to the
job. Rows are upserted in ``lead_key`` order so two jobs of one key writing
overlapping pages lock rows in the same order and cannot deadlock.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import msgspec
from sqlalchemy import func, select, text

from service.jobs.records import Lead
from service.providers.base import EnrichOutcome, EnrichTarget, ScrapedLead
from service.repo.db import Tx
from service.repo.schema import job_leads, leads

__all__ = [
    "Target",
    "apply_enrichment",
    "job_leads_page",
    "source_targets",
    "store_new",
    "store_scraped",
]

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

_INPUT = ", ".join(f"CAST(:{c} AS text[])" for c in ("lead_key", "provider_id", *PROFILE))
_INPUT_COLUMNS = ", ".join(("lead_key", "provider_id", *PROFILE))
_REFRESH = ",\n        ".join(f"{c} = coalesce(EXCLUDED.{c}, leads.{c})" for c in PROFILE)

# Only our own constant column names are formatted into these statements.
_STORE_SCRAPED = text(f"""
WITH input AS (
    SELECT * FROM unnest({_INPUT}, CAST(:ord AS int[])) AS t({_INPUT_COLUMNS}, ord)
), upserted AS (
    INSERT INTO leads (api_key_id, {_INPUT_COLUMNS})
    SELECT :api_key_id, {_INPUT_COLUMNS} FROM input ORDER BY lead_key
    ON CONFLICT (api_key_id, lead_key) DO UPDATE SET
        {_REFRESH},
        provider_id = coalesce(EXCLUDED.provider_id, leads.provider_id),
        last_seen_at = now()
    RETURNING id, lead_key
), linked AS (
    INSERT INTO job_leads (job_id, lead_id, position)
    SELECT :job_id, upserted.id, :first_position + input.ord
    FROM upserted JOIN input USING (lead_key)
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM linked
""")  # noqa: S608

_STORE_NEW = text(f"""
WITH input AS (
    SELECT * FROM unnest({_INPUT}, CAST(:ord AS int[])) AS t({_INPUT_COLUMNS}, ord)
), touched AS (
    UPDATE leads SET last_seen_at = now()
    FROM input
    WHERE leads.api_key_id = :api_key_id AND leads.lead_key = input.lead_key
    RETURNING leads.lead_key
), fresh AS (
    SELECT * FROM input
    WHERE NOT EXISTS (
        SELECT 1 FROM leads WHERE api_key_id = :api_key_id AND lead_key = input.lead_key
    )
    ORDER BY ord LIMIT :limit
), inserted AS (
    INSERT INTO leads (api_key_id, {_INPUT_COLUMNS})
    SELECT :api_key_id, {_INPUT_COLUMNS} FROM fresh ORDER BY lead_key
    ON CONFLICT (api_key_id, lead_key) DO NOTHING
    RETURNING id, lead_key
), linked AS (
    INSERT INTO job_leads (job_id, lead_id, position)
    SELECT :job_id, inserted.id, :first_position + fresh.ord
    FROM inserted JOIN fresh USING (lead_key)
    RETURNING 1
)
SELECT count(*) FROM linked
""")  # noqa: S608

_ENRICH_COLUMNS = ", ".join(("lead_key", *PROFILE, *CONTACT, "status"))
_ENRICH_INPUT = ", ".join(
    f"CAST(:{c} AS text[])" for c in ("lead_key", *PROFILE, *CONTACT, "status")
)
_DATA_COLUMNS = ", ".join((*PROFILE, *CONTACT))
# Enrichment fills gaps in what a scrape found, and replaces contact data with fresher data.
_FILL = ",\n        ".join(
    [f"{c} = coalesce(leads.{c}, EXCLUDED.{c})" for c in PROFILE]
    + [f"{c} = coalesce(EXCLUDED.{c}, leads.{c})" for c in CONTACT]
)
_APPLY_ENRICHMENT = text(f"""
WITH input AS (
    SELECT * FROM unnest({_ENRICH_INPUT}, CAST(:ord AS int[])) AS t({_ENRICH_COLUMNS}, ord)
), upserted AS (
    INSERT INTO leads (api_key_id, lead_key, {_DATA_COLUMNS}, enrichment_status, enriched_at)
    SELECT :api_key_id, lead_key, {_DATA_COLUMNS}, status,
           CASE WHEN status = 'enriched' THEN now() END
    FROM input ORDER BY lead_key
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
), linked AS (
    INSERT INTO job_leads (job_id, lead_id, position, enrichment_status)
    SELECT :job_id, upserted.id, :first_position + input.ord, input.status
    FROM upserted JOIN input USING (lead_key)
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM linked
""")  # noqa: S608


def _arrays(names: Sequence[str], rows: Sequence[Sequence[str | None]]) -> dict[str, object]:
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return {name: list(column) for name, column in zip(names, columns, strict=True)}


def _scraped_params(keyed: Sequence[tuple[str, ScrapedLead]]) -> dict[str, object]:
    rows = [(key, lead.provider_id, *(getattr(lead, c) for c in PROFILE)) for key, lead in keyed]
    params = _arrays(("lead_key", "provider_id", *PROFILE), rows)
    params["ord"] = list(range(len(keyed)))
    return params


class Target(msgspec.Struct, frozen=True, kw_only=True):
    """Where a page's leads go: whose they are, which job, from which results position."""

    api_key_id: uuid.UUID
    job_id: uuid.UUID
    first_position: int

    def binds(self) -> dict[str, object]:
        return {
            "api_key_id": self.api_key_id,
            "job_id": self.job_id,
            "first_position": self.first_position,
        }


async def store_scraped(tx: Tx, target: Target, keyed: Sequence[tuple[str, ScrapedLead]]) -> int:
    """Upsert a page's leads (keys unique within the page) and link them; returns links made."""
    if not keyed:
        return 0
    params = _scraped_params(keyed) | target.binds()
    return int((await tx.execute(_STORE_SCRAPED, params)).scalar_one())


async def store_new(
    tx: Tx, target: Target, keyed: Sequence[tuple[str, ScrapedLead]], *, limit: int
) -> int:
    """Store and link only leads this key never had, at most ``limit``; touch the others."""
    if not keyed or limit <= 0:
        return 0
    params = _scraped_params(keyed) | target.binds() | {"limit": limit}
    return int((await tx.execute(_STORE_NEW, params)).scalar_one())


async def apply_enrichment(
    tx: Tx, target: Target, results: Sequence[tuple[EnrichTarget, EnrichOutcome]]
) -> int:
    """Write a batch's outcomes onto the key's leads (creating missing ones) and link them."""
    if not results:
        return 0
    rows = [
        (
            target.key,
            *(getattr(outcome, c, None) or _given(target, c) for c in PROFILE),
            *(getattr(outcome, c) for c in CONTACT),
            outcome.status,
        )
        for target, outcome in results
    ]
    params = _arrays(("lead_key", *PROFILE, *CONTACT, "status"), rows) | target.binds()
    params["ord"] = list(range(len(results)))
    return int((await tx.execute(_APPLY_ENRICHMENT, params)).scalar_one())


def _given(target: EnrichTarget, column: str) -> str | None:
    value = getattr(target, column, None)
    return value if isinstance(value, str) else None


async def source_targets(
    tx: Tx, source_job_id: uuid.UUID, *, offset: int, limit: int
) -> list[EnrichTarget]:
    """A slice of another job's leads, in its results order, as enrichment targets."""
    query = (
        select(
            leads.c.lead_key,
            leads.c.profile_url,
            leads.c.full_name,
            leads.c.company,
            leads.c.company_domain,
        )
        .join(job_leads, job_leads.c.lead_id == leads.c.id)
        .where(job_leads.c.job_id == source_job_id)
        .order_by(job_leads.c.position)
        .offset(offset)
        .limit(limit)
    )
    return [
        EnrichTarget(
            key=r.lead_key,
            profile_url=r.profile_url,
            full_name=r.full_name,
            company=r.company,
            company_domain=r.company_domain,
        )
        for r in (await tx.execute(query)).all()
    ]


async def job_leads_page(
    tx: Tx, job_id: uuid.UUID, *, after_position: int, limit: int
) -> list[tuple[int, Lead]]:
    """A keyset page of a job's results: (position, lead) in results order."""
    lc, jl = leads.c, job_leads.c
    query = (
        select(
            jl.position,
            lc.id,
            *(lc[c] for c in (*PROFILE, *CONTACT)),
            func.coalesce(jl.enrichment_status, lc.enrichment_status).label("enrichment_status"),
            lc.enriched_at,
            lc.first_seen_at,
        )
        .join(job_leads, jl.lead_id == lc.id)
        .where(jl.job_id == job_id, jl.position > after_position)
        .order_by(jl.position)
        .limit(limit)
    )
    rows = (await tx.execute(query)).all()
    fields = Lead.__struct_fields__
    return [(r.position, Lead(**{f: r._mapping[f] for f in fields})) for r in rows]

"""SQL reading leads: a job's results, and another job's leads as enrichment targets.

Writing leads happens in the page commit (``lead_writes``, ``page_commit``).
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from service.jobs.records import Lead
from service.providers.base import EnrichTarget
from service.repo.db import Tx
from service.repo.lead_writes import CONTACT, PROFILE
from service.repo.schema import job_leads, leads

__all__ = ["job_leads_page", "source_targets"]


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

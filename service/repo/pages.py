"""SQL for page and batch checkpoints: one row per committed page of a job."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert

from service.repo.db import Tx
from service.repo.schema import job_pages

__all__ = ["checkpoint"]


async def checkpoint(
    tx: Tx, job_id: uuid.UUID, *, page: int, run: int, attempts: int, fetched: int, stored: int
) -> bool:
    """Record the page as done; False when it already was (the caller must then write nothing)."""
    statement = (
        insert(job_pages)
        .values(
            job_id=job_id, page=page, run=run, attempts=attempts, fetched=fetched, stored=stored
        )
        .on_conflict_do_nothing()
        .returning(job_pages.c.page)
    )
    return (await tx.execute(statement)).first() is not None

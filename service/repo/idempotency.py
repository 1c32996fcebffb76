"""SQL for idempotency keys: the first submit with a key claims it, repeats find it."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import msgspec
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from service.repo.db import Tx
from service.repo.schema import idempotency_keys

__all__ = ["Remembered", "claim", "find"]


class Remembered(msgspec.Struct, frozen=True, kw_only=True):
    request_hash: str
    job_ids: list[uuid.UUID]


async def find(tx: Tx, api_key_id: uuid.UUID, key: str) -> Remembered | None:
    c = idempotency_keys.c
    query = select(c.request_hash, c.job_ids).where(c.api_key_id == api_key_id, c.key == key)
    row = (await tx.execute(query)).one_or_none()
    return None if row is None else Remembered(request_hash=row.request_hash, job_ids=row.job_ids)


async def claim(
    tx: Tx, api_key_id: uuid.UUID, key: str, request_hash: str, job_ids: Sequence[uuid.UUID]
) -> Remembered | None:
    """Claim ``key`` for the jobs about to be created; None if claimed, else what holds it.

    A concurrent claim of the same key waits here until the first commits (or rolls
    back), so of many parallel submits exactly one creates jobs.
    """
    statement = (
        insert(idempotency_keys)
        .values(api_key_id=api_key_id, key=key, request_hash=request_hash, job_ids=list(job_ids))
        .on_conflict_do_nothing()
        .returning(idempotency_keys.c.key)
    )
    if (await tx.execute(statement)).first() is not None:
        return None
    return await find(tx, api_key_id, key)

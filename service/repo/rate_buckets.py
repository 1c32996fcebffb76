"""SQL for each key's token bucket: shared by every API process, serialized by a row lock."""

from __future__ import annotations

import uuid

import msgspec
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert

from service.repo.db import Tx
from service.repo.schema import rate_buckets

__all__ = ["Level", "lock", "peek", "record_rejection", "store"]


class Level(msgspec.Struct, frozen=True, kw_only=True):
    """The bucket as last stored, and how long ago that was (by the database's clock)."""

    tokens: float
    elapsed_s: float


_LOCK = text("""
SELECT tokens, GREATEST(0, EXTRACT(EPOCH FROM clock_timestamp() - refilled_at)) AS elapsed_s
FROM rate_buckets WHERE api_key_id = :key FOR UPDATE
""")

_PEEK = text("""
SELECT tokens, GREATEST(0, EXTRACT(EPOCH FROM clock_timestamp() - refilled_at)) AS elapsed_s
FROM rate_buckets WHERE api_key_id = :key
""")


async def lock(tx: Tx, key_id: uuid.UUID, *, full: float) -> Level:
    """The key's bucket, locked until the transaction ends; made ``full`` on first use."""
    await tx.execute(
        insert(rate_buckets).values(api_key_id=key_id, tokens=full).on_conflict_do_nothing()
    )
    row = (await tx.execute(_LOCK, {"key": key_id})).one()
    return Level(tokens=row.tokens, elapsed_s=float(row.elapsed_s))


async def peek(tx: Tx, key_id: uuid.UUID) -> Level | None:
    row = (await tx.execute(_PEEK, {"key": key_id})).one_or_none()
    return None if row is None else Level(tokens=row.tokens, elapsed_s=float(row.elapsed_s))


async def store(tx: Tx, key_id: uuid.UUID, tokens: float) -> None:
    """The bucket holds ``tokens`` as of now; the caller holds its lock."""
    await tx.execute(
        text(
            "UPDATE rate_buckets SET tokens = :tokens, refilled_at = clock_timestamp() "
            "WHERE api_key_id = :key"
        ),
        {"tokens": tokens, "key": key_id},
    )


async def record_rejection(tx: Tx, key_id: uuid.UUID) -> None:
    await tx.execute(
        text("UPDATE rate_buckets SET rejected = rejected + 1 WHERE api_key_id = :key"),
        {"key": key_id},
    )

"""SQL for API keys. Only a key's SHA-256 is stored; the key itself is shown once."""

from __future__ import annotations

import uuid

from sqlalchemy import RowMapping, func, select, update

from service.jobs.records import ApiKey
from service.repo.db import Tx
from service.repo.schema import api_keys

__all__ = [
    "by_hash",
    "get",
    "insert",
    "list_all",
    "revoke",
    "rotate_webhook_secret",
    "set_limits",
    "webhook_secret",
]

_PUBLIC = (
    api_keys.c.id,
    api_keys.c.name,
    api_keys.c.key_prefix,
    api_keys.c.rate_per_minute,
    api_keys.c.burst,
    api_keys.c.max_running,
    api_keys.c.created_at,
    api_keys.c.revoked_at,
)


def _key(row: RowMapping) -> ApiKey:
    return ApiKey(**{f: row[f] for f in ApiKey.__struct_fields__})


async def insert(
    tx: Tx,
    *,
    key_id: uuid.UUID,
    name: str,
    key_hash: str,
    key_prefix: str,
    webhook_secret: str,
    rate_per_minute: int,
    burst: int,
    max_running: int,
) -> ApiKey:
    statement = (
        api_keys.insert()
        .values(
            id=key_id,
            name=name,
            key_hash=key_hash,
            key_prefix=key_prefix,
            webhook_secret=webhook_secret,
            rate_per_minute=rate_per_minute,
            burst=burst,
            max_running=max_running,
        )
        .returning(*_PUBLIC)
    )
    return _key((await tx.execute(statement)).mappings().one())


async def by_hash(tx: Tx, key_hash: str) -> tuple[ApiKey, str] | None:
    """The active key with this hash, with the stored hash for a constant-time compare."""
    query = select(*_PUBLIC, api_keys.c.key_hash).where(
        api_keys.c.key_hash == key_hash, api_keys.c.revoked_at.is_(None)
    )
    row = (await tx.execute(query)).mappings().one_or_none()
    return None if row is None else (_key(row), row["key_hash"])


async def get(tx: Tx, key_id: uuid.UUID) -> ApiKey | None:
    query = select(*_PUBLIC).where(api_keys.c.id == key_id)
    row = (await tx.execute(query)).mappings().one_or_none()
    return None if row is None else _key(row)


async def webhook_secret(tx: Tx, key_id: uuid.UUID) -> str | None:
    query = select(api_keys.c.webhook_secret).where(api_keys.c.id == key_id)
    secret: str | None = (await tx.execute(query)).scalar_one_or_none()
    return secret


async def rotate_webhook_secret(tx: Tx, key_id: uuid.UUID, secret: str) -> ApiKey | None:
    statement = (
        update(api_keys)
        .where(api_keys.c.id == key_id)
        .values(webhook_secret=secret)
        .returning(*_PUBLIC)
    )
    row = (await tx.execute(statement)).mappings().one_or_none()
    return None if row is None else _key(row)


async def list_all(tx: Tx) -> list[ApiKey]:
    rows = (await tx.execute(select(*_PUBLIC).order_by(api_keys.c.created_at))).mappings().all()
    return [_key(r) for r in rows]


async def revoke(tx: Tx, key_id: uuid.UUID) -> ApiKey | None:
    statement = (
        update(api_keys)
        .where(api_keys.c.id == key_id)
        .values(revoked_at=func.coalesce(api_keys.c.revoked_at, func.now()))
        .returning(*_PUBLIC)
    )
    row = (await tx.execute(statement)).mappings().one_or_none()
    return None if row is None else _key(row)


async def set_limits(
    tx: Tx,
    key_id: uuid.UUID,
    *,
    rate_per_minute: int | None,
    burst: int | None,
    max_running: int | None,
) -> ApiKey | None:
    c = api_keys.c
    statement = (
        update(api_keys)
        .where(c.id == key_id)
        .values(
            rate_per_minute=func.coalesce(rate_per_minute, c.rate_per_minute),
            burst=func.coalesce(burst, c.burst),
            max_running=func.coalesce(max_running, c.max_running),
        )
        .returning(*_PUBLIC)
    )
    row = (await tx.execute(statement)).mappings().one_or_none()
    return None if row is None else _key(row)

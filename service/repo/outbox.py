"""SQL for the outbox: messages decided in a transaction, published after it commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import msgspec
from sqlalchemy import RowMapping, delete, func, select, text

from service.repo.db import Tx
from service.repo.schema import outbox

__all__ = ["OutboxMessage", "add", "claim_orphans", "remove"]


class OutboxMessage(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    actor: str
    job_id: uuid.UUID
    seq: int
    delay_ms: int = 0


_COLUMNS = (outbox.c.id, outbox.c.actor, outbox.c.job_id, outbox.c.seq, outbox.c.delay_ms)


async def add(
    tx: Tx, *, actor: str, job_id: uuid.UUID, seq: int, delay_ms: int = 0
) -> OutboxMessage:
    statement = (
        outbox.insert()
        .values(actor=actor, job_id=job_id, seq=seq, delay_ms=delay_ms)
        .returning(*_COLUMNS)
    )
    return _message((await tx.execute(statement)).mappings().one())


async def remove(tx: Tx, ids: Sequence[int]) -> None:
    """Forget messages RabbitMQ has confirmed."""
    await tx.execute(delete(outbox).where(outbox.c.id.in_(ids)))


async def claim_orphans(tx: Tx, *, older_than_s: float, limit: int) -> list[OutboxMessage]:
    """Messages nobody published in time (their process died after commit), oldest first.

    Rows another relay holds are skipped; the claimed ones are deleted in this
    transaction, so commit only after they are published.
    """
    c = outbox.c
    stale = func.now() - text("make_interval(secs => :older_than_s)").bindparams(
        older_than_s=older_than_s
    )
    batch = (
        select(c.id)
        .where(c.created_at < stale)
        .order_by(c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = delete(outbox).where(c.id.in_(batch.scalar_subquery())).returning(*_COLUMNS)
    rows = (await tx.execute(statement)).mappings().all()
    return sorted((_message(row) for row in rows), key=lambda m: m.id)


def _message(row: RowMapping) -> OutboxMessage:
    return OutboxMessage(**{name: row[name] for name in OutboxMessage.__struct_fields__})

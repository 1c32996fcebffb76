"""SQL for the outbox: messages decided in a transaction, published after it commits."""

from __future__ import annotations

import uuid

import msgspec
from sqlalchemy import delete, select

from service.repo.db import Tx
from service.repo.schema import outbox

__all__ = ["OutboxMessage", "add", "claim"]


class OutboxMessage(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    actor: str
    job_id: uuid.UUID
    seq: int
    delay_ms: int


async def add(tx: Tx, *, actor: str, job_id: uuid.UUID, seq: int, delay_ms: int = 0) -> None:
    await tx.execute(outbox.insert().values(actor=actor, job_id=job_id, seq=seq, delay_ms=delay_ms))


async def claim(tx: Tx, *, limit: int) -> list[OutboxMessage]:
    """Take up to ``limit`` messages, oldest first, skipping rows another relay holds.

    They are deleted in this transaction: commit only after they are published.
    """
    c = outbox.c
    batch = select(c.id).order_by(c.id).limit(limit).with_for_update(skip_locked=True)
    statement = (
        delete(outbox)
        .where(c.id.in_(batch.scalar_subquery()))
        .returning(c.id, c.actor, c.job_id, c.seq, c.delay_ms)
    )
    rows = (await tx.execute(statement)).all()
    return sorted(
        (
            OutboxMessage(id=r.id, actor=r.actor, job_id=r.job_id, seq=r.seq, delay_ms=r.delay_ms)
            for r in rows
        ),
        key=lambda m: m.id,
    )

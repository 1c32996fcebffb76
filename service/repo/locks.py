"""Advisory locks: periodic work that must run in one place at a time, across all hosts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text

from service.repo.db import Database

__all__ = ["exclusively"]


@asynccontextmanager
async def exclusively(db: Database, name: str) -> AsyncIterator[bool]:
    """Hold the cluster-wide lock ``name`` for the block if nobody else does.

    Yields whether this caller got it. The lock belongs to one pooled connection
    held for the block; PostgreSQL releases it if this process dies.
    """
    async with db.connect() as conn:
        lock = {"name": f"leadjobs.{name}"}
        got = bool(
            (
                await conn.execute(text("SELECT pg_try_advisory_lock(hashtext(:name))"), lock)
            ).scalar()
        )
        try:
            yield got
        finally:
            if got:
                await conn.execute(text("SELECT pg_advisory_unlock(hashtext(:name))"), lock)

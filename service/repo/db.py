"""The database handle: one async engine per process, transactions owned by callers.

Repositories take a ``Tx`` (an open connection inside a transaction) and only
execute statements; the function that opens ``Database.transaction()`` owns the
commit. Nothing outside ``service.repo`` imports SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

__all__ = ["Database", "Tx", "async_url"]

Tx = AsyncConnection


def async_url(database_url: str) -> str:
    """``postgresql://…`` as users write it → the asyncpg dialect SQLAlchemy needs."""
    url = make_url(database_url)
    return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


class Database:
    def __init__(self, database_url: str, *, pool_size: int = 10, application_name: str) -> None:
        self.engine: AsyncEngine = create_async_engine(
            async_url(database_url),
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            connect_args={"server_settings": {"application_name": application_name}},
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        async with self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[Tx]:
        """A connection for reads that need no atomicity with anything else."""
        async with self.engine.connect() as conn:
            yield conn
            await conn.rollback()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()

"""The database handle: one async engine per process, transactions owned by callers.

Repositories take a ``Tx`` (an open connection inside a transaction) and only
execute statements; the function that opens ``Database.transaction()`` owns the
commit. Nothing outside ``service.repo`` imports SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import msgspec
from sqlalchemy import TextClause, text
from sqlalchemy.dialects.postgresql import asyncpg as asyncpg_dialect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from service.errors import Unavailable

__all__ = ["Database", "RawQuery", "Tx", "async_url"]

_ASYNCPG = asyncpg_dialect.dialect()  # type: ignore[no-untyped-call]


def _json_text(value: object) -> str:
    return msgspec.json.encode(value).decode()


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
            # No pre-ping: it costs three round trips per checkout on the hot path. A
            # connection that died fails its statement, SQLAlchemy discards it, and the
            # message or request is retried; recycling bounds how stale one can get.
            pool_recycle=1800,
            json_serializer=_json_text,
            json_deserializer=msgspec.json.decode,
            connect_args={"server_settings": {"application_name": application_name}},
        )
        # Statements that need no transaction around them skip BEGIN and COMMIT.
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Tx]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        async with _available(self.engine.begin()) as conn:
            yield conn

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[Tx]:
        """A connection in autocommit mode: each statement is a transaction of its own.

        For reads that need no atomicity with others, and for writes that are one
        statement (the page commit), which saves the BEGIN and COMMIT round trips.
        """
        async with _available(self._autocommit.connect()) as conn:
            yield conn

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


@asynccontextmanager
async def _available(opening: AbstractAsyncContextManager[Tx]) -> AsyncIterator[Tx]:
    """The connection, or Unavailable (503) if PostgreSQL cannot give one now."""
    try:
        conn = await opening.__aenter__()
    except (OperationalError, InterfaceError, OSError) as exc:
        raise Unavailable("the database is unavailable; try again shortly") from exc
    except PoolTimeout as exc:
        raise Unavailable("the service is busy; try again shortly") from exc
    except DBAPIError as exc:
        if "too many clients" not in str(exc):
            raise
        raise Unavailable("the database has no free connections; try again shortly") from exc
    try:
        yield conn
    except BaseException as exc:
        if not await opening.__aexit__(type(exc), exc, exc.__traceback__):
            raise
    else:
        await opening.__aexit__(None, None, None)


class RawQuery:
    """A statement the hot path runs on the asyncpg connection itself.

    SQLAlchemy's per-execution work (bind processing, result metadata, rows) costs
    more CPU than the query for the two statements every page runs; these skip it
    and still run on the caller's connection, in its transaction.
    """

    def __init__(self, statement: TextClause) -> None:
        compiled = statement.compile(dialect=_ASYNCPG)
        self.sql = compiled.string
        self._names = tuple(compiled.positiontup or ())

    async def fetchrow(self, conn: Tx, binds: Mapping[str, object]) -> Mapping[str, Any] | None:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        row: Mapping[str, Any] | None = await driver.fetchrow(
            self.sql, *(binds[name] for name in self._names)
        )
        return row

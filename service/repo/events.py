"""SQL for a job's event log. A trigger NOTIFYs listeners on every insert (see migrations)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

import msgspec
from sqlalchemy import Row, Select, select

from service.repo.db import Tx
from service.repo.schema import job_events

__all__ = ["Event", "EventData", "append", "latest_of", "page"]

# float covers int in JSON Schema, so the OpenAPI document has one number type.
EventData = dict[str, str | float | bool | None]


class Event(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    type: str
    at: datetime
    data: EventData


async def append(tx: Tx, job_id: uuid.UUID, type_: str, data: EventData | None = None) -> None:
    await tx.execute(job_events.insert().values(job_id=job_id, type=type_, data=data or {}))


def _select() -> Select[tuple[int, str, datetime, EventData]]:
    c = job_events.c
    return select(c.id, c.type, c.at, c.data)


def _event(row: Row[tuple[int, str, datetime, EventData]]) -> Event:
    return Event(id=row.id, type=row.type, at=row.at, data=row.data)


async def page(tx: Tx, job_id: uuid.UUID, *, after_id: int, limit: int) -> list[Event]:
    """Events of a job in order, after ``after_id``: a keyset page."""
    c = job_events.c
    query = _select().where(c.job_id == job_id, c.id > after_id).order_by(c.id).limit(limit)
    return [_event(row) for row in (await tx.execute(query)).all()]


async def latest_of(tx: Tx, job_id: uuid.UUID, types: Collection[str]) -> Event | None:
    """The job's most recent event of one of ``types``."""
    c = job_events.c
    query = (
        _select().where(c.job_id == job_id, c.type.in_(list(types))).order_by(c.id.desc()).limit(1)
    )
    row = (await tx.execute(query)).one_or_none()
    return None if row is None else _event(row)

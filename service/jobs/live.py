"""Live job events: every stream of one process shares one LISTEN connection.

A stream reads a job's events from the database after the last one it sent, then
sleeps until a notification for that job wakes it (or a keep-alive is due), and
reads again. It never polls: without new events it only sends keep-alives. It
ends after the event that ended the job.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

from service.jobs.records import TERMINAL
from service.repo import Database, events, jobs
from service.repo.events import Event

__all__ = ["KEEPALIVE_S", "JobFeed"]

KEEPALIVE_S = 15.0
READ_BATCH = 500
_ENDINGS = frozenset(f"job.{status}" for status in TERMINAL)


class JobFeed:
    """Wakes the streams of a job when the listener hears of a new event for it."""

    def __init__(self, db: Database, *, keepalive_s: float = KEEPALIVE_S) -> None:
        self._db = db
        self._keepalive_s = keepalive_s
        self._waiting: dict[uuid.UUID, set[asyncio.Event]] = {}

    def notify(self, job_id: uuid.UUID) -> None:
        for wakeup in self._waiting.get(job_id, ()):
            wakeup.set()

    def notify_all(self) -> None:
        for wakeups in self._waiting.values():
            for wakeup in wakeups:
                wakeup.set()

    @property
    def streams(self) -> int:
        return sum(len(wakeups) for wakeups in self._waiting.values())

    async def stream(self, job_id: uuid.UUID, *, after_id: int) -> AsyncIterator[Event | None]:
        """The job's events after ``after_id``, as they come; None for a keep-alive."""
        wakeup = asyncio.Event()
        self._waiting.setdefault(job_id, set()).add(wakeup)
        try:
            while True:
                # Cleared before reading: a notification during the read wakes us again.
                wakeup.clear()
                async with self._db.connect() as conn:
                    found = await events.page(conn, job_id, after_id=after_id, limit=READ_BATCH)
                for event in found:
                    yield event
                    after_id = event.id
                    if event.type in _ENDINGS and await self._ended(job_id):
                        return
                if len(found) == READ_BATCH:
                    continue
                try:
                    await asyncio.wait_for(wakeup.wait(), self._keepalive_s)
                except TimeoutError:
                    yield None
        finally:
            waiting = self._waiting.get(job_id, set())
            waiting.discard(wakeup)
            if not waiting:
                self._waiting.pop(job_id, None)

    async def _ended(self, job_id: uuid.UUID) -> bool:
        # A resumed job's earlier ending is not the end of the stream.
        async with self._db.connect() as conn:
            job = await jobs.get(conn, job_id)
        return job is None or job.status in TERMINAL

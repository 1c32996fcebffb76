"""Live job events: every stream of one process shares one LISTEN connection.

A stream reads a job's events from the database after the last one it sent, then
sleeps until a notification for that job wakes it (or a keep-alive is due), and
reads again. It never polls: without new events it only sends keep-alives. It
ends after the event that ended the job for good: not the ending of a run the job
was resumed from, and at once when the client's Last-Event-ID is already past it.
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
# The latest of these says whether the job's current run has ended.
_RUN_MARKERS = _ENDINGS | {"job.resumed"}


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
                    if event.type in _ENDINGS and await self._final_ending(job_id) == event.id:
                        return
                if len(found) == READ_BATCH:
                    continue
                if not found:
                    final = await self._final_ending(job_id)
                    if final is not None and final <= after_id:
                        return
                try:
                    await asyncio.wait_for(wakeup.wait(), self._keepalive_s)
                except TimeoutError:
                    yield None
        finally:
            waiting = self._waiting.get(job_id, set())
            waiting.discard(wakeup)
            if not waiting:
                self._waiting.pop(job_id, None)

    async def _final_ending(self, job_id: uuid.UUID) -> int | None:
        """The id of the event that ended the job, None while it runs or may run on.

        A job retention deleted has no events left to wait for: 0, before all of them.
        """
        async with self._db.connect() as conn:
            latest = await events.latest_of(conn, job_id, _RUN_MARKERS)
            if latest is None:
                return 0 if await jobs.get(conn, job_id) is None else None
        return latest.id if latest.type in _ENDINGS else None

"""Periodic work every worker process does: start due scheduled jobs, re-drive stalled
ones, and apply retention (the last in one process at a time)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import msgspec

from service.jobs.dispatch import send_next
from service.logs import emit
from service.repo import Database, events, jobs, locks, retention
from service.repo.outbox import OutboxMessage
from service.repo.retention import Removed

__all__ = [
    "Maintenance",
    "RetentionBusy",
    "Schedule",
    "apply_retention",
    "redrive_stalled",
    "release_held_jobs",
    "start_due_jobs",
]

log = logging.getLogger(__name__)

BATCH = 100
RETENTION_BATCH = 500

Sent = list[OutboxMessage]


class RetentionBusy(Exception):
    """Another process is applying retention right now."""


async def start_due_jobs(db: Database) -> Sent:
    """Queue scheduled jobs whose ``run_at`` has come. Safe in many workers at once."""
    async with db.transaction() as tx:
        sent = []
        for job in await jobs.promote_due(tx, limit=BATCH):
            await events.append(tx, job.id, "job.queued", {"reason": "run_at reached"})
            sent.append(await send_next(tx, job))
    return sent


async def release_held_jobs(db: Database) -> Sent:
    """Send held jobs back to start: their keys have running slots free, and the source
    jobs they wait for (if any) have ended."""
    async with db.transaction() as tx:
        sent = []
        for job in await jobs.release_held(tx, limit=BATCH):
            await events.append(tx, job.id, "job.queued", {"reason": "released"})
            sent.append(await send_next(tx, job))
    return sent


async def redrive_stalled(db: Database, *, stall_seconds: int) -> Sent:
    """Give jobs silent for ``stall_seconds`` a new message (their last one may be lost).

    The job goes on from its last checkpoint; whichever message was in flight becomes
    stale and does nothing when it arrives.
    """
    async with db.transaction() as tx:
        sent = []
        for stuck in await jobs.stalled(tx, silent_for_s=stall_seconds, limit=BATCH):
            job = await jobs.redrive(tx, stuck.id)
            data: events.EventData = {"silent_since": stuck.updated_at.isoformat()}
            await events.append(tx, job.id, "job.redriven", data)
            sent.append(await send_next(tx, job))
    return sent


async def apply_retention(db: Database, *, days: int, dry_run: bool = False) -> Removed:
    """Delete finished jobs older than ``days`` with their pages, events and links, and
    the leads no other job links to; or, with ``dry_run``, count what would go."""
    async with locks.exclusively(db, "retention") as mine:
        if not mine:
            raise RetentionBusy("another process is applying retention now")
        if dry_run:
            async with db.connect() as conn:
                return await retention.count_expired(conn, days=days)
        total = Removed()
        while True:
            async with db.transaction() as tx:
                removed = await retention.remove_expired(tx, days=days, limit=RETENTION_BATCH)
            total.add(removed)
            if removed.jobs < RETENTION_BATCH:
                break
        async with db.transaction() as tx:
            total.idempotency_keys = await retention.remove_expired_idempotency_keys(tx, days=days)
        return total


@dataclass(frozen=True, slots=True)
class Schedule:
    """How often each periodic task runs, in seconds."""

    due_jobs: float = 1.0
    held_jobs: float = 0.5
    stalled_jobs: float = 10.0
    retention: float = 3600.0


class Maintenance:
    """Runs the periodic tasks in one worker process until cancelled.

    Every worker process runs one: starting due jobs and re-driving stalled ones is
    safe anywhere at once (rows are claimed with SKIP LOCKED), and retention takes a
    cluster-wide lock so that one process applies it at a time.
    """

    def __init__(
        self,
        db: Database,
        dispatch: Callable[[Sequence[OutboxMessage]], None],
        *,
        stall_seconds: int,
        retention_days: int,
        schedule: Schedule = Schedule(),
    ) -> None:
        self._db = db
        self._dispatch = dispatch
        self._stall_seconds = stall_seconds
        self._retention_days = retention_days
        self._schedule = schedule

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        due: dict[str, float] = {name: loop.time() for name in self._tasks()}
        while True:
            now = loop.time()
            for name, (every, task) in self._tasks().items():
                if now >= due[name]:
                    due[name] = now + every
                    await self._run_one(name, task)
            await asyncio.sleep(max(0.05, min(due.values()) - loop.time()))

    def _tasks(self) -> dict[str, tuple[float, Callable[[], Awaitable[None]]]]:
        s = self._schedule
        return {
            "due jobs": (s.due_jobs, self._start_due),
            "held jobs": (s.held_jobs, self._release_held),
            "stalled jobs": (s.stalled_jobs, self._redrive),
            "retention": (s.retention, self._retention),
        }

    async def _run_one(self, name: str, task: Callable[[], Awaitable[None]]) -> None:
        try:
            await task()
        except Exception:
            # The next round tries again; a broken database must not end maintenance.
            log.exception("periodic task %r failed", name)

    async def _start_due(self) -> None:
        self._dispatch(await start_due_jobs(self._db))

    async def _release_held(self) -> None:
        self._dispatch(await release_held_jobs(self._db))

    async def _redrive(self) -> None:
        sent = await redrive_stalled(self._db, stall_seconds=self._stall_seconds)
        if sent:
            emit(log, logging.WARNING, "jobs.redriven", count=len(sent))
        self._dispatch(sent)

    async def _retention(self) -> None:
        try:
            removed = await apply_retention(self._db, days=self._retention_days)
        except RetentionBusy:
            return
        if removed.jobs:
            emit(log, logging.INFO, "retention.applied", **msgspec.structs.asdict(removed))

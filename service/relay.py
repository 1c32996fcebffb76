"""The outbox relay: publishes the messages that committed transactions wrote to the outbox.

Every API and worker process runs one. The code that commits a message either
publishes it itself and reports it (``published``: a worker's thread after a page)
or hands it over (``dispatch``: the API), and the relay publishes it with broker
confirms from its own thread, so the event loop never blocks on the broker. Rows
of published messages are deleted in batches, at most every ``delete_after_s``: a
busy worker publishes hundreds of messages a second, and one DELETE (one commit,
one WAL flush) per message cost the database as much as a third of a page.
Once a second it also sweeps for rows older than a few seconds that nobody
deleted: messages whose process died between commit and publish. A crash after
publishing and before deleting publishes a message twice, which the job's
``dispatch_seq`` makes harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from service.repo import Database, outbox
from service.repo.outbox import OutboxMessage

__all__ = ["OutboxRelay", "Publisher"]

log = logging.getLogger(__name__)


class Publisher(Protocol):
    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        """Publish with broker confirms; blocking. Raises if any message was not confirmed."""


class OutboxRelay:
    def __init__(
        self,
        db: Database,
        publisher: Publisher,
        *,
        sweep_interval_s: float = 1.0,
        orphan_after_s: float = 3.0,
        batch_size: int = 200,
        delete_after_s: float = 0.1,
    ) -> None:
        self._db = db
        self._publisher = publisher
        self._sweep_interval_s = sweep_interval_s
        self._orphan_after_s = orphan_after_s
        self._batch_size = batch_size
        self._delete_after_s = delete_after_s
        self._pending: list[OutboxMessage] = []
        self._published: list[int] = []
        # When the oldest id in _published is due for deletion (loop time).
        self._delete_due = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup = asyncio.Event()
        # Publishing blocks on broker I/O; one thread keeps it off the event loop
        # and keeps to one broker connection.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-relay")
        self._task: asyncio.Task[None] | None = None

    def dispatch(self, messages: Sequence[OutboxMessage]) -> None:
        """Publish these committed messages soon; call from the relay's event loop."""
        if messages:
            self._pending.extend(messages)
            self._wakeup.set()

    def published(self, messages: Sequence[OutboxMessage]) -> None:
        """Another thread published these (with confirms): forget them. Thread-safe."""
        if messages and self._loop is not None:
            self._loop.call_soon_threadsafe(self._forget, [m.id for m in messages])

    def _forget(self, ids: list[int]) -> None:
        # Deleting them is not urgent: the sweep only takes rows that are seconds old.
        # The first of a batch wakes the relay to set its timer; a full batch, to delete.
        first = not self._published
        if first:
            self._delete_due = asyncio.get_running_loop().time() + self._delete_after_s
        self._published.extend(ids)
        if first or len(self._published) >= self._batch_size:
            self._wakeup.set()

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self._publish_pending()
            await self._delete_published()
        self._executor.shutdown(wait=True)

    async def sweep(self) -> int:
        """Publish orphaned messages now; returns how many went out."""
        total = 0
        while True:
            async with self._db.transaction() as tx:
                orphans = await outbox.claim_orphans(
                    tx, older_than_s=self._orphan_after_s, limit=self._batch_size
                )
                if orphans:
                    await self._publish(orphans)
            total += len(orphans)
            if len(orphans) < self._batch_size:
                return total

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_sweep = loop.time()
        while True:
            wake_at = min(next_sweep, self._delete_due) if self._published else next_sweep
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), max(0.0, wake_at - loop.time()))
            self._wakeup.clear()
            try:
                await self._publish_pending()
                if self._published and (
                    loop.time() >= self._delete_due or len(self._published) >= self._batch_size
                ):
                    await self._delete_published()
                if loop.time() >= next_sweep:
                    next_sweep = loop.time() + self._sweep_interval_s
                    await self.sweep()
            except Exception:
                # Broker or database unavailable: the rows stay, and the sweep retries them.
                log.exception("outbox relay could not publish; the sweep will retry")
                await asyncio.sleep(self._sweep_interval_s)

    async def _publish_pending(self) -> None:
        while self._pending:
            batch = self._pending[: self._batch_size]
            del self._pending[: self._batch_size]
            await self._publish(batch)
            self._forget([m.id for m in batch])

    async def _delete_published(self) -> None:
        while self._published:
            ids = self._published[: self._batch_size]
            del self._published[: self._batch_size]
            async with self._db.connect() as conn:
                await outbox.remove(conn, ids)

    async def _publish(self, messages: Sequence[OutboxMessage]) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._publisher.publish, messages)

"""The outbox relay: publishes messages that committed transactions wrote to the outbox.

Every API and worker process runs one. It wakes when its own process commits a
message, and sweeps every second for messages any process left behind (a crash
between commit and publish), so a committed decision always reaches RabbitMQ.
Rows are deleted in the same transaction that claims them, committed only after
RabbitMQ confirmed them; a crash in between publishes a message twice, which the
job's ``dispatch_seq`` makes harmless.
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
        batch_size: int = 200,
    ) -> None:
        self._db = db
        self._publisher = publisher
        self._sweep_interval_s = sweep_interval_s
        self._batch_size = batch_size
        self._wakeup = asyncio.Event()
        # Publishing blocks on broker I/O; one thread keeps it off the event loop
        # and keeps to one broker connection.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-relay")
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Publish soon; call from the event loop the relay runs on."""
        self._wakeup.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.drain()
        self._executor.shutdown(wait=True)

    async def drain(self) -> int:
        """Publish everything in the outbox now; returns how many messages went out."""
        total = 0
        while True:
            sent = await self._relay_batch()
            total += sent
            if sent < self._batch_size:
                return total

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._sweep_interval_s)
            self._wakeup.clear()
            try:
                await self.drain()
            except Exception:
                # Broker or database unavailable: the rows stay; try again next sweep.
                log.exception("outbox relay could not publish; will retry")
                await asyncio.sleep(self._sweep_interval_s)

    async def _relay_batch(self) -> int:
        async with self._db.transaction() as tx:
            messages = await outbox.claim(tx, limit=self._batch_size)
            if messages:
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(self._executor, self._publisher.publish, messages)
        return len(messages)

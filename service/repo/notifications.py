"""LISTEN for new job events on one connection per process.

The ``job_events`` insert trigger NOTIFYs ``leadjobs_job_events`` with
``<job id>:<event id>``; this hands each job id to a callback. One connection,
whatever the number of live streams, and it reconnects by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections.abc import Callable

import asyncpg

from service.logs import emit

__all__ = ["CHANNEL", "EventListener"]

CHANNEL = "leadjobs_job_events"
# With the process id, so an operator can tell whose listener a connection is.
APPLICATION_NAME = "leadjobs-listener:{pid}"
RECONNECT_S = 1.0

log = logging.getLogger(__name__)


class EventListener:
    def __init__(
        self,
        dsn: str,
        on_event: Callable[[uuid.UUID], None],
        on_reconnect: Callable[[], None],
    ) -> None:
        self._dsn = dsn
        self._on_event = on_event
        self._on_reconnect = on_reconnect
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="event-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        first = True
        while True:
            try:
                await self._listen(reconnected=not first)
            except (OSError, asyncpg.PostgresError) as exc:
                emit(log, logging.WARNING, "listener.disconnected", error=str(exc))
            first = False
            await asyncio.sleep(RECONNECT_S)

    async def _listen(self, *, reconnected: bool) -> None:
        conn = await asyncpg.connect(
            self._dsn,
            server_settings={"application_name": APPLICATION_NAME.format(pid=os.getpid())},
        )
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _: lost.set())
        try:
            await conn.add_listener(CHANNEL, self._notified)
            if reconnected:
                # Events may have come while no one listened: every stream looks again.
                self._on_reconnect()
            await lost.wait()
        finally:
            with contextlib.suppress(Exception):
                await conn.close()

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        job_id, _, _ = payload.partition(":")
        with contextlib.suppress(ValueError):
            self._on_event(uuid.UUID(job_id))

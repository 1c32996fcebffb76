"""Worker resources (database, provider, outbox relay), made when a worker process boots.

Actors read them through ``runtime()``, which fails loudly if the middleware
never ran instead of letting an actor limp on without a database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping

import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

from service.actors.publisher import DramatiqPublisher
from service.jobs.retry import RetryPolicy
from service.jobs.runner import Runtime
from service.providers import build_provider
from service.relay import OutboxRelay
from service.repo import Database
from service.settings import Settings

__all__ = ["WorkerResources", "runtime"]

_runtime: Runtime | None = None
BOOT_TIMEOUT_S = 30


def runtime() -> Runtime:
    if _runtime is None:
        raise RuntimeError("worker resources are not set up: is WorkerResources on the broker?")
    return _runtime


class WorkerResources(Middleware):
    def __init__(self, settings: Settings, actors: Mapping[str, dramatiq.Actor[..., object]]):
        self._settings = settings
        self._actors = actors
        self._relay: OutboxRelay | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._on_loop(self._open(broker, worker.worker_threads))

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._on_loop(self._close())

    def _on_loop(self, coroutine: Coroutine[object, object, None]) -> None:
        loop_thread = get_event_loop_thread()
        if loop_thread is None:
            raise RuntimeError("the AsyncIO middleware must come before WorkerResources")
        asyncio.run_coroutine_threadsafe(coroutine, loop_thread.loop).result(BOOT_TIMEOUT_S)

    async def _open(self, broker: dramatiq.Broker, threads: int) -> None:
        global _runtime  # noqa: PLW0603 - one runtime per worker process, made at boot
        settings = self._settings
        db = Database(
            settings.database_url, pool_size=threads + 2, application_name="leadjobs-worker"
        )
        self._relay = OutboxRelay(db, DramatiqPublisher(broker, self._actors))
        self._relay.start()
        _runtime = Runtime(
            db=db,
            provider=build_provider(settings),
            retry=RetryPolicy(
                max_retries=settings.max_retries,
                base_ms=settings.retry_backoff_ms,
                cap_ms=settings.retry_backoff_max_ms,
            ),
            dispatch=self._relay.dispatch,
        )

    async def _close(self) -> None:
        global _runtime  # noqa: PLW0603
        if self._relay is not None:
            await self._relay.stop()
        if _runtime is not None:
            await _runtime.provider.aclose()
            await _runtime.db.dispose()
            _runtime = None

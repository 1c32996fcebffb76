"""Worker resources (database, provider, outbox relay), made when a worker process boots.

Actors reach them through ``resources()``, which fails loudly if the middleware
never ran instead of letting an actor limp on without a database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import dramatiq
from dramatiq.asyncio import EventLoopThread, get_event_loop_thread
from dramatiq.middleware import Middleware

from service.actors.publisher import DramatiqPublisher
from service.jobs.retry import RetryPolicy
from service.jobs.runner import Runtime
from service.providers import build_provider
from service.relay import OutboxRelay
from service.repo import Database
from service.repo.outbox import OutboxMessage
from service.settings import Settings

__all__ = ["Resources", "WorkerResources", "resources"]

_T = TypeVar("_T")
BOOT_TIMEOUT_S = 30


@dataclass(frozen=True, slots=True)
class Resources:
    runtime: Runtime
    relay: OutboxRelay
    publisher: DramatiqPublisher
    loop: EventLoopThread

    def run(self, coroutine: Coroutine[object, object, _T]) -> _T:
        """Run on the process's event loop; honours Dramatiq's time limits and shutdown."""
        return self.loop.run_coroutine(coroutine)

    def send(self, messages: Sequence[OutboxMessage]) -> None:
        """Publish committed outbox messages from this worker thread, with confirms.

        Each worker thread has its own broker channel, so publishes run in parallel
        and off the event loop. If this thread dies first, the relay's sweep sends them.
        """
        if messages:
            self.publisher.publish(messages)
            self.relay.published(messages)


_resources: Resources | None = None


def resources() -> Resources:
    if _resources is None:
        raise RuntimeError("worker resources are not set up: is WorkerResources on the broker?")
    return _resources


class WorkerResources(Middleware):
    def __init__(self, settings: Settings, actors: Mapping[str, dramatiq.Actor[..., object]]):
        self._settings = settings
        self._actors = actors

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        global _resources  # noqa: PLW0603 - one set of resources per worker process
        loop = _loop_thread()
        publisher = DramatiqPublisher(broker, self._actors)
        runtime, relay = _on(loop, self._open(publisher, worker.worker_threads))
        _resources = Resources(runtime=runtime, relay=relay, publisher=publisher, loop=loop)

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        global _resources  # noqa: PLW0603
        if _resources is not None:
            _on(_resources.loop, _close(_resources))
            _resources = None

    async def _open(
        self, publisher: DramatiqPublisher, threads: int
    ) -> tuple[Runtime, OutboxRelay]:
        settings = self._settings
        db = Database(
            settings.database_url, pool_size=threads + 2, application_name="leadjobs-worker"
        )
        relay = OutboxRelay(db, publisher)
        relay.start()
        runtime = Runtime(
            db=db,
            provider=build_provider(settings),
            retry=RetryPolicy(
                max_retries=settings.max_retries,
                base_ms=settings.retry_backoff_ms,
                cap_ms=settings.retry_backoff_max_ms,
            ),
        )
        return runtime, relay


async def _close(res: Resources) -> None:
    await res.relay.stop()
    await res.runtime.provider.aclose()
    await res.runtime.db.dispose()


def _loop_thread() -> EventLoopThread:
    loop = get_event_loop_thread()
    if loop is None:
        raise RuntimeError("the AsyncIO middleware must come before WorkerResources")
    return loop


def _on(loop: EventLoopThread, coroutine: Coroutine[object, object, _T]) -> _T:
    return asyncio.run_coroutine_threadsafe(coroutine, loop.loop).result(BOOT_TIMEOUT_S)

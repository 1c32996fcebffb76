"""Worker resources (database, provider, outbox relay), made when a worker process boots.

Actors reach them through ``resources()``, which fails loudly if the middleware
never ran instead of letting an actor limp on without a database.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import dramatiq
import httpx
from dramatiq.asyncio import EventLoopThread, get_event_loop_thread
from dramatiq.middleware import Middleware

from service.actors.publisher import DramatiqPublisher
from service.jobs.maintenance import Maintenance, Schedule
from service.jobs.retry import RetryPolicy
from service.jobs.runner import Runtime
from service.jobs.webhooks import WebhookSender, WebhookTargets, webhook_retry
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
    webhooks: WebhookSender
    relay: OutboxRelay
    publisher: DramatiqPublisher
    loop: EventLoopThread
    maintenance: asyncio.Task[None]

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

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        # Before the worker threads start taking messages; the AsyncIO middleware, ahead
        # of this one, has started the event loop by now.
        global _resources  # noqa: PLW0603 - one set of resources per worker process
        loop = _loop_thread()
        publisher = DramatiqPublisher(broker, self._actors)
        _resources = _on(loop, self._open(publisher, loop, worker.worker_threads))

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        # After the worker threads have finished their messages; Dramatiq runs "after"
        # hooks in reverse order, so the AsyncIO middleware stops the loop after this.
        global _resources  # noqa: PLW0603
        if _resources is not None:
            _on(_resources.loop, _close(_resources))
            _resources = None

    async def _open(
        self, publisher: DramatiqPublisher, loop: EventLoopThread, threads: int
    ) -> Resources:
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
        webhooks = WebhookSender(
            db=db,
            client=httpx.AsyncClient(follow_redirects=False, trust_env=False),
            targets=WebhookTargets(allow_private=settings.webhook_allow_private),
            retry=webhook_retry(settings.webhook_max_attempts, settings.webhook_backoff_ms),
            timeout_s=settings.webhook_timeout_s,
        )
        maintenance = Maintenance(
            db,
            relay.dispatch,
            stall_seconds=settings.stall_seconds,
            retention_days=settings.retention_days,
            schedule=Schedule(stalled_jobs=min(10.0, settings.stall_seconds / 2)),
        )
        return Resources(
            runtime=runtime,
            webhooks=webhooks,
            relay=relay,
            publisher=publisher,
            loop=loop,
            maintenance=asyncio.get_running_loop().create_task(maintenance.run()),
        )


async def _close(res: Resources) -> None:
    res.maintenance.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await res.maintenance
    await res.webhooks.client.aclose()
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

"""The actors. Thin: decode the message, make one call into the job runner, send what it
committed. They are plain functions run by Dramatiq's worker threads; the runner's
coroutine runs on the process's event loop, and the publish happens in the thread."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import dramatiq

from service.actors.broker import queue_name
from service.actors.resources import resources
from service.jobs import runner
from service.jobs.messages import ENRICH_BATCH, SCRAPE_PAGE, WEBHOOK_DELIVER
from service.settings import Settings

__all__ = ["RETRIES_EXHAUSTED", "declare_actors"]

RETRIES_EXHAUSTED = "jobs.retries_exhausted"


def advance_job(job_id: str, seq: int) -> None:
    res = resources()
    res.send(res.run(runner.advance(res.runtime, uuid.UUID(job_id), seq)))


def deliver_webhook(job_id: str, attempt: int) -> None:
    res = resources()
    res.send(res.run(res.webhooks.deliver(uuid.UUID(job_id), attempt)))


def retries_exhausted(message: Mapping[str, object], info: Mapping[str, object]) -> None:
    """A page or batch kept failing for a reason of ours: fail its job rather than leave it."""
    args = message.get("args")
    if not isinstance(args, list) or not args or not isinstance(args[0], str):
        return
    detail = f"internal error, gave up after {info.get('retries')} retries; see the worker logs"
    res = resources()
    res.send(res.run(runner.fail_internal(res.runtime, uuid.UUID(args[0]), detail)))


def declare_actors(
    broker: dramatiq.Broker, settings: Settings
) -> dict[str, dramatiq.Actor[..., object]]:
    """Register every actor on ``broker``, on queues named with the configured prefix."""

    def declare(fn: object, name: str, queue: str, **options: object) -> None:
        actors[name] = dramatiq.Actor(
            fn,  # type: ignore[arg-type]
            broker=broker,
            actor_name=name,
            queue_name=queue_name(settings, queue),
            priority=0,
            options=options,
        )

    actors: dict[str, dramatiq.Actor[..., object]] = {}
    declare(advance_job, SCRAPE_PAGE, "scrape", on_retry_exhausted=RETRIES_EXHAUSTED)
    declare(advance_job, ENRICH_BATCH, "enrich", on_retry_exhausted=RETRIES_EXHAUSTED)
    declare(retries_exhausted, RETRIES_EXHAUSTED, "control")
    # Failed deliveries are retried by the sender, through the outbox; Dramatiq's
    # retries cover only our own errors, such as the database being down.
    declare(deliver_webhook, WEBHOOK_DELIVER, "webhooks")
    return actors

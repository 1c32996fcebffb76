"""The Dramatiq broker: RabbitMQ with publisher confirms and our middleware stack."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.middleware import (
    AsyncIO,
    Callbacks,
    Middleware,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from service.settings import Settings

if TYPE_CHECKING:
    import pika

__all__ = [
    "MESSAGE_TIME_LIMIT_MS",
    "QUEUES",
    "build_broker",
    "ping",
    "queue_depths",
    "queue_name",
]

# A page is one provider call plus one transaction. Ten minutes is far more than
# that takes, and far under RabbitMQ's 30-minute consumer timeout.
MESSAGE_TIME_LIMIT_MS = 10 * 60 * 1000
# Our own errors (database down, a bug) retry with Dramatiq's backoff, capped well
# below the consumer timeout; provider errors are retried by the job runner instead.
INTERNAL_RETRIES = 10
INTERNAL_MAX_BACKOFF_MS = 60_000


# Every queue our actors use (each also has Dramatiq's .DQ and .XQ).
QUEUES = ("scrape", "enrich", "control", "webhooks")


def queue_name(settings: Settings, name: str) -> str:
    return f"{settings.queue_prefix}.{name}"


def build_broker(settings: Settings, extra: Sequence[Middleware] = ()) -> RabbitmqBroker:
    middleware: list[Middleware] = [
        TimeLimit(time_limit=MESSAGE_TIME_LIMIT_MS),
        ShutdownNotifications(),
        Callbacks(),
        Retries(max_retries=INTERNAL_RETRIES, min_backoff=500, max_backoff=INTERNAL_MAX_BACKOFF_MS),
        AsyncIO(),
        *extra,
    ]
    return RabbitmqBroker(url=settings.broker_url, confirm_delivery=True, middleware=middleware)


def _probe_connection(settings: Settings, timeout_s: float) -> pika.BlockingConnection:
    """One short-lived connection for a probe: one attempt, no wait past ``timeout_s``."""
    import pika

    parameters = pika.URLParameters(settings.broker_url)
    parameters.socket_timeout = timeout_s
    parameters.blocked_connection_timeout = timeout_s
    parameters.connection_attempts = 1
    return pika.BlockingConnection(parameters)


def ping(settings: Settings, timeout_s: float) -> None:
    """Open and close one AMQP connection; raises if RabbitMQ cannot be reached. Blocking."""
    _probe_connection(settings, timeout_s).close()


def queue_depths(settings: Settings, timeout_s: float) -> dict[str, int]:
    """Messages waiting in each of our queues (ready to deliver or delayed). Blocking."""
    import pika

    depths: dict[str, int] = {}
    connection = _probe_connection(settings, timeout_s)
    try:
        channel = connection.channel()
        for queue in QUEUES:
            for name in (queue_name(settings, queue), f"{queue_name(settings, queue)}.DQ"):
                try:
                    declared = channel.queue_declare(queue=name, passive=True)
                except pika.exceptions.ChannelClosedByBroker:
                    # Not declared yet: nothing was ever sent to it.
                    channel = connection.channel()
                    continue
                depths[name] = int(declared.method.message_count)
    finally:
        connection.close()
    return depths

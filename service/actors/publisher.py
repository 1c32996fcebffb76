"""Publishes outbox rows as Dramatiq messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import dramatiq

from service.repo.outbox import OutboxMessage

__all__ = ["DramatiqPublisher"]


class DramatiqPublisher:
    def __init__(self, broker: dramatiq.Broker, actors: Mapping[str, dramatiq.Actor[..., object]]):
        self._broker = broker
        self._actors = actors

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        for row in messages:
            message = self._actors[row.actor].message(str(row.job_id), row.seq)
            self._broker.enqueue(message, delay=row.delay_ms or None)

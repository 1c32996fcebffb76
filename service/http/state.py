"""What the API's handlers share for the life of the process, made in the app's lifespan."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from litestar import Request
from litestar.datastructures import State

from service.jobs.live import JobFeed
from service.jobs.submit import Submitter
from service.repo import Database
from service.repo.outbox import OutboxMessage
from service.settings import Settings

__all__ = ["AppState", "app_state"]


@dataclass(frozen=True, slots=True)
class AppState:
    settings: Settings
    db: Database
    submitter: Submitter
    # Publishes messages that a committed transaction wrote to the outbox.
    dispatch: Callable[[Sequence[OutboxMessage]], None]
    feed: JobFeed
    # Raises when RabbitMQ cannot be reached.
    ping_broker: Callable[[], Awaitable[None]]
    # Messages waiting in each of our queues.
    queue_depths: Callable[[], Awaitable[dict[str, int]]]


def app_state(request: Request[object, object, State]) -> AppState:
    found = getattr(request.app.state, "leadjobs", None)
    if not isinstance(found, AppState):
        raise RuntimeError("the app's lifespan did not set up its state")
    return found

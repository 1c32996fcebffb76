"""What the job runner needs from a kind of job: fetch one unit, then store it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from service.jobs.records import Job
from service.repo import Tx

__all__ = ["Fetched", "Stored"]


@dataclass(frozen=True, slots=True)
class Stored:
    """What storing one page or batch did, for the checkpoint, counters and event."""

    unit: int
    fetched: int
    items: int
    stored: int
    total: int | None
    finished: bool
    enriched: int = 0
    not_found: int = 0
    failed: int = 0


class Fetched(Protocol):
    """A page or batch the provider returned, not yet stored."""

    async def store(self, tx: Tx, job: Job) -> Stored: ...

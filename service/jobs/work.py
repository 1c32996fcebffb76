"""What the job runner needs from a kind of job: a fetched page or batch that knows
what committing it writes."""

from __future__ import annotations

from typing import Protocol

from service.jobs.records import Job
from service.repo.page_commit import PageWrite

__all__ = ["Fetched"]


class Fetched(Protocol):
    """A page or batch the provider returned, not yet stored."""

    def plan(self, job: Job) -> PageWrite:
        """What committing it writes, given the job as it was when the page was fetched."""
        ...

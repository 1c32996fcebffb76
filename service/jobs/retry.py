"""When to try a page again: exponential backoff with jitter, honouring Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["RetryPolicy"]

# A provider asking for a longer pause than this is waited out in several retries:
# delayed messages sit unacked in a worker, and RabbitMQ closes a channel whose
# delivery stays unacked past its 30-minute consumer timeout.
MAX_RETRY_AFTER_MS = 300_000


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int
    base_ms: int
    cap_ms: int

    def delay_ms(self, failed_attempts: int, retry_after_s: float | None = None) -> int | None:
        """Delay before the next attempt, or None when the retries are used up.

        ``failed_attempts`` counts the attempt that just failed: the first retry
        waits about ``base_ms``, each next one twice as long, up to ``cap_ms``;
        the jitter keeps many jobs that failed together from retrying together.
        """
        if failed_attempts > self.max_retries:
            return None
        ceiling = min(self.cap_ms, self.base_ms * 2 ** (failed_attempts - 1))
        delay = int(ceiling / 2 + random.uniform(0, ceiling / 2))
        if retry_after_s is not None:
            delay = max(delay, min(MAX_RETRY_AFTER_MS, int(retry_after_s * 1000)))
        return delay

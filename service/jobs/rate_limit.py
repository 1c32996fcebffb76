"""Per-key rate limiting of submissions: a token bucket kept in PostgreSQL.

Every API process shares it. A submit locks its key's bucket row in the same
transaction that creates the jobs, so concurrent submits queue on the lock and
can never take more than the bucket holds; a submit that fails for any reason
rolls its tokens back with it. Each job costs one token, so a batch costs its
size and is refused whole when the bucket cannot pay for all of it.
"""

from __future__ import annotations

import math

import msgspec

from service.errors import ServiceError
from service.jobs.records import ApiKey
from service.repo import Database, Tx, rate_buckets

__all__ = ["Quota", "RateLimited", "peek", "take"]


class Quota(msgspec.Struct, frozen=True, kw_only=True):
    """What the RateLimit-* headers report."""

    limit: int
    remaining: int
    reset_s: int

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_s),
        }


class RateLimited(ServiceError):
    type = "rate-limited"
    title = "Too Many Requests"
    status = 429

    def __init__(self, detail: str, *, retry_after_s: int, quota: Quota) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s
        self.quota = quota

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_s), **self.quota.headers()}


def _per_second(key: ApiKey) -> float:
    return key.rate_per_minute / 60.0


def _quota(key: ApiKey, tokens: float) -> Quota:
    refill_s = (key.burst - tokens) / _per_second(key)
    return Quota(limit=key.burst, remaining=math.floor(tokens), reset_s=math.ceil(refill_s))


def _available(key: ApiKey, level: rate_buckets.Level) -> float:
    return min(float(key.burst), level.tokens + level.elapsed_s * _per_second(key))


async def take(tx: Tx, key: ApiKey, cost: int) -> Quota:
    """Take ``cost`` tokens in the caller's transaction, or raise RateLimited (429)."""
    available = _available(key, await rate_buckets.lock(tx, key.id, full=key.burst))
    if cost > key.burst:
        quota = _quota(key, available)
        # A batch that does not fit is refused whole, as over the limit (SPEC: 429); this
        # one never will, and the detail says so rather than only when to try again.
        raise RateLimited(
            f"a batch of {cost} jobs never fits this key's burst of {key.burst}; "
            f"submit at most {key.burst} at once",
            retry_after_s=max(1, quota.reset_s),
            quota=quota,
        )
    if available < cost:
        wait_s = math.ceil((cost - available) / _per_second(key))
        raise RateLimited(
            f"this key may submit {key.rate_per_minute} jobs a minute, {key.burst} at once; "
            f"try again in {wait_s} s",
            retry_after_s=max(1, wait_s),
            quota=_quota(key, available),
        )
    await rate_buckets.store(tx, key.id, available - cost)
    return _quota(key, available - cost)


async def peek(db: Database, key: ApiKey) -> Quota:
    """The key's quota now, taking nothing (for repeated idempotent submits)."""
    async with db.connect() as conn:
        level = await rate_buckets.peek(conn, key.id)
    return _quota(key, float(key.burst) if level is None else _available(key, level))


async def count_rejection(db: Database, key: ApiKey) -> None:
    async with db.connect() as conn:
        await rate_buckets.record_rejection(conn, key.id)

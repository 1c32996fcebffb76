"""All SQL lives in this package. Repositories execute statements on a caller's
transaction and never commit; see ``db.Database.transaction``."""

from service.repo import (
    api_keys,
    events,
    fleet,
    idempotency,
    jobs,
    lead_writes,
    leads,
    locks,
    notifications,
    outbox,
    page_commit,
    rate_buckets,
    reports,
    retention,
)
from service.repo.db import Database, Tx

__all__ = [
    "Database",
    "Tx",
    "api_keys",
    "events",
    "fleet",
    "idempotency",
    "jobs",
    "lead_writes",
    "leads",
    "locks",
    "notifications",
    "outbox",
    "page_commit",
    "rate_buckets",
    "reports",
    "retention",
]

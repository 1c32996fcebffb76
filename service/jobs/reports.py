"""Reports on a key's job history, read from the reporting views."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import msgspec

from service.errors import InvalidInput
from service.jobs.records import ApiKey
from service.repo import Database, reports
from service.repo.reports import DailyRow

__all__ = ["DEFAULT_DAYS", "MAX_DAYS", "DailyReport", "daily_report"]

DEFAULT_DAYS = 30
# A year and a day: a whole year from any start date, leap years included.
MAX_DAYS = 367


class DailyReport(msgspec.Struct, frozen=True):
    items: list[DailyRow]


async def daily_report(
    db: Database, key: ApiKey, first: date | None, last: date | None
) -> DailyReport:
    """The key's jobs per UTC day (of submission), kind and status, both days included.

    Without ``last``, up to today; without ``first``, the 30 days up to ``last``.
    """
    last = last or datetime.now(UTC).date()
    first = first or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise InvalidInput.field("from", "must not be after to")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput.field("to", f"at most {MAX_DAYS} days after from")
    async with db.connect() as conn:
        return DailyReport(items=await reports.daily_jobs(conn, key.id, first, last))

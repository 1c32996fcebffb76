"""/v1/reports: a key's own rows of the reporting views."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import Parameter

from service.http.problems import problem_responses
from service.http.state import AppState
from service.jobs import reports
from service.jobs.records import ApiKey
from service.jobs.reports import DailyReport

__all__ = ["ReportsController"]

DAY = "a UTC day, YYYY-MM-DD; both ends included"


class ReportsController(Controller):
    path = "/v1/reports"
    tags = ["reports"]  # noqa: RUF012 - Litestar reads it as a class attribute

    @get(
        "/daily",
        summary="Your jobs per day, kind and status",
        responses=problem_responses(400, 401),
    )
    async def daily(
        self,
        api_key: NamedDependency[ApiKey],
        svc: NamedDependency[AppState],
        from_: Annotated[date | None, Parameter(query="from", description=DAY)] = None,
        to: Annotated[date | None, Parameter(description=DAY)] = None,
    ) -> DailyReport:
        """Counts, leads and duration percentiles of the jobs submitted each UTC day.

        `to` defaults to today and `from` to 29 days before `to`; at most 367 days.
        """
        return await reports.daily_report(svc.db, api_key, from_, to)

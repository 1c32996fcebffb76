"""/v1/jobs: submit, read, results and events. Handlers validate, call the job service, return."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.response import Stream

from service.http.state import AppState
from service.jobs import export, queries
from service.jobs.params import EnrichParams, JobParams, ScrapeParams
from service.jobs.records import ApiKey
from service.jobs.views import JobView, job_view

__all__ = ["JobsController"]

Limit = Annotated[int, Parameter(ge=1, le=200, description="items per page (1-200)")]
Cursor = Annotated[
    str | None, Parameter(max_length=200, description="next_cursor of the previous page")
]
ExportFormat = Annotated[
    Literal["json", "csv", "jsonl"],
    Parameter(description="json: cursor pages; csv or jsonl: every lead, streamed as a download"),
]


async def _accepted(svc: AppState, api_key: ApiKey, params: JobParams) -> Response[JobView]:
    job = await svc.submitter.submit(api_key, params)
    return Response(job_view(job), status_code=202, headers={"Location": f"/v1/jobs/{job.id}"})


class JobsController(Controller):
    path = "/v1/jobs"
    tags = ["jobs"]  # noqa: RUF012 - Litestar reads it as a class attribute

    @post("/scrape", status_code=202, summary="Submit a scrape job")
    async def submit_scrape(
        self,
        data: JSONBody[ScrapeParams],
        api_key: NamedDependency[ApiKey],
        svc: NamedDependency[AppState],
    ) -> Response[JobView]:
        """Walk a lead source's search results page by page, in the background.

        Returns 202 with the job and its `Location`; poll it, or read its events.
        """
        return await _accepted(svc, api_key, data)

    @post("/enrich", status_code=202, summary="Submit an enrich job")
    async def submit_enrich(
        self,
        data: JSONBody[EnrichParams],
        api_key: NamedDependency[ApiKey],
        svc: NamedDependency[AppState],
    ) -> Response[JobView]:
        """Add contact data to up to 1000 given leads, or to the leads of a finished scrape job."""
        return await _accepted(svc, api_key, data)

    @get("/{job_id:uuid}", summary="A job with its progress")
    async def get_job(
        self, job_id: uuid.UUID, api_key: NamedDependency[ApiKey], svc: NamedDependency[AppState]
    ) -> JobView:
        return job_view(await queries.get_job(svc.db, api_key, job_id))

    @get("/{job_id:uuid}/results", summary="The job's leads")
    async def results(
        self,
        job_id: uuid.UUID,
        api_key: NamedDependency[ApiKey],
        svc: NamedDependency[AppState],
        limit: Limit = 50,
        cursor: Cursor = None,
        format: ExportFormat = "json",
    ) -> queries.ResultsPage | Stream:
        """What has committed so far, in results order; readable while the job runs."""
        if format == "json":
            return await queries.results_page(svc.db, api_key, job_id, limit=limit, cursor=cursor)
        await queries.get_job(svc.db, api_key, job_id)
        leads = queries.iter_results(svc.db, job_id)
        chunks = export.csv_chunks(leads) if format == "csv" else export.jsonl_chunks(leads)
        media_type = "text/csv; charset=utf-8" if format == "csv" else "application/x-ndjson"
        return Stream(
            chunks,
            media_type=media_type,
            headers={
                # Litestar 2.25 lets the handler's default (JSON) override a Stream's own
                # media_type; an explicit header is what reaches the client.
                "Content-Type": media_type,
                "Content-Disposition": f'attachment; filename="leads-{job_id}.{format}"',
            },
        )

    @get("/{job_id:uuid}/events", summary="The job's progress events")
    async def events(
        self,
        job_id: uuid.UUID,
        api_key: NamedDependency[ApiKey],
        svc: NamedDependency[AppState],
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> queries.EventsPage:
        """Every state change and finished page or batch, oldest first."""
        return await queries.events_page(svc.db, api_key, job_id, limit=limit, cursor=cursor)

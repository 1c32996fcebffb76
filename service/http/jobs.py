"""/v1/jobs: submit, list, read, control, results and events.

Handlers validate, make one call into the job service, publish what it committed,
and return.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema
from litestar.params import JSONBody, Parameter
from litestar.response import ServerSentEvent, ServerSentEventMessage, Stream

from service.errors import InvalidInput, UnsupportedMediaType
from service.http.auth import provide_api_key
from service.http.problems import problem_responses
from service.http.state import AppState
from service.jobs import control, export, queries
from service.jobs.params import EnrichParams, JobParams, ScrapeParams
from service.jobs.records import ApiKey, JobKind, JobStatus
from service.jobs.submit import NewJob, Submission
from service.jobs.views import JobView, job_view
from service.repo.events import Event
from service.repo.jobs import HistoryFilter

__all__ = ["BatchSubmit", "JobsController"]

Limit = Annotated[int, Parameter(ge=1, le=200, description="items per page (1-200)")]
Cursor = Annotated[
    str | None, Parameter(max_length=200, description="next_cursor of the previous page")
]
IdempotencyKey = Annotated[
    str | None,
    Parameter(
        header="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="repeat a submit safely: the same key and body return the original (200)",
    ),
]
Timestamp = Annotated[
    str | None,
    Parameter(
        pattern=r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$",
        description="RFC 3339 date-time with its offset, e.g. 2026-12-04T09:00:00Z",
    ),
]
LastEventId = Annotated[
    str | None,
    Parameter(
        header="Last-Event-ID",
        max_length=20,
        description="with text/event-stream: resume after this event id",
    ),
]
ExportFormat = Annotated[
    Literal["json", "csv", "jsonl"],
    Parameter(description="json: cursor pages; csv or jsonl: every lead, streamed as a download"),
]


class BatchSubmit(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    jobs: Annotated[
        list[JobParams],
        msgspec.Meta(min_length=1, max_length=50, description="1-50 jobs, each with its kind"),
    ]


class _BatchBodies(msgspec.Struct):
    jobs: list[dict[str, object]]


async def _body(request: Request[object, object, State]) -> dict[str, object]:
    # The JSON the handler's ``data`` was validated from, as Litestar parsed it (and keeps
    # it): a job's view shows its parameters as they were submitted.
    return msgspec.convert(await request.json(), type=dict[str, object])


async def _batch_bodies(request: Request[object, object, State]) -> list[dict[str, object]]:
    return msgspec.convert(await request.json(), type=_BatchBodies).jobs


class BatchView(msgspec.Struct, frozen=True):
    jobs: list[JobView]
    batch_id: uuid.UUID | None = None


class JobsPage(msgspec.Struct, frozen=True):
    items: list[JobView]
    next_cursor: str | None


SUBMIT_ERRORS = (400, 401, 409, 413, 415, 429)


def _replayed(model: type[msgspec.Struct]) -> ResponseSpec:
    return ResponseSpec(
        data_container=model,
        description="An Idempotency-Key repeated an earlier submit: what it created",
        generate_examples=False,
    )


SUBMIT_RESPONSES = {200: _replayed(JobView), **problem_responses(*SUBMIT_ERRORS)}


def _documented_as(description: str, *others: str) -> type[Operation]:
    """An operation whose 200 is a JSON page or, on request, a stream of another type.

    The handler returns ``Page | Stream``; OpenAPI should say JSON is the page, and
    list the other media types the route can answer with.
    """

    @dataclass
    class AlternateContent(Operation):
        def __post_init__(self) -> None:
            ok = (self.responses or {}).get("200")
            if not isinstance(ok, OpenAPIResponse) or not ok.content:
                return
            page = ok.content.get(MediaType.JSON) or next(iter(ok.content.values()))
            if isinstance(page.schema, Schema) and page.schema.one_of:
                page = OpenAPIMediaType(schema=page.schema.one_of[0])
            text = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))
            ok.description = description
            ok.content = {MediaType.JSON: page, **dict.fromkeys(others, text)}

    return AlternateContent


ResultsOperation = _documented_as(
    "JSON pages by default; every lead as CSV or JSON Lines on request",
    "text/csv",
    "application/x-ndjson",
)
EventsOperation = _documented_as(
    "JSON pages by default; a live stream with Accept: text/event-stream", "text/event-stream"
)


def _timestamp(name: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput.field(name, "not an RFC 3339 date-time") from None


def _submitted(done: Submission) -> Response[JobView]:
    job = done.jobs[0]
    return Response(
        job_view(job),
        status_code=200 if done.replayed else 202,
        headers={"Location": f"/v1/jobs/{job.id}", **done.quota.headers()},
    )


async def before_submit(request: Request[object, object, State]) -> None:
    """Before a submit's body is read: the key (401 beats 400, 413 and 415), then the
    body's declared type (JSON; with no Content-Type at all it is read as JSON, as plain
    HTTP clients send it; declared as anything else it is refused)."""
    await provide_api_key(request)
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if not media_type:
        return
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType("send the body as JSON, with Content-Type: application/json")


class JobsController(Controller):
    path = "/v1/jobs"
    tags = ["jobs"]  # noqa: RUF012 - Litestar reads it as a class attribute

    @post(
        "/scrape",
        status_code=202,
        summary="Submit a scrape job",
        before_request=before_submit,
        responses=SUBMIT_RESPONSES,
    )
    async def submit_scrape(
        self,
        data: JSONBody[ScrapeParams],
        request: Request[object, object, State],
        api_key: NamedDependency[ApiKey],
        svc: NamedDependency[AppState],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[JobView]:
        """Walk a lead source's search results page by page, in the background.

        202 with the job and its `Location`; 200 with the original job when an
        `Idempotency-Key` repeats an earlier submit.
        """
        job = NewJob(params=data, body=await _body(request))
        done = await svc.submitter.submit(api_key, job, idempotency_key=idempotency_key)
        return _submitted(done)

    @post(
        "/enrich",
        status_code=202,
        summary="Submit an enrich job",
        before_request=before_submit,
        responses=SUBMIT_RESPONSES,
    )
    async def submit_enrich(
        self,
        data: JSONBody[EnrichParams],
        request: Request[object, object, State],
        api_key: NamedDependency[ApiKey],
        svc: NamedDependency[AppState],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[JobView]:
        """Add contact data to up to 1000 given leads, or to the leads of a scrape job (once
        it has ended: submitted before, the enrich job waits for it)."""
        job = NewJob(params=data, body=await _body(request))
        done = await svc.submitter.submit(api_key, job, idempotency_key=idempotency_key)
        return _submitted(done)

    @post(
        "/batch",
        status_code=202,
        summary="Submit 1-50 jobs at once, all or none",
        before_request=before_submit,
        responses={200: _replayed(BatchView), **problem_responses(*SUBMIT_ERRORS)},
    )
    async def submit_batch(
        self,
        data: JSONBody[BatchSubmit],
        request: Request[object, object, State],
        api_key: NamedDependency[ApiKey],
        svc: NamedDependency[AppState],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[BatchView]:
        """Every job valid, or none created: a 400 names the bad job's index and field.

        The jobs share a `batch_id` that `GET /v1/jobs?batch_id=` filters by.
        """
        bodies = await _batch_bodies(request)
        batch = [NewJob(params=p, body=b) for p, b in zip(data.jobs, bodies, strict=True)]
        done = await svc.submitter.submit_batch(api_key, batch, idempotency_key=idempotency_key)
        body = BatchView(jobs=[job_view(job) for job in done.jobs], batch_id=done.batch_id)
        return Response(
            body, status_code=200 if done.replayed else 202, headers=done.quota.headers()
        )

    @get("/", summary="Your jobs, newest first", responses=problem_responses(400, 401))
    async def list_jobs(
        self,
        api_key: NamedDependency[ApiKey],
        svc: NamedDependency[AppState],
        status: JobStatus | None = None,
        kind: JobKind | None = None,
        batch_id: uuid.UUID | None = None,
        created_after: Timestamp = None,
        created_before: Timestamp = None,
        limit: Limit = 50,
        cursor: Cursor = None,
    ) -> JobsPage:
        """Keyset pages: a job submitted while you page through never repeats or skips one."""
        where = HistoryFilter(
            status=status,
            kind=kind,
            batch_id=batch_id,
            created_after=_timestamp("created_after", created_after),
            created_before=_timestamp("created_before", created_before),
        )
        found, next_cursor = await queries.history(
            svc.db, api_key, where, limit=limit, cursor=cursor
        )
        return JobsPage(items=[job_view(job) for job in found], next_cursor=next_cursor)

    @get("/{job_id:uuid}", summary="A job with its progress", responses=problem_responses(401, 404))
    async def get_job(
        self, job_id: uuid.UUID, api_key: NamedDependency[ApiKey], svc: NamedDependency[AppState]
    ) -> JobView:
        return job_view(await queries.get_job(svc.db, api_key, job_id))

    @post(
        "/{job_id:uuid}/cancel",
        status_code=202,
        summary="Cancel a job",
        responses=problem_responses(401, 404, 409),
    )
    async def cancel(
        self, job_id: uuid.UUID, api_key: NamedDependency[ApiKey], svc: NamedDependency[AppState]
    ) -> JobView:
        """A scheduled, queued or running job ends `cancelled` at once, keeping the leads
        of the pages it finished; cancelling it again is fine. 409 if it already
        succeeded or failed."""
        job, sent = await control.cancel(svc.db, api_key, job_id)
        svc.dispatch(sent)
        return job_view(job)

    @post(
        "/{job_id:uuid}/resume",
        status_code=202,
        summary="Resume a failed or cancelled job",
        responses=problem_responses(401, 404, 409),
    )
    async def resume(
        self, job_id: uuid.UUID, api_key: NamedDependency[ApiKey], svc: NamedDependency[AppState]
    ) -> JobView:
        """The job continues from its last committed page or batch, keeping its results;
        pages already done are not fetched again. 409 unless it failed or was cancelled."""
        job, sent = await control.resume(svc.db, api_key, job_id)
        svc.dispatch(sent)
        return job_view(job)

    @get(
        "/{job_id:uuid}/results",
        summary="The job's leads",
        responses=problem_responses(400, 401, 404),
        operation_class=ResultsOperation,
    )
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

    @get(
        "/{job_id:uuid}/events",
        summary="The job's progress events, as JSON pages or a live stream",
        responses=problem_responses(400, 401, 404),
        operation_class=EventsOperation,
    )
    async def events(
        self,
        request: Request[object, object, State],
        job_id: uuid.UUID,
        api_key: NamedDependency[ApiKey],
        svc: NamedDependency[AppState],
        limit: Limit = 50,
        cursor: Cursor = None,
        last_event_id: LastEventId = None,
    ) -> queries.EventsPage | ServerSentEvent:
        """Every state change, finished page or batch, retry and webhook attempt, oldest first.

        With `Accept: text/event-stream`, a live Server-Sent Events stream instead: `id:` is
        the event id, `event:` its type, `data:` the event as JSON; `Last-Event-ID` resumes
        after that event; comment lines keep it alive; it ends after the job's end.
        """
        if "text/event-stream" not in request.headers.get("accept", ""):
            return await queries.events_page(svc.db, api_key, job_id, limit=limit, cursor=cursor)
        await queries.get_job(svc.db, api_key, job_id)
        after = _last_event_id(last_event_id)
        return ServerSentEvent(
            _sse(svc.feed.stream(job_id, after_id=after)),
            headers={
                # See results: an explicit Content-Type is what reaches the client.
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            },
        )


async def _sse(stream: AsyncIterator[Event | None]) -> AsyncIterator[ServerSentEventMessage]:
    async for event in stream:
        if event is None:
            yield ServerSentEventMessage(comment="keep-alive")
            continue
        yield ServerSentEventMessage(
            id=event.id, event=event.type, data=msgspec.json.encode(event).decode()
        )


def _last_event_id(value: str | None) -> int:
    if value is None:
        return 0
    if not value.isdigit():
        raise InvalidInput.field("Last-Event-ID", "must be the id of an event")
    return int(value)

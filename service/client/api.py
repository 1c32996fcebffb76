"""The HTTP API from the outside: what any client does, in a few typed calls."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import httpx
import msgspec

from service.errors import FieldError
from service.jobs.params import JobParams
from service.jobs.views import JobView
from service.repo.events import Event

__all__ = ["ApiClient", "ApiError"]


class _Problem(msgspec.Struct):
    status: int
    title: str = ""
    detail: str = ""
    errors: list[FieldError] | None = None


class ApiError(Exception):
    """The API refused a request; the message is its problem detail, in one line."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status


class ApiClient:
    def __init__(self, base_url: str, key: str, *, timeout_s: float = 30) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers={"X-API-Key": key}, timeout=timeout_s
        )

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_: object) -> None:
        self._http.close()

    def submit(self, params: JobParams) -> JobView:
        kind = "scrape" if params.__struct_config__.tag == "scrape" else "enrich"
        body = msgspec.json.encode(params)
        response = self._send(
            "POST", f"/v1/jobs/{kind}", content=body, headers={"content-type": "application/json"}
        )
        return msgspec.json.decode(response.content, type=JobView)

    def job(self, job_id: uuid.UUID) -> JobView:
        return msgspec.json.decode(self._send("GET", f"/v1/jobs/{job_id}").content, type=JobView)

    def events(self, job_id: uuid.UUID, *, after_id: int = 0) -> Iterator[Event]:
        """The job's events as they happen, from its live stream; ends with the job."""
        headers = {"Accept": "text/event-stream", "Last-Event-ID": str(after_id)}
        url = f"/v1/jobs/{job_id}/events"
        try:
            with self._http.stream("GET", url, headers=headers, timeout=None) as response:
                if response.status_code >= 400:
                    response.read()
                    raise _error(response)
                data: list[str] = []
                for line in response.iter_lines():
                    if line.startswith("data:"):
                        data.append(line[5:].strip())
                    elif line == "" and data:
                        yield msgspec.json.decode("\n".join(data), type=Event)
                        data = []
        except httpx.TransportError as exc:
            raise ApiError(0, f"the event stream broke: {exc}") from None

    def download(
        self, job_id: uuid.UUID, export_format: Literal["csv", "jsonl"], path: Path
    ) -> int:
        """Stream the job's results into ``path``; returns the bytes written."""
        written = 0
        url = f"/v1/jobs/{job_id}/results"
        with self._http.stream("GET", url, params={"format": export_format}) as response:
            if response.status_code >= 400:
                response.read()
                raise _error(response)
            with path.open("wb") as out:
                for chunk in response.iter_bytes():
                    written += out.write(chunk)
        return written

    def _send(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        try:
            response = self._http.request(method, url, **kwargs)  # type: ignore[arg-type]
        except httpx.TransportError as exc:
            raise ApiError(0, f"cannot reach the API at {self._http.base_url}: {exc}") from None
        if response.status_code >= 400:
            raise _error(response)
        return response


def _error(response: httpx.Response) -> ApiError:
    try:
        problem = msgspec.json.decode(response.content, type=_Problem)
    except msgspec.DecodeError:
        return ApiError(response.status_code, response.text[:200] or response.reason_phrase)
    return ApiError(problem.status, problem.detail or problem.title)

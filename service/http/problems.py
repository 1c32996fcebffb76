"""Every error leaves as RFC 9457 problem details, rendered here and nowhere else."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus

import msgspec
from litestar import Request, Response
from litestar.datastructures import State
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import ExceptionHandlersMap

from service.errors import FieldError, InvalidInput, ServiceError

__all__ = ["PROBLEM_JSON", "Problem", "exception_handlers", "problem_responses"]

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
_NAMED_FIELD = re.compile(r"(?P<what>unknown|missing required) field `(?P<name>[^`]+)`")


class Problem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


_WHEN = {
    400: "Malformed JSON, or a field out of bounds: `errors` names each field",
    401: "No API key, an unknown one, or a revoked one",
    404: "No such job for this key",
    409: "The job's state does not allow this, or the Idempotency-Key was used with another body",
    413: "The body is over 1 MiB",
    415: "The body is not JSON",
    429: "Over the key's rate limit: see Retry-After and the RateLimit-* headers",
    503: "PostgreSQL (or, for readiness, RabbitMQ) cannot serve now; see Retry-After",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem details a route can answer with; any route may
    meet a database with no connection to spare (503)."""
    statuses = tuple(sorted({*statuses, 503}))
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_WHEN[status],
            media_type=PROBLEM_JSON,
            generate_examples=False,
        )
        for status in statuses
    }


def _problem(
    status: int,
    slug: str,
    detail: str,
    *,
    title: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[Problem]:
    body = Problem(
        type=f"/problems/{slug}",
        title=title or HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        errors=errors,
    )
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _service_error(_: Request[object, object, State], exc: ServiceError) -> Response[Problem]:
    errors = list(exc.errors) if isinstance(exc, InvalidInput) else None
    return _problem(
        exc.status,
        exc.type,
        exc.detail,
        title=exc.title,
        errors=errors,
        headers=exc.headers or None,
    )


def _validation_error(
    _: Request[object, object, State], exc: ValidationException
) -> Response[Problem]:
    errors = [_field_error(item) for item in exc.extra or [] if isinstance(item, dict)]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or str(exc.detail)
    return _problem(400, InvalidInput.type, detail, title=InvalidInput.title, errors=errors)


def _field_error(item: dict[str, object]) -> FieldError:
    key, message = str(item.get("key") or ""), str(item.get("message") or "invalid")
    # Litestar names the object that holds an unknown or missing field ("data" for the
    # body itself); name the field instead.
    named = _NAMED_FIELD.search(message)
    if named is not None:
        parent = "" if key in ("", "data") else key + "."
        what = "unknown field" if named.group("what") == "unknown" else "required"
        return FieldError(field=parent + named.group("name"), message=what)
    return FieldError(field="body" if key in ("", "data") else key, message=message)


def _http_error(_: Request[object, object, State], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    slug = HTTPStatus(status).phrase.lower().replace(" ", "-")
    headers = dict(exc.headers) if exc.headers else None
    return _problem(status, slug, str(exc.detail), headers=headers)


def _too_deep(_: Request[object, object, State], exc: RecursionError) -> Response[Problem]:
    # msgspec decodes recursively; a body nested thousands of levels deep ends here.
    return _problem(400, "bad-request", "the JSON body is nested too deeply")


def _internal_error(request: Request[object, object, State], exc: Exception) -> Response[Problem]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _problem(500, "internal", "an internal error occurred; it has been logged")


exception_handlers: ExceptionHandlersMap = {
    ServiceError: _service_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    RecursionError: _too_deep,
    Exception: _internal_error,
}

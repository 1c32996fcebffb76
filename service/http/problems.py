"""Every error leaves as RFC 9457 problem details, rendered here and nowhere else."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus

import msgspec
from litestar import Request, Response
from litestar.datastructures import State
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from service.errors import FieldError, InvalidInput, ServiceError

__all__ = ["PROBLEM_JSON", "Problem", "exception_handlers"]

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
_NAMED_FIELD = re.compile(r"(?P<what>unknown|missing required) field `(?P<name>[^`]+)`")


class Problem(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


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


def _internal_error(request: Request[object, object, State], exc: Exception) -> Response[Problem]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _problem(500, "internal", "an internal error occurred; it has been logged")


exception_handlers: ExceptionHandlersMap = {
    ServiceError: _service_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    Exception: _internal_error,
}

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
_UNKNOWN_FIELD = re.compile(r"unknown field `(?P<name>[^`]+)`")


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
    return _problem(exc.status, exc.type, exc.detail, title=exc.title, errors=errors)


def _validation_error(
    _: Request[object, object, State], exc: ValidationException
) -> Response[Problem]:
    errors = [_field_error(item) for item in exc.extra or [] if isinstance(item, dict)]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or str(exc.detail)
    return _problem(400, InvalidInput.type, detail, title=InvalidInput.title, errors=errors)


def _field_error(item: dict[str, object]) -> FieldError:
    key, message = str(item.get("key") or ""), str(item.get("message") or "invalid")
    unknown = _UNKNOWN_FIELD.search(message)
    if unknown is not None:
        # Litestar names the enclosing object ("data" for the body itself); name the field.
        parent = "" if key in ("", "data") else key + "."
        return FieldError(field=parent + unknown.group("name"), message="unknown field")
    return FieldError(field=key or "body", message=message)


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

"""The service's error tree. HTTP renders these as problem details in one place.

    ServiceError                 type slug + HTTP status
     ├── InvalidInput            400  a field (or several) is out of bounds
     ├── Unauthorized            401  no key, unknown key or revoked key
     ├── NotFound                404  missing, or owned by another key
     ├── Conflict                409  the resource is not in a state that allows it
     ├── UnsupportedMediaType    415  a body that is not JSON
     ├── (jobs.rate_limit) RateLimited  429  the key's submissions are over its rate
     └── Unavailable             503  PostgreSQL cannot serve now (no connection)

Provider errors are a separate tree (``service.providers.base``): they decide
retry versus fail inside the job runner and never reach a client directly.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

__all__ = [
    "Conflict",
    "FieldError",
    "InvalidInput",
    "NotFound",
    "ServiceError",
    "Unauthorized",
    "Unavailable",
    "UnsupportedMediaType",
]


class FieldError(msgspec.Struct, frozen=True):
    """One invalid field: a dotted path into the request (``search.titles[2]``)."""

    field: str
    message: str


class ServiceError(Exception):
    type: str = "internal"
    title: str = "Internal error"
    status: int = 500

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    @property
    def headers(self) -> dict[str, str]:
        """Headers the response must carry (Retry-After, say)."""
        return {}


class InvalidInput(ServiceError):
    type = "invalid-input"
    title = "Invalid input"
    status = 400

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = tuple(errors)

    @classmethod
    def field(cls, field: str, message: str) -> InvalidInput:
        return cls([FieldError(field=field, message=message)])


class Unauthorized(ServiceError):
    type = "unauthorized"
    title = "Unauthorized"
    status = 401


class NotFound(ServiceError):
    type = "not-found"
    title = "Not found"
    status = 404


class Conflict(ServiceError):
    type = "conflict"
    title = "Conflict"
    status = 409


class UnsupportedMediaType(ServiceError):
    type = "unsupported-media-type"
    title = "Unsupported Media Type"
    status = 415


class Unavailable(ServiceError):
    type = "unavailable"
    title = "Service Unavailable"
    status = 503

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}

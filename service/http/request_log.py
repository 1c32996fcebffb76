"""One log line per request, with a request id the response carries back."""

from __future__ import annotations

import logging
import re
import time
import uuid

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from service import metrics
from service.logs import bound, emit

__all__ = ["RequestLog", "route_of"]

log = logging.getLogger("leadjobs.http")

_GIVEN_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_QUIET = ("/healthz", "/readyz", "/metrics")


def route_of(scope: Scope) -> str:
    """The route template that served the request (``/v1/jobs/{job_id:uuid}``), or ``other``.

    Unmatched paths share one value: they must not make a label per probe.
    """
    template = scope.get("path_template")
    return template if isinstance(template, str) and template else "other"


class RequestLog:
    """ASGI middleware: binds ``request_id`` for the request's log lines and logs its end.

    The query string is never logged: a careless client may have put its key there.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        started = time.perf_counter()
        with bound(request_id=request_id):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                path = scope.get("path", "")
                level = logging.DEBUG if path in _QUIET else logging.INFO
                route = route_of(scope)
                method = str(scope.get("method", ""))
                elapsed = time.perf_counter() - started
                metrics.http_requests.labels(method, route, str(status)).inc()
                metrics.http_seconds.labels(method, route).observe(elapsed)
                key_id = (scope.get("state") or {}).get("api_key_id")
                emit(
                    log,
                    logging.ERROR if status >= 500 else level,
                    "request",
                    api_key_id=key_id if isinstance(key_id, str) else None,
                    method=method,
                    path=path,
                    route=route,
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            given = value.decode("latin-1")
            if _GIVEN_ID.match(given):
                return given
    return uuid.uuid4().hex

"""API-key authentication for every /v1 route: ``X-API-Key`` or ``Authorization: Bearer``."""

from __future__ import annotations

from litestar import Request
from litestar.datastructures import State
from litestar.openapi.spec import Reference, SecurityScheme

from service.http.state import app_state
from service.jobs.records import ApiKey
from service.keys import authenticate
from service.logs import bind_for_request

__all__ = ["SECURITY", "SECURITY_SCHEMES", "provide_api_key"]

SECURITY_SCHEMES: dict[str, SecurityScheme | Reference] = {
    "apiKey": SecurityScheme(type="apiKey", name="X-API-Key", security_scheme_in="header"),
    "bearer": SecurityScheme(type="http", scheme="bearer"),
}
SECURITY: list[dict[str, list[str]]] = [{"apiKey": []}, {"bearer": []}]


def _presented(request: Request[object, object, State]) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


_KEY = "api_key"


async def provide_api_key(request: Request[object, object, State]) -> ApiKey:
    """The caller's key, authenticated once per request (a route's ``before_request``
    may have done it already, to refuse a keyless request before reading its body)."""
    state = request.scope.setdefault("state", {})
    known = state.get(_KEY)
    if isinstance(known, ApiKey):
        return known
    key = await authenticate(app_state(request).db, _presented(request))
    state[_KEY] = key
    # Log lines name the key by its id, never by the key itself: the request log reads
    # it from the scope, and lines logged while handling the request carry it too.
    state["api_key_id"] = str(key.id)
    bind_for_request(api_key_id=str(key.id))
    return key

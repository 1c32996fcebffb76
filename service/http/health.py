"""Liveness and readiness probes."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import msgspec
from litestar import Response, get
from litestar.di import NamedDependency

from service.errors import ServiceError
from service.http.problems import problem_responses
from service.http.state import AppState

__all__ = ["healthz", "readyz"]

PROBE_TIMEOUT_S = 3.0


class Health(msgspec.Struct, frozen=True):
    status: str
    checks: dict[str, str] = {}


class NotReady(ServiceError):
    type = "not-ready"
    title = "Service Unavailable"
    status = 503


@get("/healthz", summary="Liveness", tags=["health"])
async def healthz() -> Health:
    return Health(status="ok")


@get(
    "/readyz",
    summary="Readiness: Postgres and RabbitMQ reachable",
    tags=["health"],
    responses=problem_responses(503),
)
async def readyz(svc: NamedDependency[AppState]) -> Response[Health]:
    checks = {
        "postgres": await _probe(svc.db.ping()),
        "rabbitmq": await _probe(svc.ping_broker()),
    }
    failing = [name for name, result in checks.items() if result != "ok"]
    if failing:
        raise NotReady(", ".join(f"{name}: {checks[name]}" for name in failing))
    return Response(Health(status="ok", checks=checks))


async def _probe(check: Awaitable[None]) -> str:
    try:
        await asyncio.wait_for(check, PROBE_TIMEOUT_S)
    except TimeoutError:
        return "timed out"
    except Exception as exc:
        return f"unreachable ({type(exc).__name__})"
    return "ok"

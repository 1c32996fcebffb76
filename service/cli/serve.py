"""``leadjobs migrate``, ``api`` and ``worker``: the service's processes."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from service import logs
from service.cli.common import CliError, load_settings
from service.metrics_setup import shared_metrics

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[Any]) -> None:
    migrate = commands.add_parser("migrate", help="create the database if missing, then upgrade it")
    migrate.set_defaults(run=_migrate)

    api = commands.add_parser("api", help="serve the HTTP API")
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument("--port", type=_port, default=8000)
    api.add_argument("--workers", type=_positive, default=1, help="server processes")
    api.set_defaults(run=_api)

    worker = commands.add_parser("worker", help="run Dramatiq workers for every actor")
    worker.add_argument("--processes", type=_positive, default=1)
    worker.add_argument("--threads", type=_positive, default=8)
    worker.set_defaults(run=_worker)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {number}")
    return number


def _port(value: str) -> int:
    number = _positive(value)
    if number > 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port: {number}")
    return number


def _migrate(_: argparse.Namespace) -> int:
    from service.repo.admin import ensure_database, upgrade

    settings = load_settings()
    try:
        created = asyncio.run(ensure_database(settings.database_url))
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot reach the database in DATABASE_URL: {exc}") from None
    if created:
        print("created the database")
    upgrade(settings.database_url)
    print("database is at the newest schema")
    return 0


def _api(args: argparse.Namespace) -> int:
    import uvicorn

    settings = load_settings()  # fail here, with one line, not in every server process
    logs.configure(settings.log_format)
    with shared_metrics("api"):
        uvicorn.run(
            "service.http.asgi:build",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            proxy_headers=True,
            log_level="info",
            # Uvicorn's access log prints query strings whole, where a careless client may
            # have put its key; the app logs requests itself, without them.
            access_log=False,
            log_config=None,
        )
    return 0


def _worker(args: argparse.Namespace) -> int:
    settings = load_settings()
    logs.configure(settings.log_format)
    with shared_metrics("worker"):
        from service.actors.run import run_workers

        return run_workers(
            processes=args.processes,
            threads=args.threads,
            serve_metrics=settings.worker_metrics_port != 0,
        )

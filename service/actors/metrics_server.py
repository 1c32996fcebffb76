"""The worker's metrics server: a process Dramatiq forks beside the worker processes.

It serves what every worker process of this ``leadjobs worker`` counted (they share
one multiprocess directory), and Dramatiq stops it with the rest on shutdown.
"""

from __future__ import annotations

import logging
import os
import threading

from prometheus_client import CollectorRegistry, multiprocess, start_http_server

from service import logs
from service.settings import Settings

__all__ = ["serve_metrics"]

log = logging.getLogger(__name__)


def serve_metrics() -> None:
    """Serve until Dramatiq signals this process to stop."""
    settings = Settings.from_env(os.environ)
    logs.configure(settings.log_format)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    host, port = settings.worker_metrics_host, settings.worker_metrics_port
    try:
        server, thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        # A second worker on the same host: its jobs must still run, so say so and idle.
        logs.emit(
            log,
            logging.WARNING,
            "worker.metrics_unavailable",
            host=host,
            port=port,
            error=str(exc),
            hint="give each worker on a host its own LEADJOBS_WORKER_METRICS_PORT",
        )
        threading.Event().wait()
        return
    logs.emit(log, logging.INFO, "worker.metrics_served", host=host, port=port)
    try:
        thread.join()
    finally:
        server.shutdown()

"""Structured logs: one JSON object per line (or a readable line with ``console``).

Every line has ``timestamp``, ``level``, ``logger`` and ``event``, plus the fields
bound to the current request or message (``request_id``, ``api_key_id``,
``job_id``, ``page``) and any given with the call. API keys are never logged.

    log = logging.getLogger(__name__)
    with bound(job_id=str(job.id)):
        emit(log, logging.INFO, "job.started", run=2)
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Literal

import msgspec

__all__ = ["Field", "bind_for_request", "bound", "configure", "emit"]

Field = str | int | float | bool | None
_bound: contextvars.ContextVar[dict[str, Field] | None] = contextvars.ContextVar(
    "log_fields", default=None
)


@contextlib.contextmanager
def bound(**fields: Field) -> Iterator[None]:
    """Add ``fields`` to every line logged in this context (task or thread)."""
    token = _bound.set({**(_bound.get() or {}), **fields})
    try:
        yield
    finally:
        _bound.reset(token)


def bind_for_request(**fields: Field) -> None:
    """Add ``fields`` for the rest of the current context; ``bound`` around it undoes it."""
    _bound.set({**(_bound.get() or {}), **fields})


def emit(log: logging.Logger, level: int, event: str, **fields: Field) -> None:
    """Log ``event`` with ``fields`` of its own."""
    log.log(level, event, extra={"fields": fields})


def _fields(record: logging.LogRecord) -> dict[str, Field]:
    fields: dict[str, Field] = dict(_bound.get() or {})
    given = getattr(record, "fields", None)
    if isinstance(given, dict):
        fields.update(given)
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return msgspec.json.encode(line).decode()


class ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S.%f")[:-3]
        fields = " ".join(f"{k}={v}" for k, v in _fields(record).items())
        line = f"{stamp} {record.levelname:<7} {record.name}: {record.getMessage()} {fields}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line.rstrip()


def configure(log_format: Literal["json", "console"], level: int = logging.INFO) -> None:
    """Send every logger's lines, ours and the libraries', through one formatter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else ConsoleFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Chatty at INFO about every connection they open.
    for noisy in ("httpx", "httpcore", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Pika logs a dropped idle publishing connection as an error, though Dramatiq
    # reconnects and publishes again; Dramatiq silences it the same way.
    logging.getLogger("pika").setLevel(logging.CRITICAL)
    for name in ("uvicorn", "uvicorn.error", "dramatiq"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # The app logs each request itself (service.http.request_log); uvicorn's access
    # log would print query strings whole, where a careless client may put its key.
    logging.getLogger("uvicorn.access").disabled = True

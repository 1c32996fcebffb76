"""The ASGI entry point uvicorn imports in each server process."""

from __future__ import annotations

import os

from litestar import Litestar

from service import logs
from service.http.app import create_app
from service.settings import Settings
from service.threads import favour_io_threads

__all__ = ["build"]


def build() -> Litestar:
    favour_io_threads()
    settings = Settings.from_env(os.environ)
    logs.configure(settings.log_format)
    return create_app(settings)

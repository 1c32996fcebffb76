"""The metrics directory the processes of one command share (Prometheus multiprocess mode).

``prometheus_client`` picks its storage when first imported, so the ``api`` and
``worker`` commands call ``shared_metrics`` before anything imports it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["shared_metrics"]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def shared_metrics(name: str) -> Iterator[str]:
    """A fresh directory for the metrics of the processes this command starts."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before its directory was set")
    directory = tempfile.mkdtemp(prefix=f"leadjobs-{name}-metrics-")
    os.environ[MULTIPROC_ENV] = directory
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)

"""The metrics directory the processes of one command share (Prometheus multiprocess mode).

``prometheus_client`` picks its storage when first imported, so the ``api`` and
``worker`` commands call ``shared_metrics`` before anything imports it.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["remove_stale", "shared_metrics"]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_OWNED = re.compile(r"^leadjobs-[a-z]+-metrics-(?P<pid>\d+)-")


@contextmanager
def shared_metrics(name: str) -> Iterator[str]:
    """A fresh directory for the metrics of the processes this command starts."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before its directory was set")
    remove_stale(Path(tempfile.gettempdir()))
    directory = tempfile.mkdtemp(prefix=f"leadjobs-{name}-metrics-{os.getpid()}-")
    os.environ[MULTIPROC_ENV] = directory
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def remove_stale(parent: Path) -> list[Path]:
    """Directories left by commands that were killed (SIGKILL skips the cleanup above):
    removed when the process named in the directory's name no longer exists."""
    removed = []
    for path in parent.glob("leadjobs-*-metrics-*"):
        owned = _OWNED.match(path.name)
        if owned is None or not path.is_dir() or _alive(int(owned.group("pid"))):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True

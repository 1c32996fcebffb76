"""Metrics directories of killed commands are removed by the next command that starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from service.metrics_setup import remove_stale


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_only_directories_of_processes_that_are_gone_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / f"leadjobs-worker-metrics-{_dead_pid()}-abc123"
    live = tmp_path / f"leadjobs-api-metrics-{os.getpid()}-def456"
    unrelated = tmp_path / "leadjobs-notes-metrics-x"
    for directory in (stale, live, unrelated):
        directory.mkdir()
        (directory / "counter_1.db").write_bytes(b"\0")

    removed = remove_stale(tmp_path)

    assert removed == [stale]
    assert not stale.exists()
    assert live.exists()
    assert unrelated.exists()

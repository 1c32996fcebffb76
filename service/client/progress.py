"""A one-line progress bar for a job: pages or batches, leads, rate and ETA."""

from __future__ import annotations

import time
from typing import TextIO

import msgspec

from service.jobs.records import TERMINAL, JobStatus
from service.jobs.views import JobView, percent_done
from service.repo.events import Event

_STATUS_OF: dict[str, JobStatus] = {
    "job.queued": "queued",
    "job.started": "running",
    "job.succeeded": "succeeded",
    "job.failed": "failed",
    "job.cancelled": "cancelled",
}

__all__ = ["ProgressLine", "apply_event"]

BAR_WIDTH = 24


class ProgressLine:
    """Redraws in place on a terminal; elsewhere prints a line only when something changed."""

    def __init__(self, out: TextIO, label: str) -> None:
        self._out = out
        self._label = label
        self._tty = out.isatty()
        self._started = time.monotonic()
        self._last = ""

    def show(self, job: JobView) -> None:
        line = self._render(job)
        if line == self._last:
            return
        self._last = line
        if self._tty:
            self._out.write("\r\x1b[2K" + line)
        else:
            self._out.write(line + "\n")
        if job.status in TERMINAL and self._tty:
            self._out.write("\n")
        self._out.flush()

    def _render(self, job: JobView) -> str:
        p = job.progress
        filled = round(BAR_WIDTH * p.percent / 100)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        unit = "pages" if job.kind == "scrape" else "batches"
        total = "?" if p.pages_total is None else str(p.pages_total)
        elapsed = max(time.monotonic() - self._started, 1e-6)
        parts = [
            f"{self._label} [{bar}] {p.percent:5.1f}%",
            f"{p.pages_done}/{total} {unit}",
            f"{job.result_count} leads",
            f"{p.items_done / elapsed:.0f}/s",
        ]
        if p.pages_total and 0 < p.pages_done < p.pages_total and job.status == "running":
            eta = elapsed / p.pages_done * (p.pages_total - p.pages_done)
            parts.append(f"ETA {eta:.0f}s")
        parts.append(job.status)
        return "  ".join(parts)


def apply_event(job: JobView, event: Event) -> JobView:
    """The job as ``event`` leaves it, as far as a progress line needs to know."""
    data, progress = event.data, job.progress
    status = _STATUS_OF.get(event.type, job.status)
    pages_done = _int(data.get("pages_done"), progress.pages_done)
    pages_total = _int(data.get("pages_total"), progress.pages_total or 0) or None
    items_done = progress.items_done + _int(data.get("items"), 0)
    result_count = _int(data.get("result_count"), job.result_count)
    percent = percent_done(status, pages_done, pages_total)
    progress = msgspec.structs.replace(
        progress,
        pages_done=pages_done,
        pages_total=pages_total,
        items_done=items_done,
        percent=progress.percent if percent is None else percent,
    )
    return msgspec.structs.replace(job, status=status, progress=progress, result_count=result_count)


def _int(value: object, default: int) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else default

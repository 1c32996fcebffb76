"""Thread scheduling for processes that run one busy event loop beside I/O threads."""

from __future__ import annotations

import sys

__all__ = ["favour_io_threads"]

# Python's default is 5 ms.
SWITCH_INTERVAL_S = 0.0005


def favour_io_threads() -> None:
    """Hand the GIL over sooner when another thread waits for it.

    API and worker processes run a busy event loop beside threads that only do
    short bursts of broker I/O (the outbox relay's publisher, Dramatiq's consumers).
    With the default 5 ms switch interval every such burst can wait 5 ms for the
    loop to let go of the GIL, which measured as most of a page's latency under
    load; 0.5 ms bounds that wait.
    """
    sys.setswitchinterval(SWITCH_INTERVAL_S)

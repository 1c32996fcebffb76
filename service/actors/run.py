"""Starting Dramatiq's worker processes for ``leadjobs worker``."""

from __future__ import annotations

from dramatiq import cli as dramatiq_cli

__all__ = ["run_workers"]

# Long enough for in-flight pages to finish; unfinished ones are redelivered anyway.
SHUTDOWN_TIMEOUT_MS = 30_000


def run_workers(*, processes: int, threads: int, serve_metrics: bool) -> int:
    """Run until signalled; every process imports ``service.actors.worker``."""
    argv = [
        "service.actors.worker",
        "--processes",
        str(processes),
        "--threads",
        str(threads),
        "--worker-shutdown-timeout",
        str(SHUTDOWN_TIMEOUT_MS),
        # Logging is ours (service.logs), in every process.
        "--skip-logging",
    ]
    if serve_metrics:
        argv += ["--fork-function", "service.actors.metrics_server:serve_metrics"]
    parser = dramatiq_cli.make_argument_parser()  # type: ignore[no-untyped-call]
    code: int = dramatiq_cli.main(parser.parse_args(argv))  # type: ignore[no-untyped-call]
    return code

"""Real service processes for tests: `leadjobs api` and `leadjobs worker`, run as a user would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

LEADJOBS = str(Path(sys.executable).with_name("leadjobs"))


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port nothing listens on now, and never one this run handed out before: the
    kernel may offer a just-released port again, and a stack's API and worker metrics
    ports are picked before either process binds them."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def run_cli(
    *args: str, env: Mapping[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [LEADJOBS, *args], env=dict(env), capture_output=True, text=True, timeout=120, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"leadjobs {' '.join(args)} failed: {result.stderr}")
    return result


@dataclass
class Service:
    """One `leadjobs` process in its own process group, so a kill takes its children too."""

    name: str
    args: tuple[str, ...]
    env: Mapping[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None)
    log_offset: int = 0

    def start(self) -> None:
        self.log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [LEADJOBS, *self.args],
            env=dict(self.env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown hooks, no acks, as in a crash."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 30) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # Signal only the master: the worker master forwards it to its children.
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_since_start(self) -> str:
        if not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as log:
            log.seek(self.log_offset)
            return log.read().decode(errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_since_start().splitlines()[-lines:])


def wait_until_ready(base_url: str, api: Service, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert api.process is not None
        if api.process.poll() is not None:
            raise AssertionError(f"api exited early:\n{api.log_tail()}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling interval while waiting for the server to listen
    raise AssertionError(f"api not ready after {timeout}s:\n{api.log_tail()}")


def wait_for_worker(worker: Service, timeout: float = 30) -> None:
    """Dramatiq logs this line once a worker process consumes its queues."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert worker.process is not None
        if worker.process.poll() is not None:
            raise AssertionError(f"worker exited early:\n{worker.log_tail()}")
        if "ready for action" in worker.log_since_start():
            return
        time.sleep(0.1)
    raise AssertionError(f"worker not ready after {timeout}s:\n{worker.log_tail()}")

"""Ingest benchmark: 20 concurrent simulated scrape jobs of 20 pages (10,000 leads, no
provider latency) through the real API and one real worker process, against a raw
asyncpg executemany INSERT … ON CONFLICT DO NOTHING of the same 10,000 rows.

    .venv/bin/python bench/ingest.py [--jobs 20] [--pages 20] [--threads 8]

Needs PostgreSQL and RabbitMQ on localhost, like the tests. Makes and drops its own
database and queues. The last line is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pika
from baseline import COLUMNS, executemany_rows_per_s
from scratch import BROKER_URL, drop_database, scratch_run

LEADJOBS = str(Path(sys.executable).with_name("leadjobs"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [LEADJOBS, *args], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


async def _wait_ready(base_url: str, worker_log: Path) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=base_url) as http:
        while time.monotonic() < deadline:
            try:
                ready = (await http.get("/readyz")).status_code == 200
            except httpx.TransportError:
                ready = False
            if ready and "ready for action" in worker_log.read_text(errors="replace"):
                return
            await asyncio.sleep(0.1)
    raise SystemExit("the API or the worker did not start; see the logs")


async def _run_jobs(base_url: str, key: str, jobs: int, pages: int) -> float:
    """Submit every job at once; seconds from the first submit to the last job's finish.

    The finish is the server's own ``finished_at``, so how often this client polls
    changes nothing but the load it adds: it polls one job at a time, slowly.
    """
    per_job = pages * 25
    async with httpx.AsyncClient(base_url=base_url, headers={"X-API-Key": key}, timeout=60) as http:
        bodies = [
            {
                "search": {"keywords": f"bench search {i}"},
                "max_pages": pages,
                "max_results": per_job,
                "simulate": {"total_results": per_job},
            }
            for i in range(jobs)
        ]
        started = datetime.now(UTC)
        responses = await asyncio.gather(*(http.post("/v1/jobs/scrape", json=b) for b in bodies))
        failed = [r.text for r in responses if r.status_code != 202]
        if failed:
            raise SystemExit(f"submits failed: {failed}")
        finished = [await _finished(http, r.json()["id"]) for r in responses]
        return (max(finished) - started).total_seconds()


async def _finished(http: httpx.AsyncClient, job_id: str) -> datetime:
    while True:
        job = (await http.get(f"/v1/jobs/{job_id}")).json()
        if job["status"] == "succeeded":
            return datetime.fromisoformat(job["finished_at"])
        if job["status"] in ("failed", "cancelled"):
            raise SystemExit(f"job {job_id} ended {job['status']}: {job['error']}")
        await asyncio.sleep(0.1)


async def _baseline(database_url: str, expected: int) -> tuple[float, int]:
    """The same rows, inserted by the shared executemany baseline (``baseline.py``)."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(f"SELECT api_key_id, {', '.join(COLUMNS)} FROM leads")
        assert len(rows) == expected, f"expected {expected} leads, found {len(rows)}"
        return await executemany_rows_per_s(conn, [tuple(r) for r in rows])
    finally:
        await conn.close()


def _delete_queues(prefix: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    channel = connection.channel()
    for queue in ("scrape", "enrich", "control", "webhooks"):
        for suffix in ("", ".DQ", ".XQ"):
            channel.queue_delete(queue=f"{prefix}.{queue}{suffix}")
    connection.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    scratch = scratch_run("bench", LEADJOBS_LOG_FORMAT="console")
    env = scratch.env
    logs = Path(tempfile.mkdtemp(prefix="leadjobs-bench-"))
    subprocess.run([LEADJOBS, "migrate"], env=env, check=True, capture_output=True)
    key = json.loads(
        subprocess.run(
            [LEADJOBS, "keys", "create", "--name", "bench", "--rate", "100000/min",
             "--burst", "100000", "--max-running", "1000", "--json"],
            env=env, check=True, capture_output=True, text=True,
        ).stdout
    )["key"]  # fmt: skip
    port = _free_port()
    api = _start(["api", "--port", str(port)], env, logs / "api.log")
    worker = _start(
        ["worker", "--processes", "1", "--threads", str(args.threads)], env, logs / "worker.log"
    )
    try:
        await _wait_ready(f"http://127.0.0.1:{port}", logs / "worker.log")
        leads = args.jobs * args.pages * 25
        elapsed = await _run_jobs(f"http://127.0.0.1:{port}", key, args.jobs, args.pages)
        baseline_s, inserted = await _baseline(env["DATABASE_URL"], leads)
    finally:
        _stop(worker)
        _stop(api)
        _delete_queues(env["LEADJOBS_QUEUE_PREFIX"])
        await drop_database(scratch.database)

    result: dict[str, Any] = {
        "jobs": args.jobs,
        "pages_per_job": args.pages,
        "leads": leads,
        "seconds": round(elapsed, 3),
        "leads_per_s": round(leads / elapsed),
        "baseline_rows": inserted,
        "baseline_seconds": round(baseline_s, 3),
        "baseline_rows_per_s": round(inserted / baseline_s),
    }
    result["ratio"] = round(result["leads_per_s"] / result["baseline_rows_per_s"], 3)
    print(
        f"leadjobs: {leads} leads from {args.jobs} jobs x {args.pages} pages in {elapsed:.2f} s "
        f"= {result['leads_per_s']} leads/s (API + 1 worker process x {args.threads} threads)"
    )
    print(
        f"baseline: asyncpg executemany of the same {inserted} rows in {baseline_s:.2f} s "
        f"= {result['baseline_rows_per_s']} rows/s"
    )
    print(f"ratio:    {result['ratio']}")
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())

"""Worker ceiling: what one Dramatiq worker process moves when a page costs nothing.

    .venv/bin/python bench/worker_ceiling.py [--chains 20] [--pages 20] [--threads 8]

The ingest benchmark's target is a ratio to a raw executemany; this measures how
much of that any design on our stack (Dramatiq over RabbitMQ with confirms, async
actors, asyncpg, one worker process) can reach. It runs one worker process built
like ``leadjobs worker`` (same broker, middleware and thread settings) whose actor
does the least a page can: one autocommit UPDATE on a raw asyncpg pool, then it
publishes the chain's next message from the worker thread. ``--chains`` chains of
``--pages`` messages run at once, like the ingest benchmark's jobs. It prints the
messages per second, what that would be in leads at 25 a page, and the same
executemany baseline as ``ingest.py``, measured in the same run. The last line is JSON.

Needs PostgreSQL and RabbitMQ on localhost. Makes and drops its own database and queues.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import dramatiq
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import Middleware

from service.actors.broker import build_broker, queue_name
from service.settings import Settings

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LEADS_PER_PAGE = 25
QUEUE = "ceiling"


# ---- the worker side: imported by `dramatiq worker_ceiling` in the worker process ----

_pool: asyncpg.Pool | None = None


class _OpenPool(Middleware):
    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        global _pool  # noqa: PLW0603
        loop = get_event_loop_thread()
        assert loop is not None
        _pool = loop.run_coroutine(_open_pool())


async def _open_pool() -> asyncpg.Pool:
    # Made on the worker's event loop, which the pool is bound to.
    return await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=2, max_size=16)


async def _step(chain: int) -> None:
    assert _pool is not None
    async with _pool.acquire() as conn:
        await conn.execute("UPDATE chains SET pages = pages + 1 WHERE id = $1", chain)


def page(chain: int, number: int, pages: int) -> None:
    loop = get_event_loop_thread()
    assert loop is not None
    loop.run_coroutine(_step(chain))
    if number < pages:
        _page.send(chain, number + 1, pages)


def _declare(settings: Settings, broker: dramatiq.Broker) -> dramatiq.Actor[..., None]:
    return dramatiq.Actor(
        page,
        broker=broker,
        actor_name="ceiling.page",
        queue_name=queue_name(settings, QUEUE),
        priority=0,
        options={},
    )


if __name__ == "worker_ceiling":
    from service.threads import favour_io_threads

    favour_io_threads()
    _settings = Settings.from_env(os.environ)
    broker = build_broker(_settings, extra=[_OpenPool()])
    _page = _declare(_settings, broker)
    dramatiq.set_broker(broker)


# ---- the driver ----


async def _until(conn: asyncpg.Connection, sql: str, want: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while int(await conn.fetchval(sql)) < want:
        if time.monotonic() > deadline:
            raise SystemExit("the worker did not finish in time; is it running?")
        await asyncio.sleep(0.005)


async def _lead_rows(count: int) -> list[tuple[object, ...]]:
    """Rows shaped like the ingest benchmark's: simulated leads with their dedup keys."""
    from service.jobs.lead_keys import lead_key
    from service.jobs.params import ScrapeSimulation, SearchSpec
    from service.providers.base import SearchRequest
    from service.providers.simulator import SimulatorProvider

    provider, key_id, rows = SimulatorProvider(), uuid.uuid4(), []
    simulate = ScrapeSimulation(total_results=count)
    for number in range(1, count // LEADS_PER_PAGE + 1):
        request = SearchRequest(
            search=SearchSpec(keywords="ceiling"), page=number, page_size=LEADS_PER_PAGE,
            attempt=1, run=1, simulate=simulate,
        )  # fmt: skip
        for lead in (await provider.search(request)).leads:
            key = lead_key(profile_url=lead.profile_url, provider_id=lead.provider_id)
            rows.append(
                (key_id, key, lead.provider_id, lead.profile_url, lead.full_name, lead.first_name,
                 lead.last_name, lead.title, lead.company, lead.company_domain, lead.location,
                 lead.industry, lead.company_size)
            )  # fmt: skip
    return rows


async def main() -> None:
    from baseline import executemany_rows_per_s
    from scratch import drop_database, scratch_run

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chains", type=int, default=20)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()

    scratch = scratch_run("ceiling", PYTHONPATH=os.pathsep.join([str(HERE), str(ROOT)]))
    env = scratch.env
    os.environ.update(env)
    leadjobs = str(Path(sys.executable).with_name("leadjobs"))
    subprocess.run([leadjobs, "migrate"], env=env, check=True, capture_output=True)
    settings = Settings.from_env(env)
    sender = build_broker(settings)
    actor = _declare(settings, sender)
    worker = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "worker_ceiling", "--processes", "1",
         "--threads", str(args.threads), "--skip-logging"],
        env=env, cwd=HERE, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    conn = await asyncpg.connect(env["DATABASE_URL"])
    try:
        await conn.execute("CREATE TABLE chains (id int PRIMARY KEY, pages int NOT NULL)")
        # Warm up: the worker is consuming once a one-message chain is done.
        await conn.execute("INSERT INTO chains VALUES (0, 0)")
        actor.send(0, 1, 1)
        await _until(conn, "SELECT pages FROM chains WHERE id = 0", 1, timeout_s=60)

        chains = range(1, args.chains + 1)
        await conn.executemany("INSERT INTO chains VALUES ($1, 0)", [(c,) for c in chains])
        started = time.perf_counter()
        for chain in chains:
            actor.send(chain, 1, args.pages)
        done = f"SELECT count(*) FROM chains WHERE id > 0 AND pages = {args.pages}"
        await _until(conn, done, args.chains, timeout_s=300)
        elapsed = time.perf_counter() - started

        messages = args.chains * args.pages
        rows = await _lead_rows(messages * LEADS_PER_PAGE)
        baseline_s, inserted = await executemany_rows_per_s(conn, rows)
    finally:
        await conn.close()
        # Only the master: a worker process signalled twice with AsyncIO on can hang.
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        for suffix in ("", ".DQ", ".XQ"):
            sender.channel.queue_delete(queue_name(settings, QUEUE) + suffix)
        sender.close()
        await drop_database(scratch.database)

    result: dict[str, Any] = {
        "chains": args.chains,
        "pages_per_chain": args.pages,
        "messages": messages,
        "seconds": round(elapsed, 3),
        "messages_per_s": round(messages / elapsed),
        "leads_per_s_at_25_a_page": round(messages * LEADS_PER_PAGE / elapsed),
        "baseline_rows_per_s": round(inserted / baseline_s),
    }
    result["ceiling_ratio"] = round(
        result["leads_per_s_at_25_a_page"] / result["baseline_rows_per_s"], 3
    )
    print(
        f"worker:   {messages} messages ({args.chains} chains x {args.pages}) in {elapsed:.2f} s "
        f"= {result['messages_per_s']} messages/s "
        f"(1 worker process x {args.threads} threads, one UPDATE each)"
    )
    print(
        f"          at 25 leads a page that is {result['leads_per_s_at_25_a_page']} leads/s "
        "if storing the leads cost nothing"
    )
    print(f"baseline: asyncpg executemany = {result['baseline_rows_per_s']} rows/s")
    print(f"ceiling ratio: {result['ceiling_ratio']}")
    print(json.dumps(result))


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    asyncio.run(main())

"""Fixtures: a fresh database and queue prefix per test run, real API and worker processes.

Every run creates its own database (``leadjobs migrate``, as a user would) and
uses its own RabbitMQ queue prefix, and drops both at the end, so runs never see
each other's data. Tests isolate from each other by using their own API keys.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pika
import pytest

from service.actors.broker import QUEUES
from service.keys import KeyLimits, NewKey, create_key
from service.repo import Database
from tests.support.processes import Service, free_port, run_cli, wait_for_worker, wait_until_ready

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BROKER_URL = os.environ.get("BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


@dataclass(frozen=True)
class Stack:
    """A running API and worker on their own queue prefix."""

    base_url: str
    env: Mapping[str, str]
    api: Service
    worker: Service

    @property
    def worker_metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.env['LEADJOBS_WORKER_METRICS_PORT']}/metrics"


_STARTED: list[Stack] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed test shows what the service processes logged, which is where the cause is."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.failed:
        for stack in _STARTED:
            for service in (stack.api, stack.worker):
                report.sections.append(
                    (f"{service.name} log ({service.log_path})", service.log_tail(60))
                )


@pytest.fixture(scope="session")
def run_id() -> str:
    return secrets.token_hex(4)


@pytest.fixture(scope="session")
def database_url(run_id: str) -> Iterator[str]:
    url = f"postgresql://postgres@127.0.0.1:5432/leadjobs_test_{run_id}"
    run_cli("migrate", env=_env(DATABASE_URL=url))
    yield url
    asyncio.run(_admin_sql(f"DROP DATABASE IF EXISTS leadjobs_test_{run_id} WITH (FORCE)"))


async def _admin_sql(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADJOBS_")}
    env.update(
        BROKER_URL=BROKER_URL,
        # Tests retry transient provider errors quickly; the policy is the same.
        LEADJOBS_RETRY_BACKOFF_MS="50",
        LEADJOBS_RETRY_BACKOFF_MAX_MS="400",
        LEADJOBS_LOG_FORMAT="json",
    )
    env.update(overrides)
    return env


class StackFactory:
    """Starts an API and a worker on a queue prefix of their own; stops them on request
    or at the end of the session, and fails the run if either logged an error."""

    def __init__(self, database_url: str, run_id: str, tmp: pytest.TempPathFactory) -> None:
        self._database_url = database_url
        self._run_id = run_id
        self._tmp = tmp
        self._running: list[Stack] = []
        self.unexpected: list[str] = []

    def __call__(self, name: str = "main", threads: int = 4, **env_overrides: str) -> Stack:
        prefix = f"ljtest_{self._run_id}_{name}"
        env = _env(
            DATABASE_URL=self._database_url,
            LEADJOBS_QUEUE_PREFIX=prefix,
            # Many stacks share one PostgreSQL in a test run: keep each one's pool small.
            LEADJOBS_DB_POOL_SIZE="4",
            **{"LEADJOBS_WORKER_METRICS_PORT": str(free_port()), **env_overrides},
        )
        logs = self._tmp.mktemp(f"logs-{name}")
        worker = Service(
            "worker",
            ("worker", "--processes", "1", "--threads", str(threads)),
            env,
            logs / "worker.log",
        )
        worker.start()
        api, base_url = _start_api(env, logs)
        stack = Stack(base_url=base_url, env=env, api=api, worker=worker)
        self._running.append(stack)
        _STARTED.append(stack)
        wait_for_worker(worker)
        return stack

    def stop(self, stack: Stack) -> None:
        if stack not in self._running:
            return
        self._running.remove(stack)
        stack.worker.stop()
        stack.api.stop()
        _delete_queues(stack.env["LEADJOBS_QUEUE_PREFIX"])
        for service in (stack.api, stack.worker):
            log = service.log_path.read_text(errors="replace")
            # Retried internal errors still end well; they must fail the run all the same.
            if "unhandled exception" in log or "Traceback" in log or '"level":"error"' in log:
                self.unexpected.append(f"{service.log_path}:\n{service.log_tail(80)}")

    def stop_all(self) -> None:
        for stack in list(self._running):
            self.stop(stack)


@pytest.fixture(scope="session")
def stack_factory(
    database_url: str, run_id: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StackFactory]:
    factory = StackFactory(database_url, run_id, tmp_path_factory)
    yield factory
    factory.stop_all()
    assert not factory.unexpected, "service processes logged unexpected errors:\n" + "\n".join(
        factory.unexpected
    )


def _start_api(env: Mapping[str, str], logs: Path, attempts: int = 3) -> tuple[Service, str]:
    """An API on a free port. A port free when picked can be taken before the API binds
    it (by a client's outgoing connection, say): then it starts again on another one,
    and the refused attempt's log is kept aside, out of the end-of-run error scan."""
    for attempt in range(1, attempts + 1):
        port = free_port()
        api = Service("api", ("api", "--port", str(port)), env, logs / "api.log")
        api.start()
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_until_ready(base_url, api)
        except AssertionError:
            if attempt == attempts or "address already in use" not in api.log_since_start():
                raise
            api.stop()
            api.log_path.rename(logs / f"api-port-taken-{attempt}.log")
            continue
        return api, base_url
    raise AssertionError("unreachable")


def _delete_queues(prefix: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        channel = connection.channel()
        for queue in QUEUES:
            for suffix in ("", ".DQ", ".XQ"):
                channel.queue_delete(queue=f"{prefix}.{queue}{suffix}")
    finally:
        connection.close()


@pytest.fixture
def own_stack(stack_factory: StackFactory) -> Iterator[Callable[..., Stack]]:
    """Stacks for one test, stopped when it ends."""
    made: list[Stack] = []

    def make(name: str, **env_overrides: str) -> Stack:
        made.append(stack_factory(name, **env_overrides))
        return made[-1]

    yield make
    for stack in made:
        stack_factory.stop(stack)


@pytest.fixture(scope="session")
def stack(stack_factory: StackFactory) -> Stack:
    return stack_factory("main")


@pytest.fixture(scope="session")
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, pool_size=4, application_name="leadjobs-tests")
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
async def pg(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """Raw SQL for assertions on rows, independent of the code under test."""
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    yield pool
    await pool.close()


NewKeyFactory = Callable[..., Awaitable[NewKey]]

# Functional tests must not trip over per-key limits; the limit tests set their own.
ROOMY = {"rate_per_minute": 600_000, "burst": 5_000, "max_running": 100}


@pytest.fixture
def new_key(db: Database) -> NewKeyFactory:
    async def make(name: str = "test", **limits: int) -> NewKey:
        return await create_key(db, name, KeyLimits(**(ROOMY | limits)))

    return make


@pytest.fixture
async def key(new_key: NewKeyFactory) -> NewKey:
    return await new_key()


@pytest.fixture
async def client(stack: Stack, key: NewKey) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=stack.base_url, headers={"X-API-Key": key.key}, timeout=30
    ) as http:
        yield http

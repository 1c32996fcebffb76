"""A scratch run for benchmarks that start leadjobs processes: a database and a queue
prefix of its own, which the benchmark makes and drops."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

import asyncpg

__all__ = ["BROKER_URL", "ScratchRun", "drop_database", "scratch_run"]

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BROKER_URL = os.environ.get("BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


@dataclass(frozen=True)
class ScratchRun:
    database: str
    # The environment for the run's processes (and for Settings.from_env).
    env: dict[str, str]


def scratch_run(name: str, **extra_env: str) -> ScratchRun:
    run = secrets.token_hex(4)
    database = f"leadjobs_{name}_{run}"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{database}",
        "BROKER_URL": BROKER_URL,
        "LEADJOBS_QUEUE_PREFIX": f"lj{name}_{run}",
        **extra_env,
    }
    return ScratchRun(database=database, env=env)


async def drop_database(database: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        await conn.close()

"""The schema comes from Alembic: it upgrades from nothing, downgrades to nothing, and
matches the models (`alembic check`)."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
from pathlib import Path

import asyncpg

from tests.conftest import PG_ADMIN
from tests.support.processes import run_cli

ROOT = Path(__file__).resolve().parents[2]
ALEMBIC = str(Path(sys.executable).with_name("alembic"))


def _alembic(*args: str, url: str) -> str:
    result = subprocess.run(
        [ALEMBIC, *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


async def _tables(url: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {r["tablename"] for r in rows}
    finally:
        await conn.close()


async def test_migrate_creates_the_database_and_downgrade_removes_everything() -> None:
    name = f"leadjobs_migrations_{secrets.token_hex(4)}"
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        first = run_cli("migrate", env={**os.environ, "DATABASE_URL": url})
        assert "created the database" in first.stdout
        again = run_cli("migrate", env={**os.environ, "DATABASE_URL": url})
        assert "created" not in again.stdout
        assert {"jobs", "leads", "job_leads", "job_pages", "job_events", "outbox"} <= await _tables(
            url
        )

        assert "No new upgrade operations detected" in _alembic("check", url=url)

        await asyncio.to_thread(_alembic, "downgrade", "base", url=url)
        assert await _tables(url) == {"alembic_version"}
        await asyncio.to_thread(_alembic, "upgrade", "head", url=url)
        assert "jobs" in await _tables(url)
    finally:
        admin = await asyncpg.connect(PG_ADMIN)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

"""Creating and migrating the database: what ``leadjobs migrate`` does."""

from __future__ import annotations

from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

__all__ = ["ensure_database", "upgrade"]

ROOT = Path(__file__).resolve().parents[2]


async def ensure_database(database_url: str) -> bool:
    """Create the database named in the URL if it does not exist; True if it was created."""
    url = make_url(database_url)
    name = url.database
    if not name:
        raise ValueError("DATABASE_URL names no database")
    admin = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database="postgres",
    )
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        quoted = '"' + name.replace('"', '""') + '"'
        await admin.execute(f"CREATE DATABASE {quoted}")
        return True
    finally:
        await admin.close()


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str) -> None:
    """Upgrade to the newest schema. Blocking: Alembic runs its own event loop."""
    command.upgrade(alembic_config(database_url), "head")

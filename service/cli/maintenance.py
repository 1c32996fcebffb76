"""``leadjobs cleanup``: apply retention now."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import msgspec

from service.cli.common import CliError, load_settings
from service.jobs.maintenance import RetentionBusy, apply_retention
from service.repo import Database
from service.repo.retention import Removed

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[Any]) -> None:
    cleanup = commands.add_parser(
        "cleanup",
        help="delete finished jobs older than LEADJOBS_RETENTION_DAYS, and orphaned leads",
    )
    cleanup.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    cleanup.add_argument("--json", action="store_true", help="print one JSON object")
    cleanup.set_defaults(run=_cleanup)


def _cleanup(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def run() -> Removed:
        db = Database(settings.database_url, pool_size=2, application_name="leadjobs-cli")
        try:
            return await apply_retention(db, days=settings.retention_days, dry_run=args.dry_run)
        except RetentionBusy as exc:
            raise CliError(str(exc)) from None
        except OSError as exc:
            raise CliError(f"cannot reach the database in DATABASE_URL: {exc}") from None
        finally:
            await db.dispose()

    removed = asyncio.run(run())
    if args.json:
        print(msgspec.json.encode(removed).decode())
        return 0
    verb = "would remove" if args.dry_run else "removed"
    print(
        f"{verb} {removed.jobs} jobs finished over {settings.retention_days} days ago, with "
        f"{removed.pages} pages, {removed.events} events and {removed.links} result links; "
        f"{removed.leads} leads no other job links to; {removed.idempotency_keys} idempotency keys"
    )
    return 0

"""``leadjobs keys``: create, list, update and revoke API keys."""

from __future__ import annotations

import argparse
import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec

from service.cli.common import CliError, load_settings
from service.errors import ServiceError
from service.jobs.records import ApiKey
from service.keys import KeyLimits, create_key, new_webhook_secret
from service.repo import Database, api_keys

__all__ = ["register"]

_T = TypeVar("_T")
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(s|sec|second|m|min|minute)\s*$")


def register(commands: argparse._SubParsersAction[Any]) -> None:
    keys = commands.add_parser("keys", help="manage API keys")
    actions = keys.add_subparsers(dest="action", required=True, metavar="ACTION")

    create = actions.add_parser("create", help="create a key; it is printed once")
    create.add_argument("--name", required=True)
    _limit_options(create, defaults=KeyLimits())
    create.add_argument("--json", action="store_true", help="print one JSON object")
    create.set_defaults(run=_create)

    listing = actions.add_parser("list", help="list keys (never the keys themselves)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_list)

    update = actions.add_parser("update", help="change a key's limits")
    update.add_argument("id", type=_key_id)
    _limit_options(update, defaults=None)
    update.add_argument(
        "--rotate-webhook-secret",
        action="store_true",
        help="make a new webhook secret and print it once; webhooks are signed with it from now",
    )
    update.add_argument("--json", action="store_true")
    update.set_defaults(run=_update)

    revoke = actions.add_parser("revoke", help="revoke a key at once, in every API process")
    revoke.add_argument("id", type=_key_id)
    revoke.set_defaults(run=_revoke)


def _limit_options(parser: argparse.ArgumentParser, defaults: KeyLimits | None) -> None:
    parser.add_argument(
        "--rate",
        type=_rate,
        default=None if defaults is None else defaults.rate_per_minute,
        help="submissions per minute, as N/min or N/s (default 60/min)",
    )
    parser.add_argument(
        "--burst", type=_positive, default=None if defaults is None else defaults.burst
    )
    parser.add_argument(
        "--max-running",
        type=_positive,
        default=None if defaults is None else defaults.max_running,
        help="jobs of this key running at once; the rest wait queued (default 5)",
    )


def _rate(value: str) -> int:
    match = _RATE.match(value)
    if match is None:
        raise argparse.ArgumentTypeError(f"rate must look like 60/min or 2/s, not {value!r}")
    count, unit = int(match.group(1)), match.group(2)
    per_minute = count * 60 if unit.startswith("s") else count
    if per_minute < 1:
        raise argparse.ArgumentTypeError("rate must be at least 1/min")
    return per_minute


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {value!r}")
    return int(value)


def _key_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a key id: {value!r}") from None


def _with_db(action: Callable[[Database], Awaitable[_T]]) -> _T:
    settings = load_settings()

    async def run() -> _T:
        db = Database(settings.database_url, pool_size=1, application_name="leadjobs-cli")
        try:
            return await action(db)
        except ServiceError as exc:
            raise CliError(exc.detail) from None
        except OSError as exc:
            raise CliError(f"cannot reach the database in DATABASE_URL: {exc}") from None
        finally:
            await db.dispose()

    return asyncio.run(run())


def _create(args: argparse.Namespace) -> int:
    limits = KeyLimits(rate_per_minute=args.rate, burst=args.burst, max_running=args.max_running)
    new = _with_db(lambda db: create_key(db, args.name, limits))
    if args.json:
        print(msgspec.json.encode(new).decode())
        return 0
    print(f"id:             {new.id}")
    print(f"name:           {new.name}")
    print(f"key:            {new.key}")
    print(f"webhook secret: {new.webhook_secret}")
    print(
        f"limits:         {new.rate_per_minute}/min, burst {new.burst}, {new.max_running} running"
    )
    print("Store the key now: it is not shown again.")
    return 0


def _print_keys(keys: list[ApiKey], as_json: bool) -> None:
    if as_json:
        print(msgspec.json.encode(keys).decode())
        return
    print(f"{'id':36}  {'name':20}  {'prefix':10}  {'limits':24}  status")
    for key in keys:
        limits = f"{key.rate_per_minute}/min b{key.burst} r{key.max_running}"
        status = "revoked" if key.revoked_at else "active"
        print(f"{key.id!s:36}  {key.name[:20]:20}  {key.key_prefix:10}  {limits:24}  {status}")


def _list(args: argparse.Namespace) -> int:
    async def fetch(db: Database) -> list[ApiKey]:
        async with db.connect() as conn:
            return await api_keys.list_all(conn)

    _print_keys(_with_db(fetch), args.json)
    return 0


def _update(args: argparse.Namespace) -> int:
    secret = new_webhook_secret() if args.rotate_webhook_secret else None

    async def change(db: Database) -> ApiKey | None:
        async with db.transaction() as tx:
            if (
                secret is not None
                and await api_keys.rotate_webhook_secret(tx, args.id, secret) is None
            ):
                return None
            return await api_keys.set_limits(
                tx,
                args.id,
                rate_per_minute=args.rate,
                burst=args.burst,
                max_running=args.max_running,
            )

    key = _with_db(change)
    if key is None:
        raise CliError(f"no key {args.id}")
    _print_keys([key], args.json)
    if secret is not None and not args.json:
        print(f"new webhook secret: {secret}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    async def revoke(db: Database) -> ApiKey | None:
        async with db.transaction() as tx:
            return await api_keys.revoke(tx, args.id)

    key = _with_db(revoke)
    if key is None:
        raise CliError(f"no key {args.id}")
    print(f"revoked {key.id} ({key.name})")
    return 0

"""API keys: made here, shown once, stored as SHA-256 only, checked in constant time.

Keys are 32 random bytes, so a plain SHA-256 is as strong as a slow hash would
be and lets every request find its key with one indexed lookup.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid

import msgspec

from service.errors import InvalidInput, Unauthorized
from service.jobs.records import ApiKey
from service.repo import Database, api_keys

__all__ = [
    "KeyLimits",
    "NewKey",
    "authenticate",
    "create_key",
    "hash_key",
    "new_webhook_secret",
]

KEY_PREFIX = "lj_"


class KeyLimits(msgspec.Struct, frozen=True, kw_only=True):
    rate_per_minute: int = 60
    burst: int = 20
    max_running: int = 5


class NewKey(msgspec.Struct, frozen=True, kw_only=True):
    """What ``keys create`` prints once: the only time the key and secret are shown together."""

    id: uuid.UUID
    name: str
    key: str
    webhook_secret: str
    rate_per_minute: int
    burst: int
    max_running: int


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and base64 of random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create_key(db: Database, name: str, limits: KeyLimits) -> NewKey:
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput.field("name", "must be 1-100 characters")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    secret = new_webhook_secret()
    async with db.transaction() as tx:
        record = await api_keys.insert(
            tx,
            key_id=uuid.uuid4(),
            name=name,
            key_hash=hash_key(key),
            key_prefix=key[:10],
            webhook_secret=secret,
            rate_per_minute=limits.rate_per_minute,
            burst=limits.burst,
            max_running=limits.max_running,
        )
    return NewKey(
        id=record.id,
        name=record.name,
        key=key,
        webhook_secret=secret,
        rate_per_minute=record.rate_per_minute,
        burst=record.burst,
        max_running=record.max_running,
    )


async def authenticate(db: Database, presented: str | None) -> ApiKey:
    """The active key matching ``presented``; Unauthorized for a missing, unknown or revoked key."""
    if not presented:
        raise Unauthorized("send your API key in the X-API-Key header")
    digest = hash_key(presented)
    async with db.connect() as conn:
        found = await api_keys.by_hash(conn, digest)
    if found is None or not hmac.compare_digest(found[1], digest):
        raise Unauthorized("unknown or revoked API key")
    return found[0]

"""Telling a job's ``webhook_url`` that the job ended, signed the Standard Webhooks way.

    POST {webhook_url}
    webhook-id: msg_<job id>_<run>          the same for every attempt at one ending
    webhook-timestamp: <unix seconds>
    webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body" with the key's secret>
    {"type": "job.succeeded", "timestamp": "...", "data": {the job}}

A 2xx answer is delivery; anything else is retried with backoff, every attempt
recorded as a ``webhook.attempted`` event. Targets that are, or resolve to, private,
loopback or link-local addresses are refused unless configuration allows them,
both when the job is submitted and again at every delivery (DNS can change).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import logging
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import httpx
import msgspec

from service import metrics
from service.jobs.messages import WEBHOOK_DELIVER
from service.jobs.records import TERMINAL, Job, JobStatus
from service.jobs.retry import RetryPolicy
from service.jobs.views import JobView, job_view
from service.logs import bound, emit
from service.repo import Database, api_keys, events, jobs, outbox
from service.repo.outbox import OutboxMessage

__all__ = ["WebhookSender", "WebhookTargets", "sign", "webhook_retry"]

MAX_DELAY_MS = 10 * 60 * 1000

log = logging.getLogger(__name__)


class _Payload(msgspec.Struct, frozen=True):
    type: str
    timestamp: datetime
    data: JobView


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for ``body``, per the Standard Webhooks spec."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


@dataclass(frozen=True, slots=True)
class WebhookTargets:
    """Which webhook URLs may receive requests from the service."""

    allow_private: bool

    async def problem(self, url: str, *, unresolved_ok: bool = False) -> str | None:
        """Why the service must not call ``url``, or None if it may.

        ``unresolved_ok`` lets a host that does not resolve now pass (at submit: DNS may
        be down, or the name not published yet); every delivery checks again.
        """
        try:
            parts = urlsplit(url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:  # an unclosed IPv6 bracket, a port out of range
            return "must be a valid http or https URL"
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return "must be an http or https URL with a host"
        if self.allow_private:
            return None
        try:
            found = await asyncio.get_running_loop().getaddrinfo(
                parts.hostname, port, type=socket.SOCK_STREAM
            )
        except (OSError, ValueError):
            return None if unresolved_ok else f"host {parts.hostname} does not resolve"
        for *_, address in found:
            if _private(str(address[0])):
                return "resolves to a private, loopback or link-local address"
        return None


def webhook_retry(max_attempts: int, backoff_ms: int) -> RetryPolicy:
    """Attempts after the first wait ``backoff_ms``, doubling, with jitter, up to 10 min."""
    return RetryPolicy(max_retries=max_attempts - 1, base_ms=backoff_ms, cap_ms=MAX_DELAY_MS)


def _delivered(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300


def _outcome(status_code: int | None, error: str | None) -> str:
    if _delivered(status_code):
        return "delivered"
    return "refused" if (error or "").startswith("refused") else "failed"


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


@dataclass(frozen=True, slots=True)
class WebhookSender:
    db: Database
    client: httpx.AsyncClient
    targets: WebhookTargets
    retry: RetryPolicy
    timeout_s: float

    async def deliver(self, job_id: uuid.UUID, attempt: int) -> list[OutboxMessage]:
        """One attempt; returns the next attempt's message when this one failed."""
        with bound(job_id=str(job_id)):
            return await self._deliver(job_id, attempt)

    async def _deliver(self, job_id: uuid.UUID, attempt: int) -> list[OutboxMessage]:
        async with self.db.connect() as conn:
            job = await jobs.get(conn, job_id)
            secret = None if job is None else await api_keys.webhook_secret(conn, job.api_key_id)
        if job is None or secret is None or job.status not in TERMINAL:
            return []
        url = job.params.webhook_url
        if url is None:
            return []
        status_code, error = await self._post(job, url, secret)
        delivered = _delivered(status_code)
        metrics.webhook_attempts.labels(_outcome(status_code, error)).inc()
        level = logging.INFO if delivered else logging.WARNING
        emit(log, level, "webhook.attempted", attempt=attempt, status_code=status_code, error=error)
        async with self.db.transaction() as tx:
            data: events.EventData = {
                "attempt": attempt,
                "status_code": status_code,
                "error": error,
                "delivered": delivered,
            }
            await events.append(tx, job.id, "webhook.attempted", data)
            delay = None if delivered else self.retry.delay_ms(attempt)
            if delay is None:
                return []
            retry = await outbox.add(
                tx, actor=WEBHOOK_DELIVER, job_id=job.id, seq=attempt + 1, delay_ms=delay
            )
        return [retry]

    async def _post(self, job: Job, url: str, secret: str) -> tuple[int | None, str | None]:
        refused = await self.targets.problem(url)
        if refused is not None:
            return None, f"refused: {refused}"
        status: JobStatus = job.status
        body = msgspec.json.encode(
            _Payload(
                type=f"job.{status}",
                timestamp=job.finished_at or job.updated_at,
                data=job_view(job),
            )
        )
        message_id = f"msg_{job.id.hex}_{job.run}"
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, message_id, timestamp, body),
        }
        try:
            response = await self.client.post(
                url, content=body, headers=headers, timeout=self.timeout_s
            )
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:300]
        error = None if _delivered(response.status_code) else f"HTTP {response.status_code}"
        return response.status_code, error

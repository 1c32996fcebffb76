"""Webhooks: signed per Standard Webhooks, retried with backoff, every attempt on record."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import asyncpg
import httpx
import pytest
from standardwebhooks import Webhook

from service.keys import NewKey
from tests.conftest import NewKeyFactory, Stack, StackFactory
from tests.support.jobs import all_events, scrape, wait_for
from tests.support.processes import run_cli
from tests.support.receiver import Receiver


@pytest.fixture(scope="module")
def hooks_stack(stack_factory: StackFactory) -> Iterator[Stack]:
    stack = stack_factory(
        "webhooks", LEADJOBS_WEBHOOK_ALLOW_PRIVATE="true", LEADJOBS_WEBHOOK_BACKOFF_MS="100"
    )
    yield stack
    stack_factory.stop(stack)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    yield server
    server.stop()


async def _attempts(http: httpx.AsyncClient, job_id: str, count: int) -> list[dict[str, object]]:
    deadline = time.monotonic() + 30
    while True:
        attempts = [e for e in await all_events(http, job_id) if e["type"] == "webhook.attempted"]
        if len(attempts) >= count or time.monotonic() > deadline:
            return attempts
        await asyncio.sleep(0.05)


async def test_a_failing_receiver_gets_the_event_until_it_answers_2xx(
    hooks_stack: Stack, new_key: NewKeyFactory, receiver: Receiver
) -> None:
    key: NewKey = await new_key("hooks")
    receiver.answer(500, 503)
    async with httpx.AsyncClient(
        base_url=hooks_stack.base_url, headers={"X-API-Key": key.key}
    ) as http:
        job = await scrape(http, webhook_url=receiver.url, simulate={"total_results": 10})
        done = await wait_for(http, job["id"])
        attempts = await _attempts(http, job["id"], 3)

    assert done["status"] == "succeeded"
    assert len(receiver.deliveries) == 3
    verifier = Webhook(key.webhook_secret)
    for delivery in receiver.deliveries:
        payload = verifier.verify(delivery.body, delivery.headers)
        assert payload["type"] == "job.succeeded"
        assert payload["data"]["id"] == job["id"]
        assert payload["data"]["result_count"] == 10
    assert len({d.headers["webhook-id"] for d in receiver.deliveries}) == 1
    assert [
        (a["data"]["attempt"], a["data"]["status_code"], a["data"]["delivered"]) for a in attempts
    ] == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]


async def test_failed_and_cancelled_jobs_are_announced_too(
    hooks_stack: Stack, new_key: NewKeyFactory, receiver: Receiver
) -> None:
    key = await new_key("hooks ending")
    async with httpx.AsyncClient(
        base_url=hooks_stack.base_url, headers={"X-API-Key": key.key}
    ) as http:
        failing = await scrape(
            http, webhook_url=receiver.url, simulate={"permanent_failure_at_page": 1}
        )
        slow = await scrape(http, "slow", webhook_url=receiver.url, simulate={"latency_ms": 300})
        await http.post(f"/v1/jobs/{slow['id']}/cancel")
        await wait_for(http, failing["id"])
        await _attempts(http, failing["id"], 1)
        await _attempts(http, slow["id"], 1)

    types = {
        json.loads(d.body)["data"]["id"]: json.loads(d.body)["type"] for d in receiver.deliveries
    }
    assert types == {failing["id"]: "job.failed", slow["id"]: "job.cancelled"}


async def test_a_rotated_secret_signs_from_then_on(
    hooks_stack: Stack, new_key: NewKeyFactory, receiver: Receiver
) -> None:
    key = await new_key("rotating")
    rotated = run_cli(
        "keys", "update", str(key.id), "--rotate-webhook-secret", env=hooks_stack.env
    ).stdout
    secret = rotated.strip().splitlines()[-1].split(": ", 1)[1]
    assert secret.startswith("whsec_")
    assert secret != key.webhook_secret
    async with httpx.AsyncClient(
        base_url=hooks_stack.base_url, headers={"X-API-Key": key.key}
    ) as http:
        job = await scrape(http, webhook_url=receiver.url, simulate={"total_results": 1})
        await wait_for(http, job["id"])
        await _attempts(http, job["id"], 1)

    (delivery,) = receiver.deliveries
    assert Webhook(secret).verify(delivery.body, delivery.headers)["data"]["id"] == job["id"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
    ],
)
async def test_private_targets_are_refused_unless_configured(
    client: httpx.AsyncClient, url: str
) -> None:
    response = await client.post(
        "/v1/jobs/scrape", json={"search": {"keywords": "x"}, "webhook_url": url}
    )

    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["field"] == "webhook_url"


async def test_a_host_that_does_not_resolve_is_accepted_then_checked_at_delivery(
    client: httpx.AsyncClient,
) -> None:
    # Given a webhook host that does not resolve now (DNS down, or not published yet),
    url = "http://does-not-exist.invalid/hook"
    job = await scrape(client, "unresolved", webhook_url=url, simulate={"total_results": 5})
    await wait_for(client, job["id"])

    # the submit was accepted, and each delivery checks the name again.
    (first, *_) = await _attempts(client, job["id"], 1)
    assert first["data"]["delivered"] is False
    assert first["data"]["error"] == "refused: host does-not-exist.invalid does not resolve"


async def test_a_target_that_turned_private_is_refused_at_delivery(
    client: httpx.AsyncClient, pg: asyncpg.Pool
) -> None:
    # Given a job whose webhook host was public when submitted but now points inward
    # (DNS rebinding: the check at submit is not enough),
    job = await scrape(client, "rebound", simulate={"total_results": 50, "latency_ms": 300})
    await pg.execute(
        'UPDATE jobs SET params = params || \'{"webhook_url": "http://127.0.0.1:9/hook"}\' '
        "WHERE id = $1",
        job["id"],
    )
    await wait_for(client, job["id"])

    # then the delivery refuses to call it, and says why.
    (first, *_) = await _attempts(client, job["id"], 1)
    assert first["data"]["delivered"] is False
    assert first["data"]["status_code"] is None
    assert str(first["data"]["error"]).startswith("refused: ")

"""The outbox relay against the real database: what it published leaves the outbox.

A row left behind would be sent again by the sweep a few seconds later (harmless,
but a duplicate message per page); deleting rows in batches must not leave any.
The rows name a job that does not exist, so a message that did go out does nothing.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Sequence

import asyncpg

from service.jobs.messages import SCRAPE_PAGE
from service.relay import OutboxRelay
from service.repo import Database, outbox
from service.repo.outbox import OutboxMessage


class RecordingPublisher:
    def __init__(self) -> None:
        self.sent: list[int] = []

    def publish(self, messages: Sequence[OutboxMessage]) -> None:
        self.sent.extend(m.id for m in messages)


async def _add(db: Database, count: int) -> list[OutboxMessage]:
    async with db.transaction() as tx:
        return [
            await outbox.add(tx, actor=SCRAPE_PAGE, job_id=uuid.uuid4(), seq=1)
            for _ in range(count)
        ]


async def _left(pg: asyncpg.Pool, messages: Sequence[OutboxMessage]) -> int:
    ids = [m.id for m in messages]
    return int(await pg.fetchval("SELECT count(*) FROM outbox WHERE id = ANY($1)", ids))


async def _until_gone(pg: asyncpg.Pool, messages: Sequence[OutboxMessage]) -> None:
    deadline = time.monotonic() + 5
    while await _left(pg, messages):
        assert time.monotonic() < deadline, "published messages are still in the outbox"
        await asyncio.sleep(0.02)


async def test_messages_published_elsewhere_and_by_the_relay_leave_the_outbox(
    db: Database, pg: asyncpg.Pool
) -> None:
    publisher = RecordingPublisher()
    # No sweep after the first: only the relay's own deleting can empty the outbox.
    relay = OutboxRelay(db, publisher, delete_after_s=0.05, sweep_interval_s=600)
    relay.start()
    try:
        # Published by worker threads (fewer than a batch): forgotten, then deleted;
        # twice, so that the second time the relay is surely idle, waiting.
        for _ in range(2):
            by_threads = await _add(db, 3)
            for chunk in (by_threads[:1], by_threads[1:]):
                threading.Thread(target=relay.published, args=(chunk,)).start()
            await _until_gone(pg, by_threads)
        # Handed to the relay to publish (the API's way): sent once, then deleted.
        handed = await _add(db, 4)
        relay.dispatch(handed)
        await _until_gone(pg, handed)
        assert sorted(publisher.sent) == sorted(m.id for m in handed)
    finally:
        await relay.stop()


async def test_stopping_the_relay_deletes_what_it_was_told_was_published(
    db: Database, pg: asyncpg.Pool
) -> None:
    relay = OutboxRelay(db, RecordingPublisher(), delete_after_s=60)
    relay.start()
    messages = await _add(db, 3)
    relay.published(messages)
    await relay.stop()
    assert await _left(pg, messages) == 0

"""Senders running side by side (as in several server processes) never send one
message twice."""

from __future__ import annotations

import asyncio
from collections import Counter

from server.notify.tables import OutboxMessage
from server.notify.worker import deliver_due
from tests.notify.samples import enqueue_committed


async def test_two_concurrent_senders_never_send_the_same_message_twice(
    engine, smtp_server, smtp_settings
) -> None:
    ids = await enqueue_committed(engine, 30)
    totals = [0, 0]
    # Small batches, so the two senders interleave over many claims.
    while True:
        a, b = await asyncio.gather(
            deliver_due(engine, smtp_settings, 4), deliver_due(engine, smtp_settings, 4)
        )
        totals[0] += a
        totals[1] += b
        if a == b == 0:
            break
    counts = Counter(smtp_server.handler.message_ids())
    assert sorted(counts) == sorted(f"<{i}@localhost>" for i in ids)
    assert set(counts.values()) == {1}
    assert sum(totals) == 30
    assert await OutboxMessage.count().where(OutboxMessage.status == "sent") == 30

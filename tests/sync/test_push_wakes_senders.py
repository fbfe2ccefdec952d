"""A push wakes the process's mail and SMS senders only when it queued a message
(a submission's confirmation): a wake-up is a delivery pass, claims asked of the
database, for every batch of drafts otherwise."""

from __future__ import annotations

import asyncio

from harness.sync_client import SyncDevice, uuid7
from server.notify import worker
from tests.sync.test_push_pull import birth_draft


async def test_drafts_do_not_wake_the_senders_and_a_submission_does(
    citizen: SyncDevice,
) -> None:
    woken = asyncio.Event()
    waker = (asyncio.get_running_loop(), woken)
    worker._wakers.add(waker)  # pyright: ignore[reportPrivateUsage]  # the registry notify_now reads
    try:
        dossier = uuid7()
        birth_draft(citizen, dossier)
        outcomes = await citizen.sync()
        assert [o["status"] for o in outcomes] == ["applied"] * 2
        await asyncio.sleep(0)  # notify_now sets the event through call_soon_threadsafe
        assert not woken.is_set()

        citizen.queue("submit", dossier, {}, 2)
        outcomes = await citizen.sync()
        assert outcomes[-1]["status"] == "applied" and outcomes[-1]["code"]
        await asyncio.sleep(0)
        assert woken.is_set()
    finally:
        worker._wakers.discard(waker)  # pyright: ignore[reportPrivateUsage]

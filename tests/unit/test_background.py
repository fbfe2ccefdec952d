"""Background loops stop between rounds: a round under way at shutdown finishes
(a database statement cancelled mid-way holds its connection until reset, which
outlasted a shutdown's grace), one that outlasts the grace is cancelled, and a
failing round does not end the loop."""

from __future__ import annotations

import asyncio

from server.background import every


async def test_a_round_under_way_at_shutdown_finishes() -> None:
    started, release = asyncio.Event(), asyncio.Event()
    finished: list[bool] = []

    async def round_() -> None:
        started.set()
        await release.wait()
        finished.append(True)

    async with every("test", round_, seconds=60):
        await started.wait()
        asyncio.get_running_loop().call_later(0.05, release.set)
    assert finished == [True]


async def test_a_round_that_outlasts_the_grace_is_cancelled() -> None:
    started = asyncio.Event()
    cancelled: list[bool] = []

    async def round_() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async with every("test", round_, seconds=60, grace_seconds=0.05):
        await started.wait()
    assert cancelled == [True]


async def test_a_failing_round_does_not_end_the_loop() -> None:
    rounds = 0
    third = asyncio.Event()

    async def round_() -> None:
        nonlocal rounds
        rounds += 1
        if rounds == 3:
            third.set()
        raise RuntimeError("the database is away")

    async with every("test", round_, seconds=0.01):
        await asyncio.wait_for(third.wait(), 5)
    assert rounds >= 3

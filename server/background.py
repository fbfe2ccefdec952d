"""Loops every server process runs now and then (housekeeping, abandoned uploads).

A loop is stopped between rounds, never in the middle of one: cancelling a round
mid-statement leaves its database connection to be reset before the pool can close
(on PostgreSQL, a cancel request and a wait), which under load outlasted a shutdown's
grace. A round under way gets `grace_seconds` to finish, then is cancelled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

log = logging.getLogger("motcua.background")


@asynccontextmanager
async def every(
    name: str,
    round_: Callable[[], Awaitable[object]],
    seconds: float,
    grace_seconds: float = 3.0,
) -> AsyncIterator[None]:
    """Run `round_` now and then every `seconds` while the context is open."""
    stop = asyncio.Event()

    async def loop() -> None:
        while not stop.is_set():
            try:
                await round_()
            except Exception:  # a failing round must not stop the loop
                log.exception("%s failed", name)
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), seconds)

    task = asyncio.create_task(loop(), name=name)
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), grace_seconds)
        except TimeoutError:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

"""Housekeeping every server process runs now and then: releasing expired code
reservations, purging spent robot checks and old rate-limit windows. Each step is
idempotent, so any number of processes may run it at once."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from litestar import Litestar

from server.background import every
from server.dossiers.reservations import release_expired
from server.identity.captcha.service import purge_expired_captchas
from server.ratelimit.service import purge_stale

log = logging.getLogger("motcua.maintenance")
EVERY_SECONDS = 300
STEPS: list[tuple[str, Callable[[], Awaitable[object]]]] = [
    ("release expired code reservations", release_expired),
    ("purge expired robot checks", purge_expired_captchas),
    ("purge old rate-limit windows", purge_stale),
]


async def run_once() -> None:
    for name, step in STEPS:
        try:
            await step()
        except Exception:  # one failing step must not stop the others
            log.exception("maintenance step failed: %s", name)


@asynccontextmanager
async def maintenance(app: Litestar) -> AsyncIterator[None]:
    async with every("maintenance", run_once, EVERY_SECONDS):
        yield

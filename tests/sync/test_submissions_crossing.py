"""Two batches submitting at once, on PostgreSQL, whose dossiers name one contact (the
chaos benchmark's 500s): one batch minted a code in commune X, counted the contact's
confirmation, then waited for commune Y's code counter; the other held Y's counter and
waited for the contact's count. A deadlock, run again up to four times, and a 500 once
those ran out. Confirmations are now counted at the batch's end, after its last code,
in one order, so such batches wait for each other and never cross."""

from __future__ import annotations

import asyncio
from contextlib import aclosing

import asyncpg
import pytest
from prometheus_client import REGISTRY

from harness.sync_client import SyncDevice, uuid7
from server.clock import vn_today
from server.settings import Settings
from tests.sync.conftest import device_for, make_account
from tests.sync.test_push_pull import birth_draft

ELSEWHERE = {"agency.commune": "00004", "agency.province": "01"}  # the draft's own is 00070


def _retried() -> float:
    return sum(
        REGISTRY.get_sample_value("motcua_push_batches_retried_total", {"error": e}) or 0
        for e in ("DeadlockDetectedError", "SerializationError", "UniqueViolationError")
    )


async def _until_queued(holder: asyncpg.Connection, count: int) -> None:
    """Until `count` sessions wait in one queue behind `holder`: each blocked by the
    holder or by a session itself blocked by it (a row's later waiters wait behind
    its first)."""
    holder_pid = await holder.fetchval("SELECT pg_backend_pid()")
    for _ in range(500):
        rows = await holder.fetch(
            "SELECT pid, pg_blocking_pids(pid) AS blockers FROM pg_stat_activity "
            "WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0"
        )
        queued = {holder_pid}
        for _ in rows:  # follow the queue link by link
            queued |= {r["pid"] for r in rows if set(r["blockers"]) & queued}
        if len(queued) - 1 >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"fewer than {count} sessions came to wait behind the holder")


async def _drafted(device: SyncDevice, *answers: dict) -> list:
    ids = [uuid7() for _ in answers]
    for dossier, extra in zip(ids, answers, strict=True):
        birth_draft(device, dossier, **extra)
    await device.sync()
    return ids


async def test_batches_submitting_in_two_communes_to_one_contact_do_not_cross(
    app, settings: Settings, engine_kind: str
) -> None:
    if engine_kind != "postgres":
        pytest.skip("SQLite's write transactions queue whole: nothing can cross")
    first = await device_for(app, await make_account("citizen"))
    second = await device_for(app, await make_account("citizen"))
    holder = await asyncpg.connect(settings.database_url)
    async with aclosing(first.http), aclosing(second.http):
        elsewhere, here = await _drafted(first, ELSEWHERE, {})
        [also_here] = await _drafted(second, {})
        retried = _retried()
        # Commune 00070's code counter held, so that both batches come to wait for it,
        # in the order they came (a row that exists: waiters for a row being inserted
        # all wake at once and race).
        year = vn_today().year
        await holder.execute(
            "INSERT INTO code_counter (commune_code, year, next_value) VALUES ('00070', $1, 0) "
            "ON CONFLICT DO NOTHING",
            year,
        )
        held = holder.transaction()
        await held.start()
        await holder.execute(
            "SELECT 1 FROM code_counter WHERE commune_code = '00070' AND year = $1 FOR UPDATE",
            year,
        )
        second.queue("submit", also_here, {}, 2)
        second_push = asyncio.create_task(second.push())
        await _until_queued(holder, 1)
        # This one mints in 00004 first, then waits for 00070 behind the other.
        first.queue("submit", elsewhere, {}, 2)
        first.queue("submit", here, {}, 2)
        first_push = asyncio.create_task(first.push())
        await _until_queued(holder, 2)
        await held.commit()
        answers = await asyncio.gather(second_push, first_push)
    await holder.close()
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    outcomes = [o for a in answers for o in a.json()["outcomes"]]
    assert [o["status"] for o in outcomes] == ["applied"] * 3
    assert all(o["code"] for o in outcomes)
    assert _retried() == retried  # neither batch was undone and run again

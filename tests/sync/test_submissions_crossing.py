"""Two batches submitting at once, on PostgreSQL (the chaos benchmark's 500s). One
minted a code in commune X, counted its contact's confirmation, then waited for
commune Y's code counter; the other held Y's counter and waited for the same contact's
count. Or: two batches submitting in X and Y in opposite orders, of drafts stored
before or drafted in the same batch. Each a deadlock, run again up to four times, and
a 500 once those ran out. Confirmations are now counted at a batch's end, after its
last code, in one order, and a batch takes the counters of its submissions' communes
in one order before it mints; such batches wait for each other instead of crossing."""

from __future__ import annotations

import asyncio
from contextlib import aclosing

import asyncpg
import pytest
from prometheus_client import REGISTRY

from harness.sync_client import SyncDevice, uuid7
from server.clock import vn_today
from server.dossiers.tables import CodeCounter
from server.notify.tables import OutboxMessage
from server.settings import Settings
from tests.sync.conftest import device_for, make_account
from tests.sync.test_push_pull import birth_draft

ELSEWHERE = {"agency.commune": "00004", "agency.province": "01"}  # the draft's own is 00070
OTHER_CONTACT = {"contact.email": "khac@example.vn", "contact.phone": "0987000111"}


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


async def _drafted(device: SyncDevice, *answers: dict, stored: bool) -> list:
    """Drafts queued on `device`, pushed and stored unless not `stored`. Each has its
    own certificate: batches attaching one file would queue on its row first."""
    ids = [uuid7() for _ in answers]
    for dossier, extra in zip(ids, answers, strict=True):
        birth_draft(device, dossier, f"giấy chứng sinh {dossier}", **extra)
    if stored:
        await device.sync()
    return ids


async def _crossing(
    app,
    settings: Settings,
    first_drafts: list[dict],
    second_drafts: list[dict],
    stored: bool = True,
) -> None:
    """`second` submits all its drafts, then `first` all its, while commune 00070's
    code counter is held, so that both come to wait for it, `second` ahead; then it is
    let go. Both batches must go through once, each submission with its code and its
    confirmations. Drafts not `stored` are drafted in the batch that submits them."""
    first = await device_for(app, await make_account("citizen"))
    second = await device_for(app, await make_account("citizen"))
    holder = await asyncpg.connect(settings.database_url)
    async with aclosing(first.http), aclosing(second.http):
        firsts = await _drafted(first, *first_drafts, stored=stored)
        seconds = await _drafted(second, *second_drafts, stored=stored)
        retried = _retried()
        # Held in a row that exists: waiters for a row being inserted all wake at once
        # and race, where those for an existing row queue in the order they came.
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
        for dossier in seconds:
            second.queue("submit", dossier, {}, 2)
        second_push = asyncio.create_task(second.push())
        await _until_queued(holder, 1)
        for dossier in firsts:
            first.queue("submit", dossier, {}, 2)
        first_push = asyncio.create_task(first.push())
        await _until_queued(holder, 2)
        await held.commit()
        answers = await asyncio.gather(second_push, first_push)
    await holder.close()
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    outcomes = [o for a in answers for o in a.json()["outcomes"]]
    assert [o["status"] for o in outcomes] == ["applied"] * len(outcomes)
    submitted = [o for o in outcomes if o.get("state") == 1]
    assert len(submitted) == len(firsts + seconds) and all(o["code"] for o in submitted)
    assert _retried() == retried  # neither batch was undone and run again
    for dossier in firsts + seconds:  # an email and an SMS each
        key = f"%dossier_submitted:{dossier}%"
        assert await OutboxMessage.count().where(OutboxMessage.message_key.like(key)) == 2


# (first's drafts, second's drafts, whether they are stored before the submits)
CROSSINGS = {
    # `first` mints in 00004 and counts the contact, then waits for 00070.
    "two communes, one contact": ([ELSEWHERE, {}], [{}], True),
    # Different contacts: only the code counters are shared.
    "two communes in opposite orders": (
        [ELSEWHERE, {}],
        [{**OTHER_CONTACT}, {**ELSEWHERE, **OTHER_CONTACT}],
        True,
    ),
    # An outreach official's batch: each birth drafted and submitted in one push, the
    # commune as typed, with spaces around it (the code is minted in it trimmed).
    "drafted and submitted in one batch": (
        [{**ELSEWHERE, "agency.commune": " 00004 "}, {"agency.commune": "00070 "}],
        [
            {**OTHER_CONTACT, "agency.commune": "\t00070"},
            {**ELSEWHERE, **OTHER_CONTACT, "agency.commune": "00004\u00a0"},
        ],
        False,
    ),
}


@pytest.mark.parametrize("case", CROSSINGS)
async def test_batches_submitting_at_once_do_not_cross(
    app, settings: Settings, engine_kind: str, case: str
) -> None:
    if engine_kind != "postgres":
        pytest.skip("SQLite's write transactions queue whole: nothing can cross")
    first, second, stored = CROSSINGS[case]
    await _crossing(app, settings, first, second, stored)


async def test_communes_a_batch_names_wrongly_take_no_counter(
    app, settings: Settings, engine_kind: str
) -> None:
    """A phone's payload is not checked before the counters are taken: a commune
    no one knows (stored with a draft, or named in the batch), a number, a list or a
    text in place of the answers takes no counter row, and each mutation gets its
    own answer (no 5xx)."""
    if engine_kind != "postgres":
        pytest.skip("the counters are taken ahead only on PostgreSQL")
    device = await device_for(app, await make_account("citizen"))
    async with aclosing(device.http):
        stored = uuid7()  # a draft whose stored commune no one knows
        birth_draft(device, stored, f"giấy chứng sinh {stored}", **{"agency.commune": "99999"})
        await device.sync()
        device.queue("submit", stored, {}, 2)
        odd_answers = [
            {"agency.commune": "99999"},
            {"agency.commune": 70},
            {"agency.commune": ["00070"]},
            {"agency.commune": {"code": "00070"}},
        ]
        for answers in odd_answers:
            dossier = uuid7()
            birth_draft(device, dossier, f"giấy chứng sinh {dossier}", **answers)
            device.queue("submit", dossier, {}, 2)
        for fields in ("00070", 70, None, ["agency.commune"]):
            dossier = uuid7()
            device.queue("create_draft", dossier, {"procedure_code": "khai-sinh", "fields": fields})
            device.queue("edit_draft", dossier, {"changes": fields}, 1)
            device.queue("submit", dossier, {}, 2)
        answer = await device.push()
    assert answer.status_code == 200, answer.text
    outcomes = answer.json()["outcomes"]
    assert len(outcomes) == len(device.outbox)
    submits = [o for o, m in zip(outcomes, device.outbox, strict=True) if m["kind"] == "submit"]
    assert [o["status"] for o in submits] == ["rejected"] * len(submits), submits
    counters = {c["commune_code"] for c in await CodeCounter.select(CodeCounter.commune_code)}
    assert "99999" not in counters and counters <= {"00070"}, counters

"""The pull cursor never skips a change when transactions commit out of order
(sync/README.md §1, principle 7), on PostgreSQL, where writers run concurrently.

T1 writes its change first (older transaction id, smaller feed id) but commits
last; T2 writes and commits in between. A cursor that moved past T2's change while
T1 was open would never see T1's. The server's cursor waits (`pending`) instead;
the naive `ORDER BY id` cursor, run over the same schedule, skips T1's change.

The writers are separate asyncpg connections to the test database, never the app's
pool (docs/decisions.md, pitfalls); the second test drives the real push endpoint instead."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import aclosing

import asyncpg
import msgspec
import pytest

from harness.sync_client import SyncDevice, birth_answers, uuid7
from server.clock import vn_today
from server.dossiers.tables import ChangeFeed
from server.settings import Settings
from tests.support.waiting import wait_until
from tests.sync.conftest import device_for, make_account

PULL_ROUNDS = 400  # bounded waits while some other transaction in the cluster is open


@pytest.fixture(autouse=True)
def _postgres_only(engine_kind: str) -> None:
    if engine_kind != "postgres":
        pytest.skip("writers are serialized")


def change_id(cursor: str) -> int:
    """The feed id a cursor stands on (its last part): where a naive reader would be."""
    return int(cursor.rsplit(".", 1)[1], 16)


async def pull_once(device: SyncDevice, cursor: str | None) -> dict:
    params = {"cursor": cursor} if cursor else {}
    r = await device.http.get("/api/sync/pull", params=params, headers=device.auth)
    assert r.status_code == 200, r.text
    return r.json()


async def pull_settled(device: SyncDevice, cursor: str | None) -> tuple[list[dict], str]:
    """Pull until nothing is pending; every view handed out, in order."""
    views: list[dict] = []
    for _ in range(PULL_ROUNDS):
        body = await pull_once(device, cursor)
        views += body["dossiers"]
        cursor = body["cursor"]
        if body["more"]:
            continue
        if not body["pending"]:
            return views, cursor
        await asyncio.sleep(0.05)  # an older transaction is still open somewhere
    raise AssertionError("the feed stayed pending")


async def publish(
    conn: asyncpg.Connection, dossier_id: uuid.UUID, hometown: str
) -> tuple[int, int]:
    """Change a dossier and publish it as server/dossiers/store.py publish_change
    does: one feed row per dossier, positioned by the writing transaction's id."""
    current = await conn.fetchval("SELECT fields FROM dossier WHERE id = $1 FOR UPDATE", dossier_id)
    fields = {**msgspec.json.decode(current), "child.hometown": hometown}
    row = await conn.fetchrow(
        "UPDATE dossier SET version = version + 1, fields = $2, updated_at = now() WHERE id = $1 "
        "RETURNING owner_id, commune_code, version",
        dossier_id,
        msgspec.json.encode(fields).decode(),
    )
    feed = await conn.fetchrow(
        "INSERT INTO change_feed (txid, dossier_id, owner_id, commune_code, version, at) "
        "VALUES (pg_current_xact_id()::text::bigint, $1, $2, $3, $4, now()) RETURNING id, txid",
        dossier_id,
        row["owner_id"],
        row["commune_code"],
        row["version"],
    )
    await conn.execute(
        "DELETE FROM change_feed WHERE dossier_id = $1 AND id <> $2", dossier_id, feed["id"]
    )
    return feed["txid"], feed["id"]


async def naive_read(conn: asyncpg.Connection, after: int) -> list[asyncpg.Record]:
    """The cursor this test proves wrong: feed ids in id order."""
    return await conn.fetch(
        "SELECT id, dossier_id FROM change_feed WHERE id > $1 ORDER BY id", after
    )


async def drafts(device: SyncDevice, count: int) -> list[uuid.UUID]:
    ids = [uuid7() for _ in range(count)]
    for i, d in enumerate(ids):
        device.queue(
            "create_draft",
            d,
            {
                "procedure_code": "khai-sinh",
                "fields": birth_answers(vn_today(), child=f"Lê Văn {'ABCD'[i]}"),
            },
        )
    assert all(o["status"] == "applied" for o in await device.sync())
    return ids


async def test_cursor_waits_for_the_older_transaction_and_naive_order_skips_it(
    app, settings: Settings
) -> None:
    device = await device_for(app, await make_account("citizen"))
    async with aclosing(device.http):
        d1, d2 = await drafts(device, 2)
        _, cursor = await pull_settled(device, None)
        naive_cursor = change_id(cursor)

        t1 = await asyncpg.connect(settings.database_url)
        t2 = await asyncpg.connect(settings.database_url)
        reader = await asyncpg.connect(settings.database_url)
        try:
            tx1 = t1.transaction()
            await tx1.start()
            txid1, id1 = await publish(
                t1, d1, "Viết bởi T1"
            )  # first to write: older xid, smaller id
            async with t2.transaction():
                txid2, id2 = await publish(t2, d2, "Viết bởi T2")
            assert txid1 < txid2 and id1 < id2

            # T2 is committed, T1 is not: nothing may be handed out past T1's position.
            for _ in range(3):
                body = await pull_once(device, cursor)
                assert (
                    body["dossiers"] == [] and body["pending"] is True and body["cursor"] == cursor
                )

            # The naive cursor hands out T2's change now and moves past T1's id.
            seen = await naive_read(reader, naive_cursor)
            assert [r["dossier_id"] for r in seen] == [d2]
            naive_cursor = seen[-1]["id"]

            await tx1.commit()

            views, cursor = await pull_settled(device, cursor)
            got = {v["id"]: v for v in views}
            assert set(got) == {str(d1), str(d2)}
            assert [v["id"] for v in views] == [str(d1), str(d2)]  # in commit-safe order
            assert got[str(d1)]["fields"]["child.hometown"] == "Viết bởi T1"
            assert got[str(d2)]["fields"]["child.hometown"] == "Viết bởi T2"

            # The same schedule under ORDER BY id: T1's change is never handed out.
            assert await naive_read(reader, naive_cursor) == []
            assert id1 < naive_cursor
        finally:
            for conn in (t1, t2, reader):
                await conn.close()


async def _waiting_on_a_lock(conn: asyncpg.Connection) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    )


async def test_real_pushes_committing_out_of_order_are_all_pulled(app, settings: Settings) -> None:
    """Through the push endpoint: batch P1 (d1, d3) writes its feed rows, then waits on
    a row lock a test connection holds on d3's previous feed row (the push replaces it);
    batch P2 (d2) writes and commits meanwhile; only then does P1 finish. Every change
    still reaches the puller, in a safe order; ORDER BY id hands out d2 and never d1, d3."""
    email = await make_account("citizen")
    phone, tablet = await device_for(app, email), await device_for(app, email)
    async with aclosing(phone.http), aclosing(tablet.http):
        d1, d2, d3 = await drafts(phone, 3)
        _, cursor = await pull_settled(tablet, None)
        naive_cursor = change_id(cursor)

        locker = await asyncpg.connect(settings.database_url)
        reader = await asyncpg.connect(settings.database_url)
        ids_before = await reader.fetchval("SELECT last_value FROM change_feed_id_seq")
        p1 = None
        try:
            lock = locker.transaction()
            await lock.start()
            await locker.execute("SELECT 1 FROM change_feed WHERE dossier_id = $1 FOR UPDATE", d3)

            phone.queue("edit_draft", d1, {"changes": {"child.hometown": "P1 một"}}, 1)
            phone.queue("edit_draft", d3, {"changes": {"child.hometown": "P1 ba"}}, 1)
            p1 = asyncio.create_task(phone.push())

            async def p1_waits_or_ends() -> bool:
                return p1.done() or await _waiting_on_a_lock(reader)

            await wait_until(p1_waits_or_ends, seconds=4, interval=0.01)
            assert not p1.done() and await _waiting_on_a_lock(reader)
            # P1 holds feed ids already (sequences are not transactional): its rows will
            # sit before anything written from now on, yet commit after it.
            assert (
                await reader.fetchval("SELECT last_value FROM change_feed_id_seq") > ids_before
            ), "the push no longer writes its feed rows before replacing the old ones"

            tablet.queue("edit_draft", d2, {"changes": {"child.hometown": "P2 hai"}}, 1)
            [outcome] = await tablet.sync()
            assert outcome["status"] == "applied"

            body = await pull_once(tablet, cursor)
            assert body["dossiers"] == [] and body["pending"] is True and body["cursor"] == cursor
            seen = await naive_read(reader, naive_cursor)
            assert [r["dossier_id"] for r in seen] == [d2]
            naive_cursor = seen[-1]["id"]

            await lock.rollback()  # P1 goes on and commits
            r = await asyncio.wait_for(p1, timeout=60)
            assert (
                r.status_code == 200
                and [o["status"] for o in r.json()["outcomes"]] == ["applied"] * 2
            )

            views, cursor = await pull_settled(tablet, cursor)
            got = {v["id"]: v["fields"]["child.hometown"] for v in views}
            assert got == {str(d1): "P1 một", str(d2): "P2 hai", str(d3): "P1 ba"}

            # ORDER BY id: P1's changes sit behind the naive cursor, never handed out.
            assert await naive_read(reader, naive_cursor) == []
        finally:
            if p1 is not None and not p1.done():
                p1.cancel()
            for conn in (locker, reader):
                await conn.close()


async def test_pending_is_reported_when_an_older_transaction_ends_during_the_pull(
    app, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pull reads the changes, then asks whether any wait: an older transaction
    (anywhere in the cluster: xids are cluster-wide) ending between the two must not
    make a committed, undelivered change look like "you are up to date"."""
    device = await device_for(app, await make_account("citizen"))
    async with aclosing(device.http):
        [dossier] = await drafts(device, 1)
        _, cursor = await pull_settled(device, None)

        older = await asyncpg.connect(settings.database_url)
        try:
            tx = older.transaction()
            await tx.start()
            await older.fetchval("SELECT pg_current_xact_id()")  # an xid older than the change's
            device.queue("edit_draft", dossier, {"changes": {"child.hometown": "Đà Lạt"}}, 1)
            assert (await device.sync())[0]["status"] == "applied"

            # The older transaction commits right after the pull has read the feed.
            raw = ChangeFeed.raw.__func__
            ended = []

            def ending_after_the_read(cls, sql: str, *args):
                query = raw(cls, sql, *args)
                if "ORDER BY txid, id" not in sql or ended:
                    return query

                class Then:
                    def __await__(self):
                        rows = yield from query.__await__()
                        yield from tx.commit().__await__()
                        ended.append(True)
                        return rows

                return Then()

            monkeypatch.setattr(ChangeFeed, "raw", classmethod(ending_after_the_read))
            body = await pull_once(device, cursor)
            monkeypatch.undo()
            assert ended
            delivered = [v["id"] for v in body["dossiers"]]
            assert delivered == [str(dossier)] or (delivered == [] and body["pending"] is True), (
                body
            )
            views, _ = await pull_settled(device, body["cursor"] if delivered else cursor)
            assert delivered or [v["fields"]["child.hometown"] for v in views] == ["Đà Lạt"]
        finally:
            await older.close()

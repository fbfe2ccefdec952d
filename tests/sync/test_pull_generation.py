"""Pulls and generations (sync/README.md §9.1): every answer names the server's
generation; a generation begun elsewhere reaches a running server's next pull; and a
cursor beyond the end of the change feed (the database was restored behind the
device's back) gets a resend from the start, and proves nothing by itself. A cursor the
database did hand out never gets one, pending PostgreSQL transactions included."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from harness.sync_client import SyncDevice, birth_answers, uuid7
from server.app import create_app
from server.clock import vn_today
from server.database import write_transaction
from server.recovery.generation import begin_generation
from server.recovery.tables import ServerGeneration
from server.settings import Settings
from sync.messages import MAX_GENERATION
from tests.support import databases as dbs
from tests.sync.conftest import device_for, make_account
from tests.sync.test_pull_out_of_order import publish, pull_settled


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[Any]:
    app = create_app(msgspec.structs.replace(settings, demo_mode=True))
    async with LifespanManager(app):  # pyright: ignore[reportArgumentType]  # asgi-lifespan types a narrower ASGI app than Litestar
        yield app


@asynccontextmanager
async def device_on(app, device: SyncDevice) -> AsyncIterator[SyncDevice]:
    """The same installation, talking to `app` (a server started again)."""
    transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 40000))
    http = httpx.AsyncClient(transport=transport, base_url="http://localhost:8000")
    again = SyncDevice(http, device.credential, device.device_id)
    again.seq, again.cursor = device.seq, device.cursor
    async with aclosing(http):
        yield again


async def drafts(device: SyncDevice, count: int) -> list[uuid.UUID]:
    ids = [uuid7() for _ in range(count)]
    for d in ids:
        fields = birth_answers(vn_today())
        device.queue("create_draft", d, {"procedure_code": "khai-sinh", "fields": fields})
    assert all(o["status"] == "applied" for o in await device.sync())
    return ids


async def pull_once(device: SyncDevice, cursor: str | None) -> dict:
    params = {"cursor": cursor} if cursor else {}
    r = await device.http.get("/api/sync/pull", params=params, headers=device.auth)
    assert r.status_code == 200, r.text
    return r.json()


async def pull_through(device: SyncDevice, cursor: str | None) -> tuple[list[dict], dict]:
    """Pull until nothing more is ready and nothing pending (on PostgreSQL another
    transaction in the cluster may be open for a moment); the views, and the first
    answer (the one that met the cursor) with the last cursor."""
    views: list[dict] = []
    first: dict | None = None
    for _ in range(400):
        body = await pull_once(device, cursor)
        first = first or body
        views += body["dossiers"]
        cursor = body["cursor"]
        if body["more"]:
            continue
        if not body["pending"]:
            return views, {**first, "cursor": cursor}
        await asyncio.sleep(0.05)
    raise AssertionError("the feed stayed pending")


async def generations() -> list[dict]:
    return await ServerGeneration.select().order_by(ServerGeneration.number)


# -- a copy of the database, put back later: a restore no one declared ----------


def _pg_name(settings: Settings) -> str:
    return settings.database_url.rsplit("/", 1)[1]


async def _pg_admin(*statements: str) -> None:
    conn = await asyncpg.connect(dbs.PG_ADMIN_URL, timeout=5)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def _sqlite_files(settings: Settings) -> list[Path]:
    """The database file and its WAL companions."""
    path = settings.sqlite_path
    return sorted(path.parent.glob(path.name + "*"))


async def copy_of(settings: Settings, engine_kind: str, tmp_path: Path) -> str:
    """A copy of the whole database (last night's backup), taken while no server has
    it open."""
    if engine_kind == "sqlite":
        copy = tmp_path / f"copy-{uuid.uuid4().hex[:8]}"
        copy.mkdir()
        for file in _sqlite_files(settings):
            shutil.copyfile(file, copy / file.name)
        return str(copy)
    name = f"motcua_copy_{uuid.uuid4().hex[:8]}"
    await _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{_pg_name(settings)}"')
    return name


def _replace_sqlite(settings: Settings, copy: Path) -> None:
    for file in _sqlite_files(settings):
        file.unlink()
    for file in copy.iterdir():
        shutil.copyfile(file, settings.sqlite_path.parent / file.name)


async def restore(settings: Settings, engine_kind: str, copy: str) -> None:
    """Puts the copy back in place of the database, as a restore no one declared."""
    if engine_kind == "sqlite":
        _replace_sqlite(settings, Path(copy))
        return
    name = _pg_name(settings)
    await _pg_admin(
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        f'CREATE DATABASE "{name}" TEMPLATE "{copy}"',
        f'DROP DATABASE "{copy}" WITH (FORCE)',
    )


# -- the tests ---------------------------------------------------------------------


async def test_every_pull_names_the_generation_and_a_new_one_resets_a_running_server(
    app,
) -> None:
    device = await device_for(app, await make_account("citizen"))
    async with aclosing(device.http):
        [first] = await drafts(device, 1)
        _, body = await pull_through(device, None)
        assert body["generation"] == 1 and body["reset"]
        cursor = body["cursor"]
        assert (await pull_once(device, cursor))["reset"] is False

        # Another process (motcua restored, a restore) begins a generation meanwhile.
        engine = app.state.engine
        async with write_transaction(engine):
            await begin_generation(engine, "declared")

        views, body = await pull_through(device, cursor)
        assert body["generation"] == 2
        assert body["reset"] is True, "the cached epoch outlived its generation"
        assert [v["id"] for v in views] == [str(first)]
        assert body["cursor"].split(".")[1] != cursor.split(".")[1]
        again = await pull_once(device, body["cursor"])
        assert again["reset"] is False and again["generation"] == 2


async def test_a_cursor_the_restored_database_never_reached_gets_a_resend_and_proves_nothing(
    settings: Settings, engine_kind: str, tmp_path: Path
) -> None:
    """The restore nobody declared: the old cursor gets everything again from the start.
    A cursor proves no restore by itself (anyone can write one, and a generation makes
    every device start over): the device proves it with its receipt when it pushes."""
    async with serving(settings) as app:
        device = await device_for(app, await make_account("citizen"))
        async with aclosing(device.http):
            kept = await drafts(device, 2)
            await device.pull_all()
    copy = await copy_of(settings, engine_kind, tmp_path)  # last night's backup

    async with serving(settings) as app, device_on(app, device) as device:
        await drafts(device, 3)  # what the restore will lose
        await device.pull_all()
        seen = device.cursor
        epoch = seen.split(".")[1]
    await restore(settings, engine_kind, copy)

    async with serving(settings) as app, device_on(app, device) as device:
        views, body = await pull_through(device, seen)
        assert body["reset"] is True and body["generation"] == 1
        assert [v["id"] for v in views] == [str(d) for d in kept]
        # Made up, far past anything: the same resend, and still no generation.
        _, body = await pull_through(device, f"v1.{epoch}.{2**40:016x}.{2**40:016x}")
        assert body["reset"] is True and body["generation"] == 1
        assert await generations() == []


async def test_a_feed_ahead_of_the_clusters_transactions_begins_a_generation(
    app, settings: Settings, engine_kind: str
) -> None:
    """Restored into a new PostgreSQL cluster, whose transaction counter starts lower:
    the feed's rows name transactions the cluster has not reached and would wait behind
    the horizon for ever. The database itself proves the restore."""
    if engine_kind != "postgres":
        pytest.skip("SQLite's feed rows carry no transaction")
    device = await device_for(app, await make_account("citizen"))
    async with aclosing(device.http):
        kept = await drafts(device, 2)
        connection = await asyncpg.connect(settings.database_url)
        try:
            await connection.execute(
                "UPDATE change_feed SET txid = pg_current_xact_id()::text::bigint + 1000000"
            )
        finally:
            await connection.close()
        views, body = await pull_through(device, None)
        assert body["generation"] == 2 and body["pending"] is False
        assert sorted(v["id"] for v in views) == sorted(str(d) for d in kept)
        [generation] = await generations()
        assert generation["cause"] == "detected" and str(device.device_id) in generation["detail"]


async def test_cursors_the_server_handed_out_never_begin_a_generation(app) -> None:
    mine = await device_for(app, await make_account("citizen"))
    theirs = await device_for(app, await make_account("citizen"))
    async with aclosing(mine.http), aclosing(theirs.http):
        # An empty feed: the first cursor stands at the start.
        body = await pull_once(mine, None)
        assert (await pull_once(mine, body["cursor"]))["reset"] is False
        [_, d2] = await drafts(mine, 2)
        await mine.pull_all()
        at_end = mine.cursor
        assert (await pull_once(mine, at_end))["dossiers"] == []  # at the feed's end
        # Rows this device may not see lie beyond its cursor.
        await drafts(theirs, 2)
        assert (await pull_once(mine, at_end))["reset"] is False
        # Its cursor's row is replaced by a newer one for the same dossier.
        mine.queue("edit_draft", d2, {"changes": {"child.hometown": "Huế"}}, 1)
        assert [o["status"] for o in await mine.sync()] == ["applied"]
        await mine.pull_all()
        assert (await pull_once(mine, mine.cursor))["reset"] is False
        assert (await pull_once(mine, at_end))["reset"] is False
        assert await generations() == []


async def test_a_pending_transaction_behind_the_cursor_never_begins_a_generation(
    app, settings: Settings, engine_kind: str
) -> None:
    if engine_kind != "postgres":
        pytest.skip("writers are serialized")
    device = await device_for(app, await make_account("citizen"))
    async with aclosing(device.http):
        _, d2 = await drafts(device, 2)
        _, cursor = await pull_settled(device, None)
        older = await asyncpg.connect(settings.database_url)
        younger = await asyncpg.connect(settings.database_url)
        try:
            older_tx = older.transaction()
            await older_tx.start()
            await older.fetchval("SELECT pg_current_xact_id()")  # the older txid, held open
            async with younger.transaction():
                await publish(younger, d2, "Đà Nẵng")  # committed behind the open one
            body = await pull_once(device, cursor)
            assert body["pending"] is True and body["dossiers"] == []
            # The older transaction replaces the younger's row with its own, lower txid.
            await publish(older, d2, "Huế")
            await older_tx.commit()
        finally:
            await older.close()
            await younger.close()
        views, cursor = await pull_settled(device, body["cursor"])
        assert [v["id"] for v in views] == [str(d2)]
        body = await pull_once(device, cursor)
        assert body["reset"] is False and body["dossiers"] == []
        assert await generations() == []


async def test_with_no_generation_left_a_lost_cursor_still_gets_its_resend(app) -> None:
    """The last generation (255) taken: the pull answers 200 with a resend, not 500."""
    now = dt.datetime.now(dt.UTC)
    await ServerGeneration.insert(
        *[
            ServerGeneration(number=n, started_at=now, cause="declared")
            for n in range(2, MAX_GENERATION + 1)
        ]
    )
    device = await device_for(app, await make_account("citizen"))
    async with aclosing(device.http):
        [kept] = await drafts(device, 1)
        _, body = await pull_through(device, None)
        # A cursor of this epoch past anything the feed holds, as a restore leaves it.
        epoch = body["cursor"].split(".")[1]
        beyond = f"v1.{epoch}.{2**40:016x}.{2**40:016x}"
        views, body = await pull_through(device, beyond)
        assert body["reset"] is True and body["generation"] == MAX_GENERATION
        assert [v["id"] for v in views] == [str(kept)]

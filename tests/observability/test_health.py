"""/health/live answers while the process runs; /health/ready (and /health) only
while the database answers and has run every migration on disk."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from piccolo.apps.migrations.tables import Migration

from server.app import create_app
from server.migrate import migrations_on_disk
from server.settings import Settings
from tests.support import databases as dbs


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://x") as http:
            yield http


async def test_ready_and_live_on_a_migrated_database(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health/live")).json() == {"status": "alive", "demo_mode": False}
    for path in ("/health/ready", "/health"):
        r = await client.get(path)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "ok"


async def test_not_ready_while_a_migration_has_not_run(settings: Settings) -> None:
    async with serving(settings) as http:
        newest = max(migrations_on_disk())
        await Migration.delete().where(Migration.name == newest)
        for path in ("/health/ready", "/health"):
            r = await http.get(path)
            assert r.status_code == 503, r.text
            body = r.json()
            assert body["status"] == "degraded"
            assert body["unapplied_migrations"] == [newest]
            assert "motcua migrate" in body["detail"]
        assert (await http.get("/health/live")).status_code == 200


@pytest.fixture
def never_migrated(engine_kind: str, tmp_path: Path):
    """Settings for an empty database: no table, not even Piccolo's migration record."""
    if engine_kind == "sqlite":
        yield dbs.settings_for(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)
        return
    if dbs.postgres_available():
        pytest.skip("PostgreSQL not reachable")
    name = dbs.create_pg_database()
    try:
        yield dbs.settings_for(dbs.pg_url(name), tmp_path)
    finally:
        dbs.drop_pg_database(name)


async def test_not_ready_on_a_database_never_migrated(never_migrated: Settings) -> None:
    async with serving(never_migrated) as http:
        r = await http.get("/health/ready")
        assert r.status_code == 503, r.text
        assert "motcua migrate" in r.json()["detail"]
        assert (await http.get("/health/live")).status_code == 200


async def test_not_ready_while_the_database_is_unreachable(settings: Settings) -> None:
    async with serving(settings) as http:
        assert (await http.get("/health/ready")).status_code == 200
        async with cut_off(settings):
            r = await http.get("/health/ready")
            assert r.status_code == 503, r.text
            assert r.json()["status"] == "degraded"
            assert r.headers["retry-after"]
            # Anyone may ask (through the balancer too): where the database lives and
            # the driver's words stay in the log.
            where = settings.database_url.rsplit("@", 1)[-1].rsplit("/", 1)[0]
            for secret in (str(settings.data_dir), where, "127.0.0.1"):
                assert secret not in r.text, r.text
            live = await http.get("/health/live")
            assert live.status_code == 200, live.text
        assert (await http.get("/health/ready")).status_code == 200  # back once it is


@asynccontextmanager
async def cut_off(settings: Settings) -> AsyncIterator[None]:
    """The database out of reach: PostgreSQL refuses connections to it and ends those
    open; SQLite's whole directory moves aside, so no connection can open the file (the
    file alone is not enough: a connection opened meanwhile, such as a housekeeping
    round's, makes a new empty one in its place) and its WAL moves with it."""
    if settings.engine == "sqlite":
        home = settings.sqlite_path.parent
        aside = home.with_name(home.name + ".aside")
        home.rename(aside)
        try:
            yield
        finally:
            if home.exists():  # something made the directory again meanwhile
                shutil.rmtree(home)
            aside.rename(home)
        return
    name = settings.database_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(dbs.PG_ADMIN_URL)
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
        try:
            yield
        finally:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    finally:
        await admin.close()

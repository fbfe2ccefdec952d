"""Each application hands out the feed epoch of its own database.

The epoch used to be remembered per process, keyed by id(engine): an id Python gives
again to a new object once the old one is freed, so an application whose engine took
a freed engine's address would have named another database's epoch in its cursors
(and never made its own). Now each application remembers its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import aclosing
from pathlib import Path

import msgspec
import pytest
from asgi_lifespan import LifespanManager

from server.app import create_app
from server.reference.versions import dataset_version
from server.settings import Settings
from tests.support import databases as dbs
from tests.sync.conftest import device_for, make_account


@pytest.fixture
def second_settings(
    engine_kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Settings]:
    """Another database, of the same kind and content as `settings`'s."""
    data_dir = tmp_path / "second"
    if engine_kind == "sqlite":
        path = dbs.copy_sqlite(request.getfixturevalue("sqlite_template"), data_dir)
        yield dbs.settings_for(f"sqlite:///{path}", data_dir)
        return
    name = dbs.create_pg_database(template=request.getfixturevalue("postgres_template"))
    try:
        yield dbs.settings_for(dbs.pg_url(name), data_dir)
    finally:
        dbs.drop_pg_database(name)


async def served_epoch(app) -> str:
    device = await device_for(app, await make_account("citizen"))
    async with aclosing(device.http):
        await device.pull_all()
    assert device.cursor is not None
    return device.cursor.split(".")[1]


async def test_an_application_serves_its_own_databases_feed_epoch(
    settings: Settings, second_settings: Settings
) -> None:
    first_settings = msgspec.structs.replace(settings, demo_mode=True)
    second_settings = msgspec.structs.replace(second_settings, demo_mode=True)
    first = create_app(first_settings)
    async with LifespanManager(first):
        first_epoch = await served_epoch(first)
        assert first_epoch == await dataset_version("feed_epoch")
    second = create_app(second_settings)
    async with LifespanManager(second):
        epoch = await served_epoch(second)
        assert epoch == await dataset_version("feed_epoch")
    assert epoch != first_epoch

"""An empty database migrates to the current schema on each engine, twice safely."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.database import bind_engine, build_engine, close_engine, open_engine
from server.migrate import migrate
from server.piccolo_app import MIGRATIONS_DIR
from server.tables import ALL_TABLES
from tests.support import databases as dbs


@pytest.fixture
def empty_settings(engine_kind: str, tmp_path: Path):
    if engine_kind == "sqlite":
        yield dbs.settings_for(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)
        return
    problem = dbs.postgres_available()
    if problem:
        pytest.fail(problem) if dbs.os.environ.get("CI") == "true" else pytest.skip(problem)
    name = dbs.create_pg_database("motcua_migrate")
    try:
        yield dbs.settings_for(dbs.pg_url(name), tmp_path)
    finally:
        dbs.drop_pg_database(name)


async def test_empty_database_migrates_to_current_schema(empty_settings) -> None:
    engine = build_engine(empty_settings)
    bind_engine(engine)
    await open_engine(engine, empty_settings)
    try:
        report = await migrate(engine)
        count = len(list(MIGRATIONS_DIR.glob("m*.py")))
        assert f"Running {count} migrations" in report
        for table in ALL_TABLES:
            assert await table.table_exists(), table._meta.tablename
            # Every column the code declares exists in the database.
            await table.select().limit(1)
        again = await migrate(engine)
        assert "No migrations need to be run" in again
    finally:
        await close_engine(engine)

"""Real databases for tests: a migrated, seeded SQLite template copied per test,
and one PostgreSQL database per test run, dropped at the end."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from pathlib import Path

import asyncpg

from server.database import bind_engine, build_engine, close_engine, open_engine
from server.migrate import migrate
from server.seed import seed_reference_data
from server.settings import Settings, load_settings

PG_ADMIN_URL = os.environ.get("MOTCUA_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


# argon2 at its cheapest: tests hash and check thousands of passwords, and what they
# test is who may sign in, not how hard a stolen hash is to crack. Servers the tests
# start as processes get the same through their environment.
CHEAP_PASSWORD_HASHING = {
    "MOTCUA_ARGON2_TIME_COST": "1",
    "MOTCUA_ARGON2_MEMORY_KIB": "64",
    "MOTCUA_ARGON2_PARALLELISM": "1",
}


def settings_for(database_url: str, data_dir: Path) -> Settings:
    return load_settings(
        {
            "MOTCUA_DATABASE_URL": database_url,
            "MOTCUA_DATA_DIR": str(data_dir),
            **CHEAP_PASSWORD_HASHING,
        }
    )


async def _prepare(settings: Settings, seed: bool) -> None:
    engine = build_engine(settings)
    bind_engine(engine)
    await open_engine(engine, settings)
    try:
        await migrate(engine)
        if seed:
            await seed_reference_data(engine)
    finally:
        await close_engine(engine)


def prepare_database(settings: Settings, seed: bool = True) -> None:
    asyncio.run(_prepare(settings, seed))


def pg_url(database: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{database}"


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        asyncio.run(_pg_admin("SELECT 1"))
        return None
    except Exception as exc:  # any failure to connect means unavailable
        return f"{type(exc).__name__}: {exc}"


def create_pg_database(prefix: str = "motcua_test", template: str | None = None) -> str:
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    clause = f' TEMPLATE "{template}"' if template else ""
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"{clause}'))
    return name


def drop_pg_database(name: str) -> None:
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def copy_sqlite(template: Path, target_dir: Path) -> Path:
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / "motcua.db"
    shutil.copyfile(template, target)
    return target

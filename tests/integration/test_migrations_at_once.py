"""Two hosts starting at once on a fresh database both migrate it: one waits for the
other (a PostgreSQL advisory lock; on SQLite a lock file beside the database), instead
of one crashing on a table the other just made."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from harness.server_process import server_env
from tests.support import databases as dbs

MOTCUA = Path(sys.executable).parent / "motcua"
ROUNDS = 3


async def _migrate_twice_at_once(url: str, data_dir: Path) -> list[tuple[int, str]]:
    env = server_env(dbs.settings_for(url, data_dir))

    async def one() -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            str(MOTCUA),
            "migrate",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output = (await process.communicate())[0].decode()
        return process.returncode or 0, output

    return list(await asyncio.gather(one(), one()))


@pytest.mark.slow  # real processes migrating real databases, three times each
def test_two_processes_migrate_a_fresh_database_at_once(
    engine_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if engine_kind == "postgres":
        request.getfixturevalue("postgres_template")  # PostgreSQL is there (or CI fails)
    for round_ in range(ROUNDS):
        data_dir = tmp_path / f"round{round_}"
        data_dir.mkdir()
        if engine_kind == "postgres":
            name = dbs.create_pg_database("motcua_migrate_race")
            try:
                results = asyncio.run(_migrate_twice_at_once(dbs.pg_url(name), data_dir))
            finally:
                dbs.drop_pg_database(name)
        else:
            url = f"sqlite:///{data_dir / 'motcua.db'}"
            results = asyncio.run(_migrate_twice_at_once(url, data_dir))
        for code, output in results:
            assert code == 0, output
            assert "Traceback" not in output, output

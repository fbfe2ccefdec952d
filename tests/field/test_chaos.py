"""Chaos, CI-sized (harness/chaos.py says what happens; bench/chaos.py runs
it with 100 devices): phones offline at random, connections cut mid-request,
batches sent twice, out of order, replayed, answers lost, and server processes
killed with SIGKILL and restarted. At the end no draft is lost, no code is given
twice, each mutation is applied exactly once, every phone has converged.

PostgreSQL: three processes share the database. SQLite: one process, killed and
restarted. The invariants are counts, never times. Each run prints its random seed;
MOTCUA_CHAOS_SEED=<seed> replays that plan (the timings still vary)."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from harness.chaos import Chaos, ChaosPlan, render
from server.database import bound_engine
from server.settings import Settings
from tests.conftest import ENGINES
from tests.support import databases as dbs

# Server processes killed and restarted under simulated phones: tens of seconds each.
pytestmark = pytest.mark.slow


def chaos_seed() -> int:
    return int(os.environ.get("MOTCUA_CHAOS_SEED") or random.randrange(1 << 30))


async def run_chaos(plan: ChaosPlan, settings: Settings, tmp_path: Path) -> None:
    print(f"random seed {plan.seed}")
    async with bound_engine(settings):
        chaos = Chaos(plan, settings, tmp_path)
        async with chaos:
            try:
                result = await chaos.run()
            except BaseException:
                print(chaos.logs()[-20000:])
                raise
        print(render(result))
        if not result.ok:
            print(chaos.logs()[-20000:])
    # The chaos happened...
    counts = result.counts
    assert counts["processes killed (SIGKILL)"] == counts["processes restarted"] == plan.kills
    assert counts["connections cut mid-request"] >= 1
    assert counts["drafts created"] >= plan.devices and counts["submissions queued"] >= 1
    assert counts.get("batches sent twice at once", 0) + counts.get("old batches replayed", 0) >= 1
    # ...and none of it shows.
    assert result.checks == dict.fromkeys(result.checks, 0), render(result)
    assert counts["devices converged"] == plan.devices
    assert counts["mutations confirmed"] == counts["mutations queued"]


async def test_chaos_three_processes_on_postgres(postgres_database: str, tmp_path: Path) -> None:
    if "postgres" not in ENGINES:
        pytest.skip("PostgreSQL is not among MOTCUA_TEST_ENGINES")
    settings = dbs.settings_for(dbs.pg_url(postgres_database), tmp_path / "data")
    plan = ChaosPlan(
        devices=20, processes=3, sessions=6, kills=2, seed=chaos_seed(), cut_every=20_000
    )
    await run_chaos(plan, settings, tmp_path)


async def test_chaos_one_process_on_sqlite(sqlite_template: Path, tmp_path: Path) -> None:
    if "sqlite" not in ENGINES:
        pytest.skip("SQLite is not among MOTCUA_TEST_ENGINES")
    path = dbs.copy_sqlite(sqlite_template, tmp_path / "data")
    settings = dbs.settings_for(f"sqlite:///{path}", tmp_path / "data")
    plan = ChaosPlan(
        devices=6, processes=1, sessions=6, kills=1, seed=chaos_seed(), cut_every=10_000
    )
    await run_chaos(plan, settings, tmp_path)

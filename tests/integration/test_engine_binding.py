"""Binding the application's engine: Piccolo's machinery finds it through its
configuration module, and binding writes no other module's globals."""

from __future__ import annotations

from pathlib import Path

from piccolo.engine.finder import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

from server import piccolo_conf
from server.database import bind_engine
from server.tables import ALL_TABLES


def test_piccolo_finds_the_bound_engine_and_no_global_is_written(tmp_path: Path) -> None:
    first = SQLiteEngine(path=str(tmp_path / "first.db"))
    second = SQLiteEngine(path=str(tmp_path / "second.db"))
    before = dict(vars(piccolo_conf))
    bind_engine(first)
    assert engine_finder() is first
    assert all(table._meta.db is first for table in ALL_TABLES)
    bind_engine(second)
    assert engine_finder() is second
    assert piccolo_conf.DB is second
    # The configuration module's own namespace is untouched by binding.
    assert dict(vars(piccolo_conf)) == before
    assert "DB" not in vars(piccolo_conf)

"""The `motcua` command as a person runs it: real processes, one-line errors."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

MOTCUA = [sys.executable, "-m", "server.cli"]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        MOTCUA + args, env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )


@pytest.mark.slow  # six `motcua` processes, each migrating or seeding a fresh database
def test_migrate_seed_demo_twice_on_a_fresh_directory(tmp_path: Path) -> None:
    env = {"MOTCUA_DATA_DIR": str(tmp_path)}
    env.pop("MOTCUA_DATABASE_URL", None)
    for args in (["migrate"], ["seed"], ["demo"], ["demo"]):
        result = run(args, env)
        assert result.returncode == 0, result.stderr
    assert "34 provinces, 3321 communes" in run(["seed"], env).stdout
    db = sqlite3.connect(tmp_path / "motcua.db")
    # The demo's dossiers are pushed with fixed ids: a second run adds nothing.
    assert db.execute("SELECT count(*) FROM dossier").fetchone()[0] == 2
    assert db.execute("SELECT state FROM dossier WHERE code IS NOT NULL").fetchone()[0] == 2
    assert db.execute("SELECT count(*) FROM account WHERE is_demo").fetchone()[0] == 4


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    for command in (["check"], ["migrate"], ["serve"]):
        result = run(
            command,
            {
                "MOTCUA_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/nowhere",
                "MOTCUA_DATA_DIR": str(tmp_path),
            },
        )
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert result.stderr.strip().count("\n") == 0 and "127.0.0.1:1" in result.stderr


def test_broken_catalog_file_is_named_and_nothing_is_loaded(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    shutil.copytree(Path("server/catalog/data"), catalog)
    (catalog / "procedures" / "ket-hon.json").write_text("{ broken", encoding="utf-8")
    env = {"MOTCUA_DATA_DIR": str(tmp_path), "MOTCUA_CATALOG_DIR": str(catalog)}
    assert run(["migrate"], env).returncode == 0
    result = run(["seed"], env)
    assert (
        result.returncode == 1
        and "ket-hon.json" in result.stderr
        and "Traceback" not in result.stderr
    )
    db = sqlite3.connect(tmp_path / "motcua.db")
    assert db.execute("SELECT count(*) FROM procedure").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM commune").fetchone()[0] == 0


def test_bad_setting_is_named(tmp_path: Path) -> None:
    result = run(["check"], {"MOTCUA_PORT": "eighty", "MOTCUA_DATA_DIR": str(tmp_path)})
    assert (
        result.returncode == 1
        and "MOTCUA_PORT" in result.stderr
        and "Traceback" not in result.stderr
    )


def test_serve_refuses_a_trusted_proxy_that_is_not_an_address(tmp_path: Path) -> None:
    env = {"MOTCUA_TRUSTED_PROXIES": "10.0.0.1, nginx", "MOTCUA_DATA_DIR": str(tmp_path)}
    result = run(["serve"], env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "MOTCUA_TRUSTED_PROXIES" in result.stderr and "'nginx'" in result.stderr


def test_serve_refuses_several_processes_on_a_database_in_memory(tmp_path: Path) -> None:
    """`--processes` is checked as MOTCUA_PROCESSES is: each worker would have an empty
    database of its own. Refused before anything is served (a server that started would
    run until the timeout and fail the test)."""
    from harness.server_process import free_port

    env = {"MOTCUA_DATABASE_URL": "sqlite:///:memory:", "MOTCUA_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [*MOTCUA, "serve", "--processes", "2", "--port", str(free_port())],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "--processes" in result.stderr and "file of its own" in result.stderr


def test_check_says_whose_forwarded_headers_are_believed(tmp_path: Path) -> None:
    env = {"MOTCUA_DATA_DIR": str(tmp_path)}
    assert "proxies:  none" in run(["check"], env).stdout
    env["MOTCUA_TRUSTED_PROXIES"] = "10.0.0.0/8,::1"
    assert "proxies:  10.0.0.0/8, ::1/128" in run(["check"], env).stdout

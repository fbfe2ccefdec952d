"""`motcua backup`, `motcua restore` and `motcua restored` on both databases
(docs/backups.md; sync/README.md §9)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
import uuid
from pathlib import Path
from typing import Any, cast

import msgspec
import pytest
from piccolo.engine.base import Engine

from server.dossiers.tables import Dossier
from server.recovery.backup import schema_version
from server.recovery.tables import BackupLog, ServerGeneration
from server.reference.tables import ReferenceDataset
from server.settings import Settings
from tests.recovery.helpers import (
    Phone,
    cli,
    motcua,
    new_phone,
    push_draft,
    store_blob,
    utc,
    with_app,
    with_database,
)
from tests.support.databases import settings_for


def _first_life(settings: Settings) -> tuple[Phone, uuid.UUID]:
    async def work(app):
        phone = await new_phone(app)
        before = await push_draft(app, phone, child="Trước Sao Lưu")
        return phone, before

    return asyncio.run(with_app(settings, work))


class Restored(msgspec.Struct):
    present: set[uuid.UUID]
    generations: list[dict[str, Any]]
    epochs: int
    backups: int


async def _restored(dossiers: list[uuid.UUID]) -> Restored:
    rows = await Dossier.select(Dossier.id).where(Dossier.id.is_in(dossiers))
    return Restored(
        present={row["id"] for row in rows},
        generations=await ServerGeneration.select().order_by(ServerGeneration.number),
        epochs=await ReferenceDataset.count().where(ReferenceDataset.name == "feed_epoch"),
        backups=await BackupLog.count(),
    )


def test_round_trip_forgets_what_came_after_the_backup_and_begins_a_generation(
    settings: Settings, tmp_path: Path
) -> None:
    phone, before = _first_life(settings)
    kept_blob = asyncio.run(store_blob(settings, b"%PDF-1.4 before the backup"))
    target = tmp_path / "backups" / "monday"

    taken = cli(settings, "backup", str(target))
    assert taken.exit_code == 0, taken.output
    assert f"backup of {settings.engine} taken at" in taken.output
    manifest = json.loads((target / "manifest.json").read_text())
    schema = asyncio.run(with_database(settings, schema_version))
    assert manifest["engine"] == settings.engine and manifest["generation"] == 1
    assert manifest["schema"] == schema and manifest["blob_store"] == "local"
    assert manifest["blob_count"] == 1 and manifest["blob_bytes"] == kept_blob.stat().st_size
    database = target / manifest["database_file"]
    assert manifest["database_bytes"] == database.stat().st_size > 0
    assert (target / "blobs" / kept_blob.relative_to(settings.data_dir / "blobs")).is_file()

    async def after_backup(app):
        return await push_draft(app, phone, child="Sau Sao Lưu")

    after = asyncio.run(with_app(settings, after_backup))
    lost_blob = asyncio.run(store_blob(settings, b"%PDF-1.4 after the backup"))
    shutil.rmtree(settings.data_dir / "blobs")  # the disk that held the files died too

    restored = cli(settings, "restore", str(target))
    assert restored.exit_code == 0, restored.output
    assert "must be stopped" in restored.output
    assert "blobs: 1 files" in restored.output
    assert "restored: generation 2 (backup taken at" in restored.output
    assert "dropped" not in restored.output  # the database held nothing the backup lacks

    state = asyncio.run(with_database(settings, lambda _: _restored([before, after])))
    assert state.present == {before}
    [first] = state.generations
    assert first["number"] == 2 and first["cause"] == "restore"
    assert utc(first["backup_taken_at"]) == utc(manifest["taken_at"])
    assert state.epochs == 0  # every cursor is unknown: devices pull from the top
    assert state.backups == 1
    assert kept_blob.read_bytes() == b"%PDF-1.4 before the backup"
    assert not lost_blob.exists()


def test_restore_keeps_the_blob_files_the_store_has(settings: Settings, tmp_path: Path) -> None:
    blob = asyncio.run(store_blob(settings, b"\xff\xd8\xff a photo"))
    assert cli(settings, "backup", str(tmp_path / "b")).exit_code == 0
    copy = tmp_path / "b" / "blobs" / blob.relative_to(settings.data_dir / "blobs")
    copy.write_bytes(b"not what the store holds")  # never written over a file the store has
    partial = settings.data_dir / "blobs" / "ab" / ".upload.tmp"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"half")
    assert cli(settings, "restore", str(tmp_path / "b")).exit_code == 0
    assert blob.read_bytes() == b"\xff\xd8\xff a photo"
    assert cli(settings, "backup", str(tmp_path / "c")).exit_code == 0
    assert not list((tmp_path / "c" / "blobs").rglob(".*"))  # partial writes left out


def test_backup_refuses_a_directory_that_is_not_empty(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    (tmp_path / "file").write_text("a file")
    for path in (tmp_path / "full", tmp_path / "file"):
        result = cli(settings, "backup", str(path))
        assert result.exit_code == 1
        assert str(path) in result.output and "Traceback" not in result.output
    assert (tmp_path / "full" / "notes.txt").read_text() == "mine"
    assert asyncio.run(with_database(settings, lambda _: BackupLog.count())) == 0  # nothing logged


def test_backup_into_an_empty_directory_is_fine(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert cli(settings, "backup", str(tmp_path / "empty")).exit_code == 0
    assert (tmp_path / "empty" / "manifest.json").is_file()


def test_restore_refuses_a_backup_without_a_valid_manifest(
    settings: Settings, tmp_path: Path
) -> None:
    target = tmp_path / "b"
    assert cli(settings, "backup", str(target)).exit_code == 0
    manifest = (target / "manifest.json").read_text()
    (target / "manifest.json").unlink()
    result = cli(settings, "restore", str(target))
    assert result.exit_code == 1 and "no manifest.json" in result.output
    assert "must be stopped" not in result.output  # refused before anything began
    (target / "manifest.json").write_text("{ half a manifest")
    result = cli(settings, "restore", str(target))
    assert result.exit_code == 1 and "not a valid backup manifest" in result.output
    (target / "manifest.json").write_text(manifest)
    database = target / json.loads(manifest)["database_file"]
    database.write_bytes(database.read_bytes()[:4096])  # cut short
    result = cli(settings, "restore", str(target))
    assert result.exit_code == 1 and "not the" in result.output and "bytes" in result.output
    result = cli(settings, "restore", str(tmp_path / "nowhere"))
    assert result.exit_code == 1 and "no such backup directory" in result.output
    assert asyncio.run(with_database(settings, lambda _: ServerGeneration.count())) == 0


def test_restore_refuses_a_backup_of_the_other_engine(settings: Settings, tmp_path: Path) -> None:
    target = tmp_path / "b"
    assert cli(settings, "backup", str(target)).exit_code == 0
    manifest = json.loads((target / "manifest.json").read_text())
    other, name = (
        ("postgres", "database.pgdump")
        if settings.engine == "sqlite"
        else ("sqlite", "database.sqlite")
    )
    (target / manifest["database_file"]).rename(target / name)
    manifest.update(engine=other, database_file=name)
    (target / "manifest.json").write_text(json.dumps(manifest))
    result = cli(settings, "restore", str(target))
    assert result.exit_code == 1
    assert "configured database (MOTCUA_DATABASE_URL) is" in result.output
    assert asyncio.run(with_database(settings, lambda _: ServerGeneration.count())) == 0


def test_restored_declares_a_generation(settings: Settings) -> None:
    result = cli(settings, "restored", "--backup-taken-at", "2026-12-01T08:00:00+07:00")
    assert result.exit_code == 0, result.output
    assert "generation 2" in result.output and "2026-12-01T01:00:00+00:00" in result.output
    result = cli(settings, "restored")
    assert result.exit_code == 0 and "generation 3" in result.output
    bad = cli(settings, "restored", "--backup-taken-at", "yesterday")
    assert bad.exit_code == 1 and "--backup-taken-at" in bad.output

    rows = asyncio.run(
        with_database(
            settings, lambda _: ServerGeneration.select().order_by(ServerGeneration.number)
        )
    )
    assert [(r["number"], r["cause"]) for r in rows] == [(2, "declared"), (3, "declared")]
    assert utc(rows[0]["backup_taken_at"]) == dt.datetime(2026, 12, 1, 1, tzinfo=dt.UTC)
    assert rows[1]["backup_taken_at"] is None


def test_the_console_script_backs_up_and_restores(settings: Settings, tmp_path: Path) -> None:
    taken = motcua(settings, "backup", str(tmp_path / "b"))
    assert taken.returncode == 0, taken.stderr
    assert taken.stdout.count("\n") == 1  # one line
    again = motcua(settings, "backup", str(tmp_path / "b"))
    assert again.returncode == 1 and "not empty" in again.stderr
    assert "Traceback" not in again.stderr and again.stderr.count("\n") == 1
    restored = motcua(settings, "restore", str(tmp_path / "b"))
    assert restored.returncode == 0, restored.stderr
    assert "generation 2" in restored.stdout
    usage = " ".join(motcua(settings, "restore", "--help").stdout.split())
    assert "Stop every motcua server first" in usage


def test_missing_pg_dump_is_named_and_nothing_is_left(
    settings: Settings, tmp_path: Path, engine_kind: str
) -> None:
    if engine_kind != "postgres":
        pytest.skip("pg_dump is for PostgreSQL")
    result = cli(settings, "backup", str(tmp_path / "b"), env={"PATH": str(tmp_path)})
    assert result.exit_code == 1 and "pg_dump not found" in result.output
    assert not (tmp_path / "b").exists()
    assert asyncio.run(with_database(settings, lambda _: BackupLog.count())) == 0


def test_restore_leaves_nothing_the_backup_did_not_have(settings: Settings, tmp_path: Path) -> None:
    """As a migration newer than the backup would have made: a table, its sequence, a
    function. Left behind, the migration would fail on "already exists" once rerun."""
    assert cli(settings, "backup", str(tmp_path / "b")).exit_code == 0

    async def newer_schema(engine: Engine) -> None:
        await engine.run_ddl("CREATE TABLE left_behind (id INTEGER PRIMARY KEY, note TEXT)")
        await engine.run_ddl("INSERT INTO left_behind VALUES (1, 'written after the backup')")
        if settings.engine == "postgres":
            await engine.run_ddl("CREATE SEQUENCE left_behind_seq")
            await engine.run_ddl(
                "CREATE FUNCTION left_behind_fn() RETURNS integer AS 'SELECT 1' LANGUAGE sql"
            )

    asyncio.run(with_database(settings, newer_schema))
    result = cli(settings, "restore", str(tmp_path / "b"))
    assert result.exit_code == 0, result.output
    if settings.engine == "postgres":
        assert "table left_behind" in result.output

    async def remaining(engine: Engine) -> list[str]:
        if settings.engine == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE name LIKE 'left_behind%'"
        else:
            query = (
                "SELECT relname AS name FROM pg_class WHERE relname LIKE 'left_behind%' "
                "UNION SELECT proname FROM pg_proc WHERE proname LIKE 'left_behind%'"
            )
        rows = cast("list[Any]", await engine.run_ddl(query))
        return [str(row["name"]) for row in rows]

    assert asyncio.run(with_database(settings, remaining)) == []


def test_backup_refuses_a_database_that_was_never_migrated(tmp_path: Path) -> None:
    empty = settings_for(f"sqlite:///{tmp_path / 'data' / 'motcua.db'}", tmp_path / "data")
    result = cli(empty, "backup", str(tmp_path / "b"))
    assert result.exit_code == 1, result.output
    assert "run motcua migrate" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "b").exists()


def test_backup_of_an_s3_store_copies_no_blob_and_says_the_bucket_must_be_versioned(
    settings: Settings, tmp_path: Path
) -> None:
    asyncio.run(store_blob(settings, b"a file in the local directory, not used with S3"))
    s3 = {"MOTCUA_BLOB_BACKEND": "s3", "MOTCUA_S3_BUCKET": "motcua-files"}
    result = cli(settings, "backup", str(tmp_path / "b"), env=s3)
    assert result.exit_code == 0, result.output
    assert "bucket must be versioned" in result.output
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["blob_store"] == "s3" and manifest["blob_count"] == 0
    assert "bucket must be versioned" in manifest["note"]
    assert not (tmp_path / "b" / "blobs").exists()

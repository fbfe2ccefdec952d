"""`motcua seed` for the catalog: versions, withdrawal, and broken files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from server.catalog.loader import DATA_DIR, CatalogDataError, load_catalog
from server.catalog.tables import Procedure, ProcedureVersion
from server.database import bind_engine, build_engine, close_engine, open_engine
from server.seed import seed_reference_data
from server.settings import Settings


def copy_catalog(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(DATA_DIR, target)
    return target


def edit(path: Path, change) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
async def engine(settings: Settings):
    engine = build_engine(settings)
    bind_engine(engine)
    await open_engine(engine, settings)
    yield engine
    await close_engine(engine)


def inline_sections(data: dict) -> list[dict]:
    return [s for s in data["form"]["sections"] if "fields" in s]


async def versions_of(code: str) -> list[int]:
    rows = (
        await ProcedureVersion.select(ProcedureVersion.version)
        .where(ProcedureVersion.procedure_code == code)
        .order_by(ProcedureVersion.version)
    )
    return [r["version"] for r in rows]


async def test_reseeding_unchanged_data_adds_no_version(engine, tmp_path: Path) -> None:
    report = await seed_reference_data(engine, copy_catalog(tmp_path))
    assert report.catalog.new_versions == []
    assert report.communes.added == report.communes.changed == report.communes.removed == 0


async def test_changed_schema_makes_a_new_version_and_keeps_the_old(engine, tmp_path) -> None:
    catalog = copy_catalog(tmp_path)
    before = await versions_of("khai-sinh")

    def relabel(data):
        data["notes"].append({"vi": "Ghi chú mới.", "en": "A new note."})

    edit(catalog / "procedures" / "khai-sinh.json", relabel)
    report = await seed_reference_data(engine, catalog)
    assert report.catalog.new_versions == [f"khai-sinh v{before[-1] + 1}"]
    assert await versions_of("khai-sinh") == [*before, before[-1] + 1]
    current = await Procedure.select().where(Procedure.code == "khai-sinh").first()
    assert current["current_version"] == before[-1] + 1


async def test_removed_file_withdraws_the_procedure(engine, tmp_path) -> None:
    catalog = copy_catalog(tmp_path)
    (catalog / "procedures" / "chung-thuc-ban-sao.json").unlink(missing_ok=False)
    report = await seed_reference_data(engine, catalog)
    assert report.catalog.withdrawn == ["chung-thuc-ban-sao"]
    row = await Procedure.select().where(Procedure.code == "chung-thuc-ban-sao").first()
    assert row["active"] is False
    assert await versions_of("chung-thuc-ban-sao")


@pytest.mark.parametrize(
    "breakage, entry",
    [
        (lambda p: p.write_text("{not json", encoding="utf-8"), "$"),
        (lambda p: edit(p, lambda d: d.update(level=5)), "$"),
        (lambda p: edit(p, lambda d: d.update(code="Khai Sinh")), "code"),
        (
            lambda p: edit(p, lambda d: d["form"]["sections"].append({"use": "no-such-fragment"})),
            "form.sections",
        ),
        (
            lambda p: edit(p, lambda d: inline_sections(d)[0]["fields"][0].update(type="colour")),
            "form",
        ),
    ],
)
async def test_broken_file_is_named_and_nothing_is_stored(
    engine, tmp_path, breakage, entry
) -> None:
    catalog = copy_catalog(tmp_path)
    target = catalog / "procedures" / "khai-tu.json"
    # A valid change in another file must not be stored either.
    edit(
        catalog / "procedures" / "khai-sinh.json",
        lambda d: d["notes"].append({"vi": "x", "en": "x"}),
    )
    breakage(target)
    before = await ProcedureVersion.count()
    with pytest.raises(CatalogDataError) as info:
        await seed_reference_data(engine, catalog)
    assert "khai-tu.json" in str(info.value)
    assert info.value.entry.startswith(entry)
    assert await ProcedureVersion.count() == before


def test_every_shipped_file_loads() -> None:
    loaded = load_catalog()
    codes = [p.definition.code for p in loaded]
    assert len(codes) == len(set(codes)) >= 21

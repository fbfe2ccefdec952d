"""Reading the catalog back out of the database."""

from __future__ import annotations

import msgspec

from server.catalog.definition import ProcedureDefinition
from server.catalog.loader import documents_of
from server.catalog.schemas import CatalogPayload, ProcedureDetail, ProcedureSummary
from server.catalog.tables import Procedure, ProcedureVersion


class VersionRow(msgspec.Struct, frozen=True):
    code: str
    version: int
    content_hash: str
    definition: ProcedureDefinition


def _summary_fields(row: VersionRow) -> dict:
    d = row.definition
    return {
        "code": d.code,
        "family": d.family,
        "name": d.name,
        "level": d.level,
        "processing": d.processing,
        "fee": d.fee,
        "notes": d.notes,
        "documents": documents_of(d),
        "version": row.version,
        "deadline": d.deadline,
        "linked_tasks": d.linked_tasks,
    }


def to_summary(row: VersionRow) -> ProcedureSummary:
    return ProcedureSummary(**_summary_fields(row))


def to_detail(row: VersionRow) -> ProcedureDetail:
    return ProcedureDetail(
        **_summary_fields(row), form=row.definition.form, content_hash=row.content_hash
    )


def _row(r: dict) -> VersionRow:
    return VersionRow(
        code=r["procedure_code"],
        version=r["version"],
        content_hash=r["content_hash"],
        definition=msgspec.json.decode(r["definition"], type=ProcedureDefinition),
    )


async def procedure_version(code: str, version: int) -> VersionRow | None:
    r = (
        await ProcedureVersion.select()
        .where((ProcedureVersion.procedure_code == code) & (ProcedureVersion.version == version))
        .first()
    )
    return _row(r) if r else None


async def current_version(code: str) -> VersionRow | None:
    p = (
        await Procedure.select(Procedure.current_version)
        .where((Procedure.code == code) & Procedure.active.eq(True))
        .first()
    )
    if p is None:
        return None
    return await procedure_version(code, p["current_version"])


async def procedure_versions(code: str) -> list[int]:
    rows = (
        await ProcedureVersion.select(ProcedureVersion.version)
        .where(ProcedureVersion.procedure_code == code)
        .order_by(ProcedureVersion.version)
    )
    return [r["version"] for r in rows]


async def catalog(version: str, family: str | None = None) -> CatalogPayload:
    procedures = (
        await Procedure.select().where(Procedure.active.eq(True)).order_by(Procedure.position)
    )
    summaries = []
    for p in procedures:
        if family and p["family"] != family:
            continue
        row = await procedure_version(p["code"], p["current_version"])
        if row is not None:
            summaries.append(to_summary(row))
    return CatalogPayload(version=version, procedures=summaries)

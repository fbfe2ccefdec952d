"""Load the procedure data files into the database (called by `motcua seed`).

A definition whose content changed becomes a new version; older versions stay,
because a dossier keeps the version it was drafted against."""

from __future__ import annotations

import hashlib

import msgspec

from server.catalog.loader import LoadedProcedure, load_catalog
from server.catalog.tables import Procedure, ProcedureVersion
from server.clock import utcnow
from server.reference.versions import set_dataset_version

DATASET = "catalog"
FAMILY_ORDER = (
    "birth",
    "death",
    "marriage",
    "extract",
    "recognition",
    "guardianship",
    "marital_status",
    "correction",
    "certified_copy",
)


class CatalogSeedReport(msgspec.Struct):
    procedures: int
    new_versions: list[str]
    withdrawn: list[str]
    version: str


def display_order(loaded: list[LoadedProcedure]) -> list[LoadedProcedure]:
    return sorted(
        loaded, key=lambda p: (FAMILY_ORDER.index(p.definition.family), p.definition.code)
    )


async def seed_catalog(loaded: list[LoadedProcedure] | None = None) -> CatalogSeedReport:
    """Runs inside the caller's transaction."""
    loaded = display_order(loaded if loaded is not None else load_catalog())
    now = utcnow()
    latest: dict[str, tuple[int, str]] = {}
    for row in await ProcedureVersion.select(
        ProcedureVersion.procedure_code, ProcedureVersion.version, ProcedureVersion.content_hash
    ).order_by(ProcedureVersion.version):
        latest[row["procedure_code"]] = (row["version"], row["content_hash"])
    known = {r["code"] for r in await Procedure.select(Procedure.code)}

    new_versions = []
    for position, item in enumerate(loaded):
        code = item.definition.code
        version, content_hash = latest.get(code, (0, ""))
        if content_hash != item.content_hash:
            version += 1
            await ProcedureVersion.insert(
                ProcedureVersion(
                    procedure_code=code,
                    version=version,
                    content_hash=item.content_hash,
                    definition=item.canonical.decode(),
                    created_at=now,
                )
            )
            new_versions.append(f"{code} v{version}")
        values = {
            "family": item.definition.family,
            "current_version": version,
            "position": position,
            "active": True,
        }
        if code in known:
            await Procedure.update(values).where(Procedure.code == code)  # pyright: ignore[reportArgumentType]  # Piccolo types values as a dict[Column | str, ...], invariant: str keys are what it takes
        else:
            await Procedure.insert(Procedure(code=code, **values))

    wanted = {p.definition.code for p in loaded}
    withdrawn = sorted(known - wanted)
    if withdrawn:
        await Procedure.update({Procedure.active: False}).where(Procedure.code.is_in(withdrawn))

    digest = hashlib.sha256()
    for item in loaded:
        digest.update(item.definition.code.encode() + b"\0" + item.content_hash.encode() + b"\n")
    version = digest.hexdigest()[:32]
    await set_dataset_version(DATASET, version)
    return CatalogSeedReport(
        procedures=len(loaded), new_versions=new_versions, withdrawn=withdrawn, version=version
    )

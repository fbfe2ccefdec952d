"""Load provinces and communes into the database (called by `motcua seed`)."""

from __future__ import annotations

import msgspec

from server.communes.payload import build_payload_bytes
from server.communes.source import SourceCommune, SourceProvince, load_source
from server.communes.tables import Commune, Province
from server.reference.versions import content_etag, set_dataset_version

DATASET = "communes"
_CHUNK = 500


class CommunesSeedReport(msgspec.Struct):
    provinces: int
    communes: int
    added: int
    changed: int
    removed: int
    version: str


def _default_agency(row: dict) -> str:
    """The agency name the seed gives a commune stored as `row`."""
    try:
        return SourceCommune(code=row["code"], name=row["name"], kind=row["kind"]).agency_name
    except KeyError:  # an unknown kind: treat the name as the seed's own
        return row["agency_name"]


async def seed_communes(source: list[SourceProvince] | None = None) -> CommunesSeedReport:
    """Make the tables equal to the source. Runs inside the caller's transaction."""
    source = source if source is not None else load_source()
    existing_p = {r["code"]: r for r in await Province.select()}
    for position, p in enumerate(source):
        row = {"code": p.code, "name": p.name, "kind": p.kind, "position": position}
        if p.code not in existing_p:
            await Province.insert(Province(**row))
        elif any(existing_p[p.code][k] != v for k, v in row.items()):
            await Province.update(row).where(Province.code == p.code)  # pyright: ignore[reportArgumentType]  # Piccolo types values as a dict[Column | str, ...], invariant: str keys are what it takes

    existing = {r["code"]: r for r in await Commune.select()}
    wanted = {}
    for p in source:
        for c in p.communes:
            wanted[c.code] = {
                "code": c.code,
                "province": p.code,
                "name": c.name,
                "kind": c.kind,
                "agency_name": c.agency_name,
            }
    new_rows = [Commune(**row) for code, row in wanted.items() if code not in existing]
    for i in range(0, len(new_rows), _CHUNK):
        await Commune.insert(*new_rows[i : i + _CHUNK])
    changed = 0
    for code, row in wanted.items():
        old = existing.get(code)
        if old is not None and old["agency_name"] != _default_agency(old):
            # Renamed by an administrator at /admin: keep it.
            row["agency_name"] = old["agency_name"]
        if old is not None and any(old[k] != v for k, v in row.items()):
            await Commune.update({k: v for k, v in row.items() if k != "code"}).where(
                Commune.code == code
            )
            changed += 1
    removed = [code for code in existing if code not in wanted]
    if removed:
        await Commune.delete().where(Commune.code.is_in(removed))
    stale_provinces = [code for code in existing_p if code not in {p.code for p in source}]
    if stale_provinces:
        await Province.delete().where(Province.code.is_in(stale_provinces))

    version = content_etag(await build_payload_bytes(version=""))
    await set_dataset_version(DATASET, version)
    return CommunesSeedReport(
        provinces=len(source),
        communes=len(wanted),
        added=len(new_rows),
        changed=changed,
        removed=len(removed),
        version=version,
    )

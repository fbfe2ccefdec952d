"""The communes dataset as served, built from the database."""

from __future__ import annotations

import msgspec

from server.communes.schemas import CommunesPayload, ProvinceEntry
from server.communes.source import KIND_NAMES
from server.communes.tables import Commune, Province

_encoder = msgspec.json.Encoder()


async def build_payload(version: str) -> CommunesPayload:
    provinces = await Province.select().order_by(Province.position)
    communes = await Commune.select(
        Commune.code, Commune.province, Commune.name, Commune.kind
    ).order_by(Commune.code)
    by_province: dict[str, list[tuple[str, str, str]]] = {p["code"]: [] for p in provinces}
    for c in communes:
        by_province[c["province"]].append((c["code"], c["name"], c["kind"]))
    return CommunesPayload(
        version=version,
        kinds=dict(KIND_NAMES),
        provinces=[
            ProvinceEntry(
                code=p["code"], name=p["name"], kind=p["kind"], communes=by_province[p["code"]]
            )
            for p in provinces
        ],
    )


async def build_payload_bytes(version: str) -> bytes:
    return _encoder.encode(await build_payload(version))

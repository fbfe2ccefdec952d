"""Wire shapes of the communes dataset. Compact on purpose: a phone on 2G fetches
the whole country once, then only when the ETag changes."""

from __future__ import annotations

import msgspec

# A commune as [code, name without its kind, kind code (x | p | dk)].
CommuneRow = tuple[str, str, str]


class ProvinceEntry(msgspec.Struct, array_like=False, omit_defaults=True):
    code: str
    name: str
    kind: str
    communes: list[CommuneRow]


class CommunesPayload(msgspec.Struct):
    version: str
    kinds: dict[str, str]
    provinces: list[ProvinceEntry]

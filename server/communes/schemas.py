"""Wire shapes of the communes dataset. Compact on purpose: a phone on 2G fetches
the whole country once, then only when the ETag changes."""

from __future__ import annotations

import msgspec

from server.communes.old_units import OldMatch

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


# An old ward as [name without its kind, kind code, [codes of the communes it went into]].
OldWardRow = tuple[str, str, list[str]]


class OldDistrict(msgspec.Struct, omit_defaults=True):
    name: str
    kind: str
    wards: list[OldWardRow] = []
    # An island district without wards: the special zone it became.
    to: list[str] = []


class OldProvince(msgspec.Struct):
    name: str
    kind: str
    # The code of the province it is part of since 1 July 2025.
    to: str
    districts: list[OldDistrict]


class OldUnitsPayload(msgspec.Struct):
    """The units of before 1 July 2025 (63 provinces, their districts and wards) and
    the communes of today each became."""

    # Where the mapping comes from, and its licence.
    source: str
    kinds: dict[str, str]
    provinces: list[OldProvince]


class OldMatches(msgspec.Struct):
    matches: list[OldMatch]

"""The country's provinces and communes, read from the `vietnam-provinces` package."""

from __future__ import annotations

import json
import unicodedata

import msgspec
from vietnam_provinces import NESTED_DIVISIONS_JSON_PATH

# Compact kind codes for the wire; the app spells them out.
COMMUNE_KINDS = {"xã": "x", "phường": "p", "đặc khu": "dk"}
KIND_NAMES = {code: name for name, code in COMMUNE_KINDS.items()}
_PREFIXES = {"xã": "Xã ", "phường": "Phường ", "đặc khu": "Đặc khu "}


class SourceCommune(msgspec.Struct, frozen=True):
    code: str
    name: str  # without its kind, e.g. "Hoàn Kiếm"
    kind: str  # x | p | dk

    @property
    def full_name(self) -> str:
        return _PREFIXES[KIND_NAMES[self.kind]] + self.name

    @property
    def agency_name(self) -> str:
        return f"Ủy ban nhân dân {KIND_NAMES[self.kind]} {self.name}"


class SourceProvince(msgspec.Struct, frozen=True):
    code: str
    name: str
    kind: str
    communes: list[SourceCommune]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _short_name(full: str, kind: str) -> str:
    prefix = _PREFIXES[kind]
    return full[len(prefix) :] if full.startswith(prefix) else full


def load_source() -> list[SourceProvince]:
    raw = json.loads(NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))
    provinces = []
    for p in raw:
        communes = []
        for w in p["wards"]:
            kind = _nfc(w["division_type"])
            communes.append(
                SourceCommune(
                    code=f"{w['code']:05d}",
                    name=_short_name(_nfc(w["name"]), kind),
                    kind=COMMUNE_KINDS[kind],
                )
            )
        communes.sort(key=lambda c: c.code)
        provinces.append(
            SourceProvince(
                code=f"{p['code']:02d}",
                name=_nfc(p["name"]),
                kind=_nfc(p["division_type"]),
                communes=communes,
            )
        )
    provinces.sort(key=lambda p: p.code)
    return provinces

"""Makes `old_units.json`: every ward, district and province of before 1 July 2025 and
the commune(s) of today each became, in this project's commune codes.

Read from the `vietnamadminunits` package's data (MIT; the mapping compiled from the
General Statistics Office's unit list and the government's merger map, see
docs/decisions.md): the old units (`dataset.db`, table `admin_units_legacy`), the new
ones (table `admin_units`) and which old units went into which new one
(`converter_2025.json`). Only names and the mapping are taken, none of its coordinates.

Its new-unit codes are not ours (114 of 3,321 differ from `vietnam-provinces`, which
`server/communes/source.py` loads), so a new unit is found among ours by province and
name. The package is needed only here (the `test` extra); the server reads the JSON.

    python -m server.communes.old_units_build      # rewrites old_units.json

tests/unit/test_old_units_data.py fails when the file is not what this makes."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import re
import sqlite3
import unicodedata
from pathlib import Path

from server.communes.source import load_source
from sync.text import search_key

PATH = Path(__file__).with_name("old_units.json")
LICENCE_PATH = Path(__file__).with_name("old_units.LICENSE")
PACKAGE = "vietnamadminunits"

# Kind codes of the old units, as `kinds` in the file (the new communes' are x, p, dk).
OLD_KINDS = {
    "t": "tỉnh",
    "tp": "thành phố",
    "q": "quận",
    "h": "huyện",
    "tx": "thị xã",
    "p": "phường",
    "x": "xã",
    "tt": "thị trấn",
}
_BY_NAME = {name: code for code, name in OLD_KINDS.items()}
_NEW_KINDS = {"Phường": "p", "Xã": "x", "Đặc khu": "dk"}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _split(full: str) -> tuple[str, str]:
    """ "Thị trấn Ngọc Lặc" -> ("Ngọc Lặc", "tt"), by the name itself: the package's
    type column is wrong for a few wards."""
    full = _nfc(full)
    for kind in sorted(_BY_NAME, key=len, reverse=True):
        if full.casefold().startswith(kind + " "):  # "Thành Phố Bắc Kạn" too
            return full[len(kind) + 1 :], _BY_NAME[kind]
    raise ValueError(f"no kind in {full!r}")


def _loose(name: str) -> str:
    # "Chân Mây - Lăng Cô" and "Chân Mây – Lăng Cô", "Ea H'Leo" and "Ea H’leo" alike.
    return re.sub(r"[^a-z0-9]", "", search_key(name))


def _package_data() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"install the test extra: the {PACKAGE} package is missing")
    # Its data files only: importing the package would load its geometry dependencies.
    return Path(next(iter(spec.submodule_search_locations))) / "data"


class _Ours:
    """Our communes by province, kind and name: exact first, then accents and
    punctuation ignored when that is unambiguous."""

    def __init__(self) -> None:
        self.provinces = {p.code: p.name for p in load_source()}
        self.exact: dict[tuple[str, str, str], str] = {}
        loose: dict[tuple[str, str, str], list[str]] = {}
        for p in load_source():
            for c in p.communes:
                self.exact[(p.code, c.kind, _nfc(c.name))] = c.code
                loose.setdefault((p.code, c.kind, _loose(c.name)), []).append(c.code)
        self.loose = {k: v[0] for k, v in loose.items() if len(v) == 1}

    def code(self, province: str, kind: str, name: str) -> str:
        found = self.exact.get((province, kind, _nfc(name))) or self.loose.get(
            (province, kind, _loose(name))
        )
        if found is None:
            raise ValueError(f"no commune {kind} {name!r} in province {province}")
        return found


def licence() -> str:
    """The package's licence, kept beside the data taken from it (MIT asks for it)."""
    files = importlib.metadata.files(PACKAGE) or []
    found = next(f for f in files if f.name in ("LICENSE", "LICENSE.txt"))
    return found.read_text("utf-8")


def build() -> dict[str, object]:
    data = _package_data()
    mapping = json.loads((data / "converter_2025.json").read_text("utf-8"))
    db = sqlite3.connect(f"file:{data / 'dataset.db'}?mode=ro", uri=True)
    try:
        new_rows = db.execute(
            "SELECT provinceCode, provinceKey, wardKey, ward FROM admin_units"
        ).fetchall()
        old_rows = db.execute(
            "SELECT province, provinceKey, district, districtKey, ward, wardKey "
            "FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"
        ).fetchall()
    finally:
        db.close()
    ours = _Ours()

    new_province = {key: code for code, key, _, _ in new_rows}
    new_code: dict[tuple[str, str], str] = {}
    for province, province_key, ward_key, ward in new_rows:
        if province not in ours.provinces:
            raise ValueError(f"province {province} is not one of ours")
        kind_word, _, name = _nfc(ward).partition(" ")
        if kind_word == "Đặc":
            kind_word, name = "Đặc khu", name.removeprefix("khu ")
        new_code[(province_key, ward_key)] = ours.code(province, _NEW_KINDS[kind_word], name)

    # Old province key -> new province code; old "province_district_ward" key -> codes.
    province_to = {
        old: new_province[new] for new, olds in mapping["DICT_PROVINCE"].items() for old in olds
    }
    goes_to: dict[str, set[str]] = {}
    for new_key, wards in mapping["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, olds in wards.items():
            for old in olds:
                goes_to.setdefault(old, set()).add(new_code[(new_key, ward_key)])
    # A ward split between several communes maps to all of them (the package's
    # "default" pick among them comes from geocoding: not taken).
    for new_key, olds in mapping["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, parts in olds.items():
            for part in parts:
                goes_to.setdefault(old, set()).add(new_code[(new_key, part["newWardKey"])])

    provinces: dict[str, dict] = {}
    for province, p_key, district, d_key, ward, w_key in old_rows:
        p_name, p_kind = _split(province)
        entry = provinces.setdefault(
            p_key, {"name": p_name, "kind": p_kind, "to": province_to[p_key], "districts": {}}
        )
        d_name, d_kind = _split(district)
        d_entry = entry["districts"].setdefault(
            d_key, {"name": d_name, "kind": d_kind, "wards": []}
        )
        codes = sorted(goes_to.pop(f"{p_key}_{d_key}_{w_key or ''}"))
        if ward is None:  # an island district with no wards, now one special zone
            d_entry["to"] = codes
            continue
        w_name, w_kind = _split(ward)
        d_entry["wards"].append([w_name, w_kind, codes])
    if goes_to:
        raise ValueError(f"mapped units missing from the old list: {sorted(goes_to)[:5]}")
    return {
        "_comment": (
            "Made by `python -m server.communes.old_units_build` from the vietnamadminunits "
            "package's data; do not edit. A ward is [name, kind, [new commune codes]]."
        ),
        "source": (
            f"{PACKAGE} {importlib.metadata.version(PACKAGE)}, Copyright (c) 2025 Tran Ngoc "
            "Minh Hieu, MIT License (server/communes/old_units.LICENSE)"
        ),
        "kinds": OLD_KINDS,
        "provinces": [
            {
                "name": p["name"],
                "kind": p["kind"],
                "to": p["to"],
                "districts": [
                    {k: v for k, v in d.items() if k != "wards" or v}
                    for d in p["districts"].values()
                ],
            }
            for p in provinces.values()
        ],
    }


def render() -> str:
    """One district a line: a reviewable diff when the data changes."""
    data = build()
    head = {k: v for k, v in data.items() if k != "provinces"}
    lines = ["{"]
    lines += [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    lines.append('  "provinces": [')
    provinces = data["provinces"]
    assert isinstance(provinces, list)
    for i, p in enumerate(provinces):
        top = {k: v for k, v in p.items() if k != "districts"}
        lines.append("    " + json.dumps(top, ensure_ascii=False)[:-1] + ', "districts": [')
        districts = p["districts"]
        for j, d in enumerate(districts):
            comma = "," if j < len(districts) - 1 else ""
            lines.append("      " + json.dumps(d, ensure_ascii=False) + comma)
        lines.append("    ]}" + ("," if i < len(provinces) - 1 else ""))
    lines += ["  ]", "}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    PATH.write_text(render(), encoding="utf-8")
    LICENCE_PATH.write_text(licence(), encoding="utf-8")
    print(f"wrote {PATH} and {LICENCE_PATH.name}")

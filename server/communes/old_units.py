"""Addresses written with the units of before 1 July 2025: which commune(s) of today
"Phường Phúc Xá, Quận Ba Đình, Hà Nội" is now.

The data is old_units.json (made by old_units_build.py). An address is read as Vietnamese
addresses are written, smallest unit first, parts separated by commas ("…, ward,
district, province"); accents, case and the units' kind words or their abbreviations
("Phường", "P.", "Quận", "Q.", "TP", "Tỉnh", …) do not matter. Without commas, a short
text is also tried cut into ward, district and province at each word.

A ward is recognised only with its district right after it (thousands of old wards
share a name: "Phường 1", "Xã Tân Thành"), or alone when `ward_alone` (a commune
picker, whose person reads each old unit in full and chooses)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import msgspec

from sync.text import search_key

PATH = Path(__file__).with_name("old_units.json")

# Kind words, folded, as people write them before a unit's name (longest first).
_KIND_WORDS = sorted(
    [
        "tinh",
        "t",
        "thanh pho",
        "tp",
        "quan",
        "q",
        "huyen",
        "h",
        "thi xa",
        "tx",
        "phuong",
        "p",
        "xa",
        "x",
        "thi tran",
        "tt",
        "dac khu",
    ],
    key=len,
    reverse=True,
)
# Names people write for a province other than its own.
_PROVINCE_ALIASES = {
    "hcm": "ho chi minh",
    "tphcm": "ho chi minh",
    "sai gon": "ho chi minh",
    "thua thien hue": "hue",  # a city, "Huế", from 1 January 2025
}
_MAX_WORDS_TO_CUT = 12


class OldMatch(msgspec.Struct, frozen=True):
    """An old unit named in the text and what it is now."""

    # "ward", "district" (an island district, now one special zone) or "province"
    level: str
    # The old unit in full: "Phường Phúc Xá, Quận Ba Đình, Hà Nội".
    old: str
    # The new province's code, and the new commune(s) (empty for a province).
    province: str
    communes: list[str]
    # Where the old unit's name starts in the text: what comes before it (a street,
    # a house number) is kept when the person takes the new address. In code points, as
    # Python counts (the app, whose strings count UTF-16 units, converts).
    start: int


# Each unit's folded name is kept with it: folded once at load, not for every piece of
# every query (a query of common names meets dozens of candidates per piece).
class _Province(msgspec.Struct, frozen=True):
    name: str
    kind: str
    to: str
    key: str


class _District(msgspec.Struct, frozen=True):
    name: str
    kind: str
    province: _Province
    key: str
    to: tuple[str, ...] = ()


class _Ward(msgspec.Struct, frozen=True):
    name: str
    kind: str
    district: _District
    communes: tuple[str, ...]


def fold(text: str) -> str:
    """The key a name is looked up by: accents, case and punctuation dropped, "01" as "1"."""
    words = re.sub(r"[^a-z0-9]+", " ", search_key(text)).split()
    return " ".join(w.lstrip("0") or "0" if w.isdigit() else w for w in words)


def _variants(key: str) -> set[str]:
    """The key as written and without a leading kind word ("q 1" -> "1")."""
    out = {key}
    for word in _KIND_WORDS:
        if key.startswith(word + " "):
            out.add(key[len(word) + 1 :])
    out |= {_PROVINCE_ALIASES[k] for k in list(out) if k in _PROVINCE_ALIASES}
    return out


class OldUnits:
    def __init__(self, data: dict) -> None:
        self.kinds: dict[str, str] = data["kinds"]
        self.wards: dict[str, list[_Ward]] = {}
        self.districts: dict[str, list[_District]] = {}
        self.provinces: dict[str, list[_Province]] = {}
        for p in data["provinces"]:
            province = _Province(name=p["name"], kind=p["kind"], to=p["to"], key=fold(p["name"]))
            self.provinces.setdefault(province.key, []).append(province)
            for d in p["districts"]:
                district = _District(
                    name=d["name"],
                    kind=d["kind"],
                    province=province,
                    key=fold(d["name"]),
                    to=tuple(d.get("to", ())),
                )
                self.districts.setdefault(district.key, []).append(district)
                for name, kind, codes in d.get("wards", ()):
                    ward = _Ward(name=name, kind=kind, district=district, communes=tuple(codes))
                    self.wards.setdefault(fold(name), []).append(ward)

    def _full(self, kind: str, name: str) -> str:
        word = self.kinds[kind]
        return f"{word[0].upper()}{word[1:]} {name}"

    def _label(self, *units: _Ward | _District | _Province) -> str:
        # The province by its name alone, as people say it: "Hà Nội", "Hà Giang".
        return ", ".join(
            u.name if isinstance(u, _Province) else self._full(u.kind, u.name) for u in units
        )

    def _names_province(self, keys: set[str], province: _Province) -> bool:
        return province.key in keys

    def _is_other_province(self, keys: set[str], province: _Province) -> bool:
        return any(k in self.provinces for k in keys) and not self._names_province(keys, province)

    def _scored(
        self, parts: list[tuple[int, set[str]]], ward_alone: bool
    ) -> list[tuple[int, OldMatch]]:
        found: list[tuple[int, OldMatch]] = []
        n = len(parts)
        for i, (start, keys) in enumerate(parts):
            after = parts[i + 1][1] if i + 1 < n else None
            then = parts[i + 2][1] if i + 2 < n else None
            for key in keys:
                for w in self.wards.get(key, ()):
                    d, p = w.district, w.district.province
                    if after is not None and d.key in after:
                        if then is not None and self._is_other_province(then, p):
                            continue
                        named = then is not None and self._names_province(then, p)
                        units = (w, d, p)
                        score = 3 if named else 2
                    elif after is not None and self._names_province(after, p):
                        # "Xã Nậm Ty, Hà Giang": no district, so only a name unique there.
                        if sum(x.district.province is p for x in self.wards[key]) > 1:
                            continue
                        units, score = (w, d, p), 2
                    elif after is None and ward_alone:
                        units, score = (w, d, p), 1
                    else:
                        continue
                    match = OldMatch("ward", self._label(*units), p.to, list(w.communes), start)
                    found.append((score, match))
                for d in self.districts.get(key, ()):
                    p = d.province
                    if not d.to or (after is not None and not self._names_province(after, p)):
                        continue
                    match = OldMatch("district", self._label(d, p), p.to, list(d.to), start)
                    found.append((3 if after else 2, match))
        if parts and not any(score >= 2 for score, _ in found):
            # No ward: an old province alone ("Hà Giang"), before any ward of its name.
            start, keys = parts[-1]
            for key in keys:
                for p in self.provinces.get(key, ()):
                    found.insert(0, (1, OldMatch("province", p.name, p.to, [], start)))
        return found

    @staticmethod
    def _best_first(found: list[tuple[int, OldMatch]]) -> list[OldMatch]:
        # A ward alone only when nothing better: "Ba Đình" after "Kim Mã," is a district.
        top = max((score for score, _ in found), default=0)
        found = sorted((f for f in found if top < 2 or f[0] >= 2), key=lambda f: -f[0])
        seen: set[tuple[str, str]] = set()
        out = []
        for _, m in found:
            if (m.level, m.old) not in seen:
                seen.add((m.level, m.old))
                out.append(m)
        return out

    def match(self, text: str, *, ward_alone: bool = False, limit: int = 20) -> list[OldMatch]:
        """The old units the text names, best first (ward, district and province all
        named, then ward and district, then the rest)."""
        parts: list[tuple[int, set[str]]] = []
        offset = 0
        for piece in text.split(","):
            key = fold(piece)
            if key:
                parts.append((offset + len(piece) - len(piece.lstrip()), _variants(key)))
            offset += len(piece) + 1
        found = self._scored(parts, ward_alone)
        if len(parts) == 1 and not any(score > 1 for score, _ in found):
            found = self._cut(text, parts[0][0]) or found
        return self._best_first(found)[:limit]

    def _cut(self, text: str, start: int) -> list[tuple[int, OldMatch]]:
        """A text without commas cut into ward, district and maybe province at word
        boundaries: the cuts that name the most, each unit where it begins."""
        words = fold(text).split()
        if not 2 <= len(words) <= _MAX_WORDS_TO_CUT:
            return []
        best: list[tuple[int, OldMatch]] = []
        for a in range(1, len(words)):
            for b in range(a + 1, len(words) + 1):
                cut = [words[:a], words[a:b]] + ([words[b:]] if b < len(words) else [])
                parts = [(start, _variants(" ".join(c))) for c in cut]
                found = [f for f in self._scored(parts, False) if f[1].level != "province"]
                top = max((score for score, _ in found), default=0)
                if top and top >= max((score for score, _ in best), default=0):
                    best = [f for f in best if f[0] == top] + [f for f in found if f[0] == top]
        return best


@cache
def old_units() -> OldUnits:
    return OldUnits(json.loads(PATH.read_text("utf-8")))


@cache
def old_units_body() -> bytes:
    """The file as served: compact JSON, without the comment."""
    data = json.loads(PATH.read_text("utf-8"))
    data.pop("_comment", None)
    return msgspec.json.encode(data)

"""The 12-digit personal identification number (số định danh cá nhân): PPP G YY NNNNNN."""

from __future__ import annotations

import datetime
import re
from typing import NamedTuple

from .reference import id_province_codes

_FORMAT = re.compile(r"[0-9]{12}")

Problem = tuple[str, dict[str, str | int]]


class DecodedId(NamedTuple):
    province: str
    sex: str  # "male" | "female"
    birth_year: int


def decode(number: str) -> DecodedId | None:
    """The province, sex and birth year encoded in a well-formed number (not checked against anything)."""
    if not _FORMAT.fullmatch(number):
        return None
    gender_century = int(number[3])
    # 0/1 -> 1900s, 2/3 -> 2000s, ..., 8/9 -> 2300s; even digits are men, odd are women.
    century = 1900 + 100 * (gender_century // 2)
    return DecodedId(
        province=number[:3],
        sex="male" if gender_century % 2 == 0 else "female",
        birth_year=century + int(number[4:6]),
    )


def id_problem(
    number: str,
    today: datetime.date,
    *,
    sex: str | None = None,
    birth_year: int | None = None,
) -> Problem | None:
    """The first failing rule, in the spec's order; `sex`/`birth_year` come from the linked fields
    when those hold usable values, else None."""
    decoded = decode(number)
    if decoded is None:
        return "invalid_format", {}
    if decoded.province not in id_province_codes():
        return "invalid_id_province", {"province": decoded.province}
    if decoded.birth_year > today.year:
        return "invalid_id_birth_year", {"year": decoded.birth_year}
    if sex is not None and sex != decoded.sex:
        return "id_sex_mismatch", {"sex": decoded.sex}
    if birth_year is not None and birth_year != decoded.birth_year:
        return "id_birth_year_mismatch", {"year": decoded.birth_year}
    return None

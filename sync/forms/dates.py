"""Calendar values of `date` and `year` fields: a full date, or a year alone."""

from __future__ import annotations

import datetime
import re
from typing import NamedTuple

_FULL = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_YEAR = re.compile(r"[0-9]{4}")


class DateValue(NamedTuple):
    year: int
    date: datetime.date | None  # None for a year-only value, which is compared by year alone

    @property
    def year_only(self) -> bool:
        return self.date is None


def parse_date_value(value: object, *, allow_year: bool) -> DateValue | None:
    """`"YYYY-MM-DD"` (or `"YYYY"` when allowed) -> DateValue; None when not a real date.

    The shape is matched by hand because `date.fromisoformat` also takes "20240101" and week dates.
    Year 0000 does not exist in the Gregorian calendar, so it is not a real date either.
    """
    if not isinstance(value, str):
        return None
    m = _FULL.fullmatch(value)
    if m:
        try:
            d = datetime.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
        return DateValue(d.year, d)
    if allow_year and _YEAR.fullmatch(value) and int(value) >= 1:
        return DateValue(int(value), None)
    return None


def before(a: DateValue, b: DateValue) -> bool:
    """a < b, by year alone when either is year-only."""
    if a.date is None or b.date is None:
        return a.year < b.year
    return a.date < b.date


def anniversary(born: datetime.date, years: int) -> datetime.date:
    """The day someone born on `born` turns `years` old; 29 February -> 1 March in common years."""
    year = born.year + years
    try:
        return born.replace(year=year)
    except ValueError:
        return datetime.date(year, 3, 1)


def field_date_value(
    field_type: str, value: object, *, allow_year: bool = False
) -> DateValue | None:
    """The calendar value of a `date` or `year` field's answer, None when it has none."""
    if field_type == "year":
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not float(value).is_integer()
        ):
            return None
        return DateValue(int(value), None) if 1000 <= value <= 9999 else None  # as `invalid_year`
    if field_type == "date":
        return parse_date_value(value, allow_year=allow_year)
    return None

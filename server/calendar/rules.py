"""Working days and due dates (Luật Hộ tịch 2014, art. 5), as pure functions.

A day is a working day unless it is a Saturday or Sunday or a Vietnamese public
holiday, in that order of exceptions:
  1. an override (from the administrator) decides, when there is one for the day;
  2. else a public holiday in the `holidays` package (country VN, with its observed
     days and the days the government moved) is not a working day;
  3. else a weekend day the package lists as swapped to a working day
     (`weekend_workdays`, e.g. Saturday 26/4/2025) is a working day;
  4. else Monday to Friday are working days.

Due dates (`due_date`), with the time of receipt in Asia/Ho_Chi_Minh:
  * the effective receipt day is the day of receipt when that is a working day and
    the dossier came in at 15:00 or before; a dossier received after 15:00
    (15:00:00 exactly is still in time), or on a day that is not a working day,
    counts from the next working day;
  * a procedure without its own deadline (`same_day`) is decided on the effective
    receipt day;
  * a `working_days` procedure of n days is due n working days after the effective
    receipt day (received on Monday morning with 3 days: due Thursday);
  * with `extended=True` (the conditions must be verified), `extended_days` is used
    instead of `days` (or instead of the same day) when the procedure has it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Literal

import holidays

from server.catalog.definition import Processing
from server.clock import VIETNAM

OverrideKind = Literal["holiday", "working_day"]
OVERRIDE_KINDS: tuple[str, ...] = ("holiday", "working_day")
Overrides = Mapping[dt.date, OverrideKind]
NO_OVERRIDES: Overrides = MappingProxyType({})

# Luật Hộ tịch art. 5(2): received after 15:00 -> decided the next working day.
CUTOFF = dt.time(15, 0)
# No calendar has a year without working days: a search that goes further than
# this has been given overrides that close every day.
_SEARCH_LIMIT_DAYS = 400


class CalendarError(ValueError):
    """The calendar cannot answer (e.g. overrides close every day for a year)."""


@lru_cache(maxsize=64)
def _package_year(year: int) -> tuple[Mapping[dt.date, str], frozenset[dt.date]]:
    """The package's holidays (date -> Vietnamese name) and swapped working weekend
    days of one year. A swap may be decided in the neighbouring year's list (the
    2018 decision moved 31/12/2018 and made Saturday 5/1/2019 a working day), so
    three years are loaded and filtered."""
    calendar = holidays.country_holidays("VN", years=range(year - 1, year + 2), language="vi")
    named = {day: calendar[day] for day in calendar if day.year == year}
    workdays = frozenset(d for d in calendar.weekend_workdays if d.year == year)
    return MappingProxyType(named), workdays


def package_holidays(year: int) -> Mapping[dt.date, str]:
    """The `holidays` package's public holidays of `year`, with their Vietnamese names."""
    return _package_year(year)[0]


def package_weekend_workdays(year: int) -> frozenset[dt.date]:
    """Weekend days of `year` the package knows were swapped to working days."""
    return _package_year(year)[1]


def is_working_day(day: dt.date, overrides: Overrides = NO_OVERRIDES) -> bool:
    kind = overrides.get(day)
    if kind is not None:
        return kind == "working_day"
    named, workdays = _package_year(day.year)
    if day in named:
        return False
    if day in workdays:
        return True
    return day.weekday() < 5


def next_working_day(day: dt.date, overrides: Overrides = NO_OVERRIDES) -> dt.date:
    """The first working day strictly after `day`."""
    for offset in range(1, _SEARCH_LIMIT_DAYS + 1):
        candidate = day + dt.timedelta(days=offset)
        if is_working_day(candidate, overrides):
            return candidate
    raise CalendarError(f"no working day within {_SEARCH_LIMIT_DAYS} days after {day}")


def first_working_day_from(day: dt.date, overrides: Overrides = NO_OVERRIDES) -> dt.date:
    """`day` itself when it is a working day, else the next one."""
    return day if is_working_day(day, overrides) else next_working_day(day, overrides)


def add_working_days(start: dt.date, n: int, overrides: Overrides = NO_OVERRIDES) -> dt.date:
    """The n-th working day after `start` (`start` itself is not counted, and need
    not be a working day); n = 0 gives `start`."""
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    day = start
    for _ in range(n):
        day = next_working_day(day, overrides)
    return day


def local_time(moment: dt.datetime) -> dt.datetime:
    """`moment` (timezone-aware) in Asia/Ho_Chi_Minh."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError("an aware datetime is required (naive times are ambiguous)")
    return moment.astimezone(VIETNAM)


def effective_receipt_day(received_at: dt.datetime, overrides: Overrides = NO_OVERRIDES) -> dt.date:
    """The working day from which a dossier received at `received_at` counts."""
    local = local_time(received_at)
    day = local.date()
    if not is_working_day(day, overrides):
        return next_working_day(day, overrides)
    if local.time() > CUTOFF:
        return next_working_day(day, overrides)
    return day


def processing_days(processing: Processing, *, extended: bool = False) -> int:
    """Working days a procedure allows (0 for a same-day procedure). Extended, a
    procedure with `extended_days` allows those, same-day ones included (marriage:
    at once, or 5 working days when the conditions must be verified)."""
    if extended and processing.extended_days:
        return processing.extended_days
    if processing.kind == "same_day":
        return 0
    days = processing.days
    if days is None or days < 0:
        raise ValueError(f"a working_days procedure needs days >= 0, got {days!r}")
    return days


def due_date(
    received_at: dt.datetime,
    processing: Processing,
    overrides: Overrides = NO_OVERRIDES,
    *,
    extended: bool = False,
) -> dt.date:
    """The day the result is due for a dossier received at `received_at` (aware)."""
    start = effective_receipt_day(received_at, overrides)
    return add_working_days(start, processing_days(processing, extended=extended), overrides)

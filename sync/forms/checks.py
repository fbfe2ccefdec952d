"""Checks across fields (`not_before`, `days_since`, `min_age`, `under_age`, `distinct`)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

from . import schema as s
from .conditions import holds, json_equal
from .dates import DateValue, anniversary, before, field_date_value
from .results import Issue, Params


def _date_of(field: s.Field, value: Any) -> DateValue | None:
    return field_date_value(field.type, value, allow_year=getattr(field, "allow_year", False))


def _has_turned(born_on: DateValue, years: int, on: datetime.date) -> bool:
    born = born_on.date or datetime.date(born_on.year, 1, 1)  # year-only: born on 1 January
    return born.year + years <= 9999 and on >= anniversary(born, years)


def run_checks(
    checks: tuple[s.Check, ...],
    fields: Mapping[str, s.Field],
    filled: Mapping[str, Any],
    usable: Callable[[str], bool],
    filed_on: datetime.date,
) -> list[Issue]:
    """`usable(path)`: the field is visible, filled and free of errors of its own; a check runs
    only on usable fields (for `distinct`: compares the usable ones among its fields).
    Ages and time limits count to `filed_on`, the day of filing (today unless the dossier
    was filed earlier and is judged again, as a supplement is)."""
    issues: list[Issue] = []

    def report(check: s.Check, path: str, params: Params) -> None:
        issues.append(Issue(path=path, code=check.code, severity=check.severity, params=params))

    def date_at(path: str) -> DateValue | None:
        return _date_of(fields[path], filled[path])

    for check in checks:
        if check.when is not None and not holds(check.when, filled):
            continue
        match check:
            case s.NotBefore(field=a, reference=b):
                if usable(a) and usable(b):
                    va, vb = date_at(a), date_at(b)
                    if va is not None and vb is not None and before(va, vb):
                        report(check, a, {"reference": b})
            case s.DaysSince(field=a):
                if usable(a):
                    va = date_at(a)
                    if va is None or va.date is None:  # year-only values are skipped
                        continue
                    days = (filed_on - va.date).days
                    if (check.min is not None and days < check.min) or (
                        check.max is not None and days > check.max
                    ):
                        params: Params = {"days": days}
                        if check.min is not None:
                            params["min"] = check.min
                        if check.max is not None:
                            params["max"] = check.max
                        report(check, a, params)
            case s.MinAge(field=a, years=years):
                if usable(a):
                    va = date_at(a)
                    if va is None:
                        continue
                    if not _has_turned(va, years, filed_on):
                        report(check, a, {"years": years})
            case s.UnderAge(field=a, years=years):
                b = check.birth_field
                if usable(a) and usable(b):
                    vb = date_at(b)
                    # The day before the birthday the person is still under `years`.
                    if vb is not None and _has_turned(vb, years, filed_on):
                        report(check, a, {"years": years})
            case s.Distinct(fields=paths):
                # "no two of the filled fields": an empty field leaves the others compared.
                seen: list[str] = []
                for path in paths:
                    if not usable(path):
                        continue
                    twin = next((q for q in seen if json_equal(filled[q], filled[path])), None)
                    if twin is not None:
                        report(check, path, {"other": twin})
                    seen.append(path)
    return issues

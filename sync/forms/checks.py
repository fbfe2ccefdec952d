"""Checks across fields (`not_before`, `days_since`, `min_age`, `distinct`)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

from . import schema as s
from .conditions import json_equal
from .dates import DateValue, anniversary, before, field_date_value
from .results import Issue, Params


def _date_of(field: s.Field, value: Any) -> DateValue | None:
    return field_date_value(field.type, value, allow_year=getattr(field, "allow_year", False))


def run_checks(
    checks: tuple[s.Check, ...],
    fields: Mapping[str, s.Field],
    filled: Mapping[str, Any],
    usable: Callable[[str], bool],
    today: datetime.date,
) -> list[Issue]:
    """`usable(path)`: the field is visible, filled and free of errors of its own; a check runs
    only on usable fields (for `distinct`: compares the usable ones among its fields)."""
    issues: list[Issue] = []

    def report(check: s.Check, path: str, params: Params) -> None:
        issues.append(Issue(path=path, code=check.code, severity=check.severity, params=params))

    def date_at(path: str) -> DateValue | None:
        return _date_of(fields[path], filled[path])

    for check in checks:
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
                    days = (today - va.date).days
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
                    born = va.date or datetime.date(va.year, 1, 1)  # year-only: born on 1 January
                    turned = born.year + years <= 9999 and today >= anniversary(born, years)
                    if not turned:
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

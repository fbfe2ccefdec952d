"""A report asked for up to the last day the calendar knows (9999-12-31) was a 500
(the day after it overflows). Dates outside real years are a 400 naming the parameter.
Both engines."""

from __future__ import annotations

import pytest

from tests.support.demo_accounts import demo_app, signed_in_as


@pytest.mark.parametrize("query", ["until=9999-12-31", "since=0001-01-01&until=2026-01-01"])
async def test_a_report_for_an_impossible_span_is_a_clear_400(settings, query: str) -> None:
    async with demo_app(settings) as app, signed_in_as(app, "desk") as http:
        for path in ("/api/desk/reports", "/api/desk/reports.csv"):
            r = await http.get(f"{path}?{query}")
            assert r.status_code == 400, (path, r.status_code, r.text)
            assert query.split("=")[0] in r.json()["detail"]

"""The desk counts days as Vietnam does (Asia/Ho_Chi_Minh, UTC+7), whatever the
server's clock says in UTC. From 17:00 UTC it is already the next day in Vietnam: a
due date of the UTC day has passed there, and a result handed over at 01:00 on the
day after its due date is late."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.desk.test_desk_flow import submitted_birth

# 18:30 UTC on 3 December is 01:30 on 4 December in Vietnam.
EVENING_UTC = dt.datetime(2026, 12, 3, 18, 30, tzinfo=dt.UTC)


def clock_at(monkeypatch: pytest.MonkeyPatch, at: dt.datetime) -> None:
    monkeypatch.setattr("server.desk.actions.utcnow", lambda: at)


async def test_a_due_date_of_the_utc_day_has_passed_once_vietnam_is_on_the_next(
    person, desk, monkeypatch
) -> None:
    dossier = await submitted_birth(person)
    clock_at(monkeypatch, EVENING_UTC)
    assert (await desk.act(dossier, "receive")).status_code == 200
    body = {"documents": ["Giấy chứng nhận kết hôn của cha mẹ"], "reason": "Cần đối chiếu."}

    passed = await desk.act(dossier, "request_documents", {**body, "due_date": "2026-12-03"})
    assert passed.status_code == 422, passed.text
    assert passed.json()["errors"][0]["code"] == "date_in_past"

    today_in_vietnam = await desk.act(
        dossier, "request_documents", {**body, "due_date": "2026-12-04"}
    )
    assert today_in_vietnam.status_code == 200, today_in_vietnam.text


async def test_a_result_completed_after_midnight_in_vietnam_on_the_day_after_its_due_date_is_late(
    person, desk, monkeypatch
) -> None:
    dossier = await submitted_birth(person)
    received = await desk.act(dossier, "receive")
    due = dt.date.fromisoformat(received.json()["due_date"])
    assert (await desk.act(dossier, "start")).status_code == 200
    # 17:30 UTC on the due date: 00:30 the next day in Vietnam.
    clock_at(monkeypatch, dt.datetime.combine(due, dt.time(17, 30), dt.UTC))
    assert (await desk.act(dossier, "complete", {"register_number": "7/2026"})).json()["state"] == 9

    report = (
        await desk.get(
            "/api/desk/reports",
            since=(due - dt.timedelta(days=60)).isoformat(),
            until=(due + dt.timedelta(days=1)).isoformat(),
        )
    ).json()
    assert (report["on_time"], report["late"]) == (0, 1), report

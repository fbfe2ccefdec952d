"""The desk counts days as Vietnam does (Asia/Ho_Chi_Minh, UTC+7), whatever the
server's clock says in UTC. From 17:00 UTC it is already the next day in Vietnam: a
due date of the UTC day has passed there, and a result handed over at 01:00 on the
day after its due date is late."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager

from server.clock import SettableClock
from tests.desk.conftest import DeskOfficial, official
from tests.desk.test_desk_flow import submitted_birth

# 18:30 UTC on 3 December is 01:30 on 4 December in Vietnam.
EVENING_UTC = dt.datetime(2026, 12, 3, 18, 30, tzinfo=dt.UTC)


@asynccontextmanager
async def desk_at(app, at: dt.datetime) -> AsyncIterator[DeskOfficial]:
    """The application's clock set to `at`, and an official signed in at that time."""
    app.state.clock = SettableClock(at)
    desk = await official(app)
    async with aclosing(desk.http):
        yield desk


async def test_a_due_date_of_the_utc_day_has_passed_once_vietnam_is_on_the_next(
    app, person
) -> None:
    dossier = await submitted_birth(person)
    async with desk_at(app, EVENING_UTC) as desk:
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
    app, person, desk
) -> None:
    dossier = await submitted_birth(person)
    received = await desk.act(dossier, "receive")
    due = dt.date.fromisoformat(received.json()["due_date"])
    assert (await desk.act(dossier, "start")).status_code == 200
    # 17:30 UTC on the due date: 00:30 the next day in Vietnam.
    async with desk_at(app, dt.datetime.combine(due, dt.time(17, 30), dt.UTC)) as late_desk:
        completed = await late_desk.act(dossier, "complete", {"register_number": "7/2026"})
        assert completed.json()["state"] == 9
        report = (
            await late_desk.get(
                "/api/desk/reports",
                since=(due - dt.timedelta(days=60)).isoformat(),
                until=(due + dt.timedelta(days=1)).isoformat(),
            )
        ).json()
    assert (report["on_time"], report["late"]) == (0, 1), report

"""The administrator's overrides over HTTP, and the per-process copy of them that
every process keeps current through the version row. Both engines."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import textwrap
from pathlib import Path

import pytest

from server.audit.tables import AuditEvent
from server.calendar import service
from server.calendar.tables import CalendarOverride, CalendarVersion
from server.catalog.definition import Processing
from server.clock import VIETNAM
from server.database import write_transaction
from server.settings import Settings
from tests.support.demo_accounts import client_for, signed_in_as

URL = "/api/admin/calendar/overrides"
SAME_DAY = Processing(kind="same_day")
FRIDAY_LATE = dt.datetime(2026, 11, 20, 15, 30, tzinfo=VIETNAM)
REPO = Path(__file__).resolve().parents[2]


async def test_admin_creates_replaces_reads_lists_and_deletes_overrides(admin) -> None:
    assert (await admin.get(URL)).json() == []
    r = await admin.put(
        f"{URL}/2027-02-20", json={"kind": "working_day", "note": "Làm bù cho Tết Đinh Mùi"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["date"] == "2027-02-20"
    assert r.json()["kind"] == "working_day"
    assert r.json()["note"] == "Làm bù cho Tết Đinh Mùi"
    r = await admin.put(
        f"{URL}/2027-02-20", json={"kind": "working_day", "note": "Làm bù  (QĐ mới)"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["note"] == "Làm bù (QĐ mới)"
    assert (await admin.put(f"{URL}/2026-11-23", json={"kind": "holiday"})).status_code == 201

    listed = (await admin.get(URL)).json()
    assert [(o["date"], o["kind"]) for o in listed] == [
        ("2026-11-23", "holiday"),
        ("2027-02-20", "working_day"),
    ]
    assert [o["date"] for o in (await admin.get(URL, params={"year": 2027})).json()] == [
        "2027-02-20"
    ]
    one = await admin.get(f"{URL}/2026-11-23")
    assert one.status_code == 200 and one.json()["kind"] == "holiday" and one.json()["note"] == ""

    assert (await admin.delete(f"{URL}/2026-11-23")).status_code == 204
    assert (await admin.delete(f"{URL}/2026-11-23")).status_code == 404
    assert (await admin.get(f"{URL}/2026-11-23")).status_code == 404
    assert [o["date"] for o in (await admin.get(URL)).json()] == ["2027-02-20"]
    actions = [
        r["action"]
        for r in await AuditEvent.select(AuditEvent.action)
        .where(AuditEvent.target_kind == "calendar")
        .order_by(AuditEvent.id)
    ]
    assert actions == ["calendar_override_set"] * 3 + ["calendar_override_removed"]


async def test_due_dates_follow_the_overrides_saved_through_the_api(admin) -> None:
    assert await service.due_date_for(FRIDAY_LATE, SAME_DAY) == dt.date(2026, 11, 23)
    await admin.put(f"{URL}/2026-11-23", json={"kind": "holiday", "note": "Nghỉ thêm"})
    # Monday off; Tuesday 24/11 is Ngày Văn hóa Việt Nam in the package.
    assert await service.due_date_for(FRIDAY_LATE, SAME_DAY) == dt.date(2026, 11, 25)
    await admin.put(f"{URL}/2026-11-24", json={"kind": "working_day"})
    assert await service.due_date_for(FRIDAY_LATE, SAME_DAY) == dt.date(2026, 11, 24)
    await admin.delete(f"{URL}/2026-11-23")
    assert await service.due_date_for(FRIDAY_LATE, SAME_DAY) == dt.date(2026, 11, 23)
    # A swapped working Saturday.
    saturday = dt.date(2026, 11, 21)
    assert not await service.is_working_day(saturday)
    await admin.put(f"{URL}/{saturday}", json={"kind": "working_day"})
    assert await service.is_working_day(saturday)
    assert await service.due_date_for(FRIDAY_LATE, SAME_DAY) == saturday
    assert await service.add_working_days(dt.date(2026, 11, 20), 1) == saturday


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "vacation"},
        {"kind": "holiday", "extra": 1},
        {"note": "no kind"},
        {"kind": "holiday", "note": "x" * 501},
    ],
)
async def test_bad_bodies_are_refused_and_nothing_is_stored(admin, body) -> None:
    r = await admin.put(f"{URL}/2027-01-04", json=body)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert await CalendarOverride.count() == 0


async def test_bad_dates_are_refused(admin) -> None:
    for path in ("2027-02-30", "20270220", "tomorrow"):
        r = await admin.put(f"{URL}/{path}", json={"kind": "holiday"})
        assert r.status_code in (400, 404), (path, r.status_code)
    assert (await admin.put(f"{URL}/1900-01-01", json={"kind": "holiday"})).status_code == 400
    assert (await admin.get(URL, params={"year": 12})).status_code == 400
    assert await CalendarOverride.count() == 0


async def test_only_an_administrator_may_read_or_change_the_calendar(app) -> None:
    async with client_for(app) as anonymous:
        assert (await anonymous.get(URL)).status_code == 401
        assert (
            await anonymous.put(f"{URL}/2027-01-04", json={"kind": "holiday"})
        ).status_code == 401
    for role in ("citizen", "desk", "agency_admin"):
        async with signed_in_as(app, role) as client:
            assert (await client.get(URL)).status_code == 403, role
            assert (
                await client.put(f"{URL}/2027-01-04", json={"kind": "holiday"})
            ).status_code == 403
            assert (await client.delete(f"{URL}/2027-01-04")).status_code == 403
    async with signed_in_as(app, "admin") as admin:
        token = admin.headers.pop("X-CSRF-Token")
        # A cookie-authenticated write needs the CSRF token.
        assert (await admin.put(f"{URL}/2027-01-04", json={"kind": "holiday"})).status_code == 403
        admin.headers["X-CSRF-Token"] = token
        assert (await admin.put(f"{URL}/2027-01-04", json={"kind": "holiday"})).status_code == 201


async def test_the_cached_copy_is_reused_until_the_version_changes(app) -> None:
    engine = app.state.engine
    assert dict(await service.current_overrides()) == {}
    async with write_transaction(engine):
        await service.set_override(dt.date(2027, 1, 4), "holiday", "Nghỉ bù")
    assert dict(await service.current_overrides()) == {dt.date(2027, 1, 4): "holiday"}
    # A row changed behind the service's back (no new token) is not seen...
    await CalendarOverride.update({CalendarOverride.kind: "working_day"}).where(
        CalendarOverride.day == dt.date(2027, 1, 4)
    )
    assert dict(await service.current_overrides()) == {dt.date(2027, 1, 4): "holiday"}
    # ...until the version row changes (or the copy's maximum age passes).
    await CalendarVersion.update({CalendarVersion.token: "changed-by-hand"}).where(
        CalendarVersion.id == 1
    )
    assert dict(await service.current_overrides()) == {dt.date(2027, 1, 4): "working_day"}
    async with write_transaction(engine):
        assert await service.delete_override(dt.date(2027, 1, 4))
        assert not await service.delete_override(dt.date(2027, 1, 4))
    assert dict(await service.current_overrides()) == {}


WRITER = textwrap.dedent("""
    import asyncio, datetime as dt, sys
    from server.calendar import service
    from server.database import bind_engine, build_engine, close_engine, open_engine, write_transaction
    from tests.support.databases import settings_for

    async def main():
        settings = settings_for(sys.argv[1], sys.argv[2])
        engine = build_engine(settings)
        bind_engine(engine)
        await open_engine(engine, settings)
        try:
            async with write_transaction(engine):
                await service.set_override(dt.date(2026, 11, 23), "holiday", "another process")
        finally:
            await close_engine(engine)

    asyncio.run(main())
""")


async def test_a_change_made_by_another_process_is_seen_at_the_next_use(
    app, settings: Settings
) -> None:
    # This process has a current copy...
    assert await service.due_date_for(FRIDAY_LATE, SAME_DAY) == dt.date(2026, 11, 23)
    # ...another server process saves an override...
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        WRITER,
        settings.database_url,
        str(settings.data_dir),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    # ...and the very next due date here uses it, with no waiting.
    assert await service.due_date_for(FRIDAY_LATE, SAME_DAY) == dt.date(2026, 11, 25)

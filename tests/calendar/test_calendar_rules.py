"""Working days and due dates (Luật Hộ tịch art. 5) as pure functions, against the
`holidays` package's Vietnamese calendar and administrator overrides."""

from __future__ import annotations

import datetime as dt

import pytest

from server.calendar import rules
from server.calendar.rules import add_working_days, due_date, is_working_day
from server.catalog.definition import Processing
from server.clock import VIETNAM

SAME_DAY = Processing(kind="same_day")
THREE_DAYS = Processing(kind="working_days", days=3)
D = dt.date


def at(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=VIETNAM)


def test_received_at_1459_is_due_the_same_day_and_at_1501_the_next_working_day() -> None:
    # Wednesday 18/11/2026.
    assert due_date(at(2026, 11, 18, 14, 59), SAME_DAY) == D(2026, 11, 18)
    assert due_date(at(2026, 11, 18, 15, 0, 0), SAME_DAY) == D(
        2026, 11, 18
    )  # 15:00 sharp is in time
    assert due_date(at(2026, 11, 18, 15, 0, 1), SAME_DAY) == D(2026, 11, 19)
    assert due_date(at(2026, 11, 18, 15, 1), SAME_DAY) == D(2026, 11, 19)


def test_the_cutoff_is_in_vietnam_time_whatever_the_zone_given() -> None:
    utc = dt.UTC
    # 07:59 UTC = 14:59 in Hà Nội; 08:01 UTC = 15:01.
    assert due_date(dt.datetime(2026, 11, 18, 7, 59, tzinfo=utc), SAME_DAY) == D(2026, 11, 18)
    assert due_date(dt.datetime(2026, 11, 18, 8, 1, tzinfo=utc), SAME_DAY) == D(2026, 11, 19)
    # 20:00 UTC on Tuesday is already 03:00 on Wednesday in Vietnam.
    assert due_date(dt.datetime(2026, 11, 17, 20, 0, tzinfo=utc), SAME_DAY) == D(2026, 11, 18)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError):
        due_date(dt.datetime(2026, 11, 18, 10, 0), SAME_DAY)


def test_friday_after_1500_is_due_on_monday() -> None:
    assert due_date(at(2026, 11, 20, 15, 30), SAME_DAY) == D(2026, 11, 23)
    assert due_date(at(2026, 11, 20, 14, 0), SAME_DAY) == D(2026, 11, 20)


def test_weekends_are_not_working_days_and_count_from_monday() -> None:
    assert not is_working_day(D(2026, 11, 21))  # Saturday
    assert not is_working_day(D(2026, 11, 22))  # Sunday
    assert is_working_day(D(2026, 11, 23))
    # Received on Saturday morning or Sunday: decided on Monday.
    assert due_date(at(2026, 11, 21, 9, 0), SAME_DAY) == D(2026, 11, 23)
    assert due_date(at(2026, 11, 22, 9, 0), SAME_DAY) == D(2026, 11, 23)
    # Three working days count from Monday: Tuesday, Wednesday, Thursday.
    assert due_date(at(2026, 11, 7, 9, 0), THREE_DAYS) == D(2026, 11, 12)
    # Five working days from Friday morning skip the weekend.
    assert due_date(at(2026, 11, 13, 9, 0), Processing(kind="working_days", days=5)) == D(
        2026, 11, 20
    )


def test_working_days_count_after_the_receipt_day_and_after_the_cutoff_from_the_next() -> None:
    assert due_date(at(2026, 11, 16, 9, 0), THREE_DAYS) == D(2026, 11, 19)  # Mon -> Thu
    assert due_date(at(2026, 11, 16, 15, 30), THREE_DAYS) == D(2026, 11, 20)  # counts from Tue


def test_extended_days_apply_when_verification_is_needed() -> None:
    recognition = Processing(kind="working_days", days=3, extended_days=8)
    assert due_date(at(2026, 11, 16, 9, 0), recognition) == D(2026, 11, 19)
    # Eight working days from Monday 16/11, skipping Tuesday 24/11 (Ngày Văn hóa Việt Nam).
    assert due_date(at(2026, 11, 16, 9, 0), recognition, extended=True) == D(2026, 11, 27)
    # A procedure without extended days keeps its days.
    assert due_date(at(2026, 11, 16, 9, 0), THREE_DAYS, extended=True) == D(2026, 11, 19)


def test_extended_days_apply_to_a_same_day_procedure_too() -> None:
    # Marriage: decided at once, or within 5 working days when conditions are verified.
    marriage = Processing(kind="same_day", extended_days=5)
    assert rules.processing_days(marriage) == 0
    assert rules.processing_days(marriage, extended=True) == 5
    assert due_date(at(2026, 11, 16, 9, 0), marriage) == D(2026, 11, 16)
    assert due_date(at(2026, 11, 16, 9, 0), marriage, extended=True) == D(2026, 11, 23)
    # Friday 20/11 after 15:00 counts from Monday 23/11; Tuesday 24/11 is a holiday.
    assert due_date(at(2026, 11, 20, 15, 30), marriage, extended=True) == D(2026, 12, 1)
    # A same-day procedure without extended days stays same-day.
    assert due_date(at(2026, 11, 16, 9, 0), SAME_DAY, extended=True) == D(2026, 11, 16)


def test_add_working_days() -> None:
    assert add_working_days(D(2026, 11, 20), 0) == D(2026, 11, 20)
    assert add_working_days(D(2026, 11, 20), 1) == D(2026, 11, 23)
    # From a Saturday: the first working day after it is Monday.
    assert add_working_days(D(2026, 11, 21), 1) == D(2026, 11, 23)
    with pytest.raises(ValueError):
        add_working_days(D(2026, 11, 20), -1)


def test_tet_2027_as_the_holidays_package_gives_it() -> None:
    # Tết Đinh Mùi: mùng 1 is Saturday 6/2/2027. The package gives the Labour Code's
    # five days (giao thừa and mùng 1-4, 5/2-9/2) and moves the two that fall on the
    # weekend: Saturday to the working day before (Thursday 4/2, "29 Tết"), Sunday to
    # the working day after (Wednesday 10/2). Off: Thursday 4/2 to Wednesday 10/2.
    # The government's own plan for 2027 (often longer, with a làm bù Saturday) is not
    # in holidays 0.109; until a release has it, it goes in as overrides. A release
    # that has it may only lengthen the break, which this test allows.
    tet = {d: n for d, n in rules.package_holidays(2027).items() if d.month == 2}
    labour_code = [D(2027, 2, day) for day in range(4, 11)]
    assert set(labour_code) <= set(tet)
    assert tet[D(2027, 2, 6)] == "Tết Nguyên Đán"
    assert tet[D(2027, 2, 5)] == "Giao thừa Tết Nguyên Đán"
    assert tet[D(2027, 2, 4)] == "29 Tết"
    assert is_working_day(D(2027, 2, 3))
    assert not any(is_working_day(d) for d in labour_code)
    back = rules.next_working_day(D(2027, 2, 10))
    assert back == D(2027, 2, 11) or D(2027, 2, 11) in tet
    # Received on Wednesday 3/2 after 15:00: due the first day back (Thursday 11/2).
    assert due_date(at(2027, 2, 3, 16, 0), SAME_DAY) == back
    assert due_date(at(2027, 2, 3, 14, 0), SAME_DAY) == D(2027, 2, 3)
    # Three working days from Wednesday 3/2 morning: 11/2, 12/2, then Monday 15/2.
    assert due_date(at(2027, 2, 3, 9, 0), THREE_DAYS) == add_working_days(back, 2)
    if back == D(2027, 2, 11):
        assert due_date(at(2027, 2, 3, 9, 0), THREE_DAYS) == D(2027, 2, 15)


def test_tet_2026_matches_the_government_plan() -> None:
    # Công chức rested from Saturday 14/2 to Sunday 22/2/2026 (nine days, no swap).
    assert [
        d
        for d in (D(2026, 2, 13) + dt.timedelta(days=i) for i in range(11))
        if not is_working_day(d)
    ] == [D(2026, 2, 14) + dt.timedelta(days=i) for i in range(9)]


def test_30_april_and_1_may() -> None:
    # 2026: Thursday 30/4 and Friday 1/5; Giỗ Tổ (Sunday 26/4) is observed on Monday 27/4.
    assert not is_working_day(D(2026, 4, 30))
    assert not is_working_day(D(2026, 5, 1))
    assert not is_working_day(D(2026, 4, 27))
    assert due_date(at(2026, 4, 29, 15, 30), SAME_DAY) == D(2026, 5, 4)
    # From Friday 24/4: Tuesday 28/4, Wednesday 29/4, then Monday 4/5.
    assert due_date(at(2026, 4, 24, 9, 0), THREE_DAYS) == D(2026, 5, 4)
    # 2027: 1/5 is a Saturday, observed on Monday 3/5.
    assert not is_working_day(D(2027, 4, 30))
    assert not is_working_day(D(2027, 5, 3))
    assert due_date(at(2027, 4, 29, 15, 30), SAME_DAY) == D(2027, 5, 4)


def test_2_september_and_the_adjacent_day() -> None:
    # 2027: Thursday 2/9 and the adjacent Friday 3/9.
    assert not is_working_day(D(2027, 9, 2))
    assert not is_working_day(D(2027, 9, 3))
    assert due_date(at(2027, 9, 1, 15, 30), SAME_DAY) == D(2027, 9, 6)
    # 2026: Tuesday 1/9 (adjacent) and Wednesday 2/9, and Monday 31/8 given in
    # exchange for Saturday 22/8, which the package knows is worked (làm bù).
    assert [d for d in (D(2026, 8, 31), D(2026, 9, 1), D(2026, 9, 2)) if is_working_day(d)] == []
    assert is_working_day(D(2026, 8, 22))
    assert D(2026, 8, 22) in rules.package_weekend_workdays(2026)
    assert due_date(at(2026, 8, 28, 16, 0), SAME_DAY) == D(2026, 9, 3)
    assert due_date(at(2026, 8, 21, 16, 0), SAME_DAY) == D(2026, 8, 22)


def test_a_swapped_working_saturday_from_an_override() -> None:
    saturday = D(2027, 2, 20)
    overrides = {saturday: "working_day"}
    assert not is_working_day(saturday)
    assert is_working_day(saturday, overrides)
    assert due_date(at(2027, 2, 19, 15, 30), SAME_DAY) == D(2027, 2, 22)
    assert due_date(at(2027, 2, 19, 15, 30), SAME_DAY, overrides) == saturday
    assert due_date(at(2027, 2, 20, 10, 0), SAME_DAY, overrides) == saturday


def test_an_extra_holiday_from_an_override() -> None:
    # Friday 20/11/2026 after 15:00 is due Monday 23/11; with Monday made a holiday,
    # Tuesday 24/11 is next, but that is Ngày Văn hóa Việt Nam: Wednesday 25/11.
    assert due_date(at(2026, 11, 20, 15, 30), SAME_DAY) == D(2026, 11, 23)
    overrides = {D(2026, 11, 23): "holiday"}
    assert due_date(at(2026, 11, 20, 15, 30), SAME_DAY, overrides) == D(2026, 11, 25)
    assert rules.package_holidays(2026)[D(2026, 11, 24)] == "Ngày Văn hóa Việt Nam"


def test_an_override_can_reopen_a_package_holiday() -> None:
    assert not is_working_day(D(2026, 11, 24))
    assert is_working_day(D(2026, 11, 24), {D(2026, 11, 24): "working_day"})


def test_overrides_that_close_every_day_are_an_error_not_a_hang() -> None:
    closed = {D(2030, 1, 1) + dt.timedelta(days=i): "holiday" for i in range(500)}
    with pytest.raises(rules.CalendarError):
        due_date(at(2030, 1, 1, 9, 0), SAME_DAY, closed)

"""Time as the law counts it: dates in Asia/Ho_Chi_Minh."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def vn_today() -> dt.date:
    return dt.datetime.now(VIETNAM).date()


def vn_date(at: dt.datetime) -> dt.date:
    """The day `at` falls on in Vietnam (from 17:00 UTC it is already the next one)."""
    return at.astimezone(VIETNAM).date()

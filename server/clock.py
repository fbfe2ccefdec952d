"""Time as the law counts it: dates in Asia/Ho_Chi_Minh."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def vn_today() -> dt.date:
    return dt.datetime.now(VIETNAM).date()

"""The one place the server reads the time; and time as the law counts it (dates in
Asia/Ho_Chi_Minh).

Each application has its clock (`app.state.clock`, see server.app): the real one, or a
`SettableClock` a test sets. While the application serves a request or runs its
background work, its clock is the current one, so `utcnow()` anywhere below a handler
reads it without the clock being passed down every call."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock:
    """The real clock."""

    def now(self) -> dt.datetime:
        """The time now, in UTC."""
        return dt.datetime.now(dt.UTC)

    def monotonic(self) -> float:
        """Seconds from an arbitrary start, never going back: for ages and timeouts."""
        return time.monotonic()


class SettableClock(Clock):
    """A clock that stands still where it is set (tests)."""

    def __init__(self, at: dt.datetime) -> None:
        self._at = at.astimezone(dt.UTC)
        self._elapsed = 0.0

    def now(self) -> dt.datetime:
        return self._at

    def monotonic(self) -> float:
        return self._elapsed

    def set(self, at: dt.datetime) -> None:
        """Move to `at` (its monotonic reading moves by the same amount, never back)."""
        at = at.astimezone(dt.UTC)
        self._elapsed += max(0.0, (at - self._at).total_seconds())
        self._at = at

    def advance(self, by: dt.timedelta) -> None:
        self.set(self._at + by)


SYSTEM_CLOCK = Clock()
_current: ContextVar[Clock] = ContextVar("motcua_clock", default=SYSTEM_CLOCK)


def current_clock() -> Clock:
    """The clock of the application running this code (the real one outside any)."""
    return _current.get()


@contextmanager
def clock_in_use(clock: Clock) -> Iterator[None]:
    """Make `clock` the current one for the code run inside (and tasks it starts)."""
    token = _current.set(clock)
    try:
        yield
    finally:
        _current.reset(token)


def utcnow() -> dt.datetime:
    return _current.get().now()


def vn_today() -> dt.date:
    return vn_date(utcnow())


def vn_date(at: dt.datetime) -> dt.date:
    """The day `at` falls on in Vietnam (from 17:00 UTC it is already the next one)."""
    return at.astimezone(VIETNAM).date()

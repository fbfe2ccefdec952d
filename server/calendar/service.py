"""The calendar overrides in the database, and the due dates that use them.

Every application keeps the overrides it last loaded (an OverridesCache on its state,
see server.app_state), with the token of the version row (CalendarVersion) they were
loaded under. Each use reads that token (one primary-key
lookup) and reloads the overrides only when it changed, so a change saved by any
process is seen by every process at its next use; writes change the token in the
same transaction as the overrides. The token is read before the overrides, so a
cached copy is never older than its token. As a safety net against rows edited by
hand (without changing the token), a copy is also reloaded after MAX_AGE_SECONDS.
Called without a cache (scripts, tests), the overrides are read every time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from types import MappingProxyType

import msgspec

from server.calendar import rules
from server.calendar.rules import OverrideKind, Overrides
from server.calendar.tables import CalendarOverride, CalendarVersion
from server.catalog.definition import Processing
from server.clock import current_clock, utcnow

MAX_AGE_SECONDS = 300.0
VERSION_ROW = 1
C = CalendarOverride


class OverrideRecord(msgspec.Struct, frozen=True):
    date: dt.date
    kind: OverrideKind
    note: str
    updated_at: dt.datetime


class _Cached(msgspec.Struct, frozen=True):
    token: str
    overrides: Overrides
    loaded_at: float  # the clock's monotonic reading


class OverridesCache:
    """One application's copy of the overrides."""

    def __init__(self) -> None:
        self.copy: _Cached | None = None


async def _token() -> str:
    row = (
        await CalendarVersion.select(CalendarVersion.token)
        .where(CalendarVersion.id == VERSION_ROW)
        .first()
    )
    # No row: a database the migration did not seed; treated as never changed.
    return row["token"] if row else "initial"


async def current_overrides(cache: OverridesCache | None = None) -> Overrides:
    """The overrides as stored now, from the application's copy when it is current."""
    token = await _token()
    clock = current_clock()
    cached = cache.copy if cache else None
    if (
        cached is not None
        and cached.token == token
        and clock.monotonic() - cached.loaded_at < MAX_AGE_SECONDS
    ):
        return cached.overrides
    rows = await C.select(C.day, C.kind)
    overrides: Overrides = MappingProxyType({_date(r["day"]): r["kind"] for r in rows})
    if cache is not None:
        cache.copy = _Cached(token=token, overrides=overrides, loaded_at=clock.monotonic())
    return overrides


async def due_date_for(
    received_at: dt.datetime,
    processing: Processing,
    cache: OverridesCache | None = None,
    *,
    extended: bool = False,
) -> dt.date:
    """rules.due_date with the stored overrides."""
    overrides = await current_overrides(cache)
    return rules.due_date(received_at, processing, overrides, extended=extended)


async def is_working_day(day: dt.date, cache: OverridesCache | None = None) -> bool:
    return rules.is_working_day(day, await current_overrides(cache))


async def add_working_days(start: dt.date, n: int, cache: OverridesCache | None = None) -> dt.date:
    return rules.add_working_days(start, n, await current_overrides(cache))


def _record(row: dict) -> OverrideRecord:
    return OverrideRecord(
        date=_date(row["day"]), kind=row["kind"], note=row["note"], updated_at=row["updated_at"]
    )


async def list_overrides(year: int | None = None) -> list[OverrideRecord]:
    query = C.select(C.day, C.kind, C.note, C.updated_at).order_by(C.day)
    if year is not None:
        query = query.where((C.day >= dt.date(year, 1, 1)) & (C.day <= dt.date(year, 12, 31)))
    return [_record(r) for r in await query]


async def get_override(day: dt.date) -> OverrideRecord | None:
    row = await C.select(C.day, C.kind, C.note, C.updated_at).where(C.day == day).first()
    return _record(row) if row else None


async def _bump(now: dt.datetime) -> None:
    updated = (
        await CalendarVersion.update(
            {CalendarVersion.token: str(uuid.uuid4()), CalendarVersion.changed_at: now}
        )
        .where(CalendarVersion.id == VERSION_ROW)
        .returning(CalendarVersion.id)
    )
    if not updated:
        await CalendarVersion.insert(
            CalendarVersion(id=VERSION_ROW, token=str(uuid.uuid4()), changed_at=now)
        )


async def set_override(
    day: dt.date, kind: OverrideKind, note: str = "", *, actor_id: uuid.UUID | None = None
) -> tuple[OverrideRecord, bool]:
    """Create or replace the override of `day`; returns it and whether it is new.
    Runs in the caller's (write) transaction."""
    if kind not in rules.OVERRIDE_KINDS:
        raise ValueError(f"unknown override kind {kind!r}")
    now = utcnow()
    inserted = await (
        C.insert(C(day=day, kind=kind, note=note, updated_at=now, updated_by=actor_id))
        .on_conflict(target=C.day, action="DO NOTHING")
        .returning(C.id)
    )
    if not inserted:
        await C.update(
            {C.kind: kind, C.note: note, C.updated_at: now, C.updated_by: actor_id}
        ).where(C.day == day)
    await _bump(now)
    return OverrideRecord(date=day, kind=kind, note=note, updated_at=now), bool(inserted)


async def delete_override(day: dt.date) -> bool:
    """Remove the override of `day`; False when there was none. In the caller's transaction."""
    deleted = await C.delete().where(C.day == day).returning(C.id)
    if deleted:
        await _bump(utcnow())
    return bool(deleted)


def _date(value: object) -> dt.date:
    # asyncpg returns a date; be lenient with a string from SQLite.
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))

"""The desk's two actions on a dossier's due date.

* extend_for_verification (gia hạn để xác minh): the procedure's `extended_days`
  apply (marriage: 5 working days instead of the same day; recognition of parents:
  8 instead of 3) because the conditions must be verified. The due date is counted
  again from the time of receipt with the working-day calendar, as at receipt. Once
  per dossier, and only for a procedure that has an extended limit.
* apologise (xin lỗi và hẹn lại ngày trả kết quả): the dossier is past its date and
  still unresolved; the official records why and a new appointment (a working day
  after today). The due date stays (the dossier was late, and the reports say so);
  the appointment moves, and an apology letter is issued (server/receipts/apology.py),
  numbered per dossier. The letters are read back from the history, which keeps them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from server.calendar.service import OverridesCache, due_date_for, is_working_day
from server.catalog.services import procedure_version
from server.clock import vn_date
from server.desk.schemas import Apologise, ExtendForVerification
from server.dossiers.tables import Dossier, DossierHistory
from server.identity.principal import Principal
from server.problems import FieldError, ProblemError
from sync.store import DossierRecord

EXTEND = "extend_for_verification"
APOLOGISE = "apologise"
# A new appointment further than this is a typing mistake, not a plan.
_FURTHEST_DAYS = 366


def _invalid(path: str, code: str, message: str) -> ProblemError:
    return ProblemError(
        422, "validation_failed", errors=[FieldError(path=path, code=code, message=message)]
    )


def _day(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def _sentence(text: str) -> str:
    """The reason as a sentence in the message, whatever the official typed last."""
    return text if text[-1:] in ".!?…" else text + "."


async def extend(
    record: DossierRecord,
    payload: ExtendForVerification,
    principal: Principal,
    calendar: OverridesCache | None,
) -> tuple[str, dict[str, Any]]:
    """Moves the record's due date (and the appointment with it); the message for the
    person and the history's details."""
    found = await procedure_version(record.procedure_code, record.schema_version)
    processing = found.definition.processing if found else None
    if processing is None or not processing.extended_days:
        raise ProblemError(
            409,
            "no_extended_time",
            detail=(
                f"Thủ tục {record.procedure_code} không có thời hạn gia hạn.",
                f"{record.procedure_code} has no extended processing time.",
            ),
        )
    row = (
        await Dossier.select(Dossier.received_at, Dossier.extended_at)
        .where(Dossier.id == record.id)
        .first()
    )
    if row is None or row["received_at"] is None:
        raise ProblemError(409, "no_receipt_time")
    if row["extended_at"] is not None:
        raise ProblemError(409, "already_extended")
    old = record.due_date
    new = await due_date_for(row["received_at"], processing, calendar, extended=True)
    reason = payload.reason.strip()
    record.due_date = new
    # An appointment already later (after an apology) is kept.
    record.appointment_date = max(new, record.appointment_date or new)
    message = (
        f"Hồ sơ được gia hạn giải quyết để xác minh. Lý do: {_sentence(reason)} "
        f"Ngày hẹn trả kết quả mới: {_day(record.appointment_date)}."
    )
    return message, {
        "reason": reason,
        "old_due_date": old.isoformat() if old else "",
        "new_due_date": new.isoformat(),
        "extended_days": processing.extended_days,
        "official": principal.full_name,
    }


async def apologise(
    record: DossierRecord,
    payload: Apologise,
    now: dt.datetime,
    principal: Principal,
    calendar: OverridesCache | None,
) -> tuple[str, dict[str, Any]]:
    """Moves the record's appointment; the message for the person and the history's
    details, which are the letter's."""
    today = vn_date(now)
    promised = record.appointment_date or record.due_date
    if promised is None or promised >= today:
        raise ProblemError(
            409,
            "not_overdue",
            detail=(
                f"Ngày hẹn trả kết quả là {_day(promised)}.",
                f"The result is due on {_day(promised)}.",
            )
            if promised
            else None,
        )
    new = payload.new_date
    if new <= today:
        raise _invalid("new_date", "not_after_today", "the new date must be after today")
    if new > today + dt.timedelta(days=_FURTHEST_DAYS):
        raise _invalid("new_date", "too_far", f"at most {_FURTHEST_DAYS} days from today")
    if not await is_working_day(new, calendar):
        raise _invalid("new_date", "not_a_working_day", "the new date must be a working day")
    reason = payload.reason.strip()
    number = len(await apology_letters(record.id)) + 1
    record.appointment_date = new
    message = (
        f"Cơ quan giải quyết xin lỗi vì hồ sơ chưa có kết quả đúng hẹn ngày {_day(promised)}. "
        f"Lý do: {_sentence(reason)} Ngày hẹn trả kết quả mới: {_day(new)}."
    )
    return message, {
        "reason": reason,
        "original_date": promised.isoformat(),
        "due_date": record.due_date.isoformat() if record.due_date else "",
        "new_date": new.isoformat(),
        "number": number,
        "official": principal.full_name,
    }


class ApologyRecord(msgspec.Struct, frozen=True):
    number: int
    at: dt.datetime
    reason: str
    original_date: dt.date
    new_date: dt.date
    official: str


async def apology_letters(dossier_id: uuid.UUID) -> list[ApologyRecord]:
    """The dossier's apologies, in order (their letters are numbered from 1)."""
    return (await apology_letters_of([dossier_id])).get(dossier_id, [])


async def apology_letters_of(ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ApologyRecord]]:
    """The apologies of each of these dossiers, in order, each dossier's numbered from 1."""
    if not ids:
        return {}
    rows = (
        await DossierHistory.select(
            DossierHistory.dossier_id, DossierHistory.at, DossierHistory.detail
        )
        .where(DossierHistory.dossier_id.is_in(ids) & (DossierHistory.action == APOLOGISE))
        .order_by(DossierHistory.id)
    )
    letters: dict[uuid.UUID, list[ApologyRecord]] = {}
    for row in rows:
        detail = msgspec.json.decode(row["detail"])
        mine = letters.setdefault(row["dossier_id"], [])
        mine.append(
            ApologyRecord(
                number=len(mine) + 1,
                at=row["at"],
                reason=detail["reason"],
                original_date=dt.date.fromisoformat(detail["original_date"]),
                new_date=dt.date.fromisoformat(detail["new_date"]),
                official=detail.get("official", ""),
            )
        )
    return letters

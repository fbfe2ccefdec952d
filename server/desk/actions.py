"""Desk actions: each one state transition, recorded in the dossier's history and
the audit log, published to the change feed (the person's phone pulls it), with
the person's notification in the outbox — all in one transaction."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import msgspec
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from server.attachments.blobs import held_by
from server.audit.service import record as audit
from server.calendar.service import OverridesCache, due_date_for
from server.catalog.services import procedure_version
from server.clock import utcnow, vn_date
from server.database import write_transaction
from server.desk import deadlines, notices
from server.desk.payment import AlreadyRecorded, VerifiedPayment, reference_used, verify_payment
from server.desk.schemas import (
    ActionResult,
    Apologise,
    Complete,
    ExtendForVerification,
    MarkDuplicate,
    Note,
    Reason,
    RecordPayment,
    RequestDocuments,
    RequestFee,
    ReturnResult,
)
from server.dossiers.access import may_process, not_found
from server.dossiers.store import PiccoloStore, publish_change, record_from_row
from server.dossiers.tables import Dossier, DossierHistory, DossierTask
from server.identity.principal import Principal
from server.notify.worker import notify_now
from server.payments import ledger
from server.problems import FieldError, ProblemError
from server.settings import Settings
from sync.messages import SupplementRequest
from sync.states import DESK_ACTIONS, State, label
from sync.store import DossierRecord

PAYLOADS: dict[str, type] = {
    "receive": Note,
    "refuse": Reason,
    "start": Note,
    "request_documents": RequestDocuments,
    "request_fee": RequestFee,
    "record_payment": RecordPayment,
    "stop": Reason,
    "complete": Complete,
    "return_result": ReturnResult,
    "accept_withdrawal": Note,
    "message": Reason,
    "mark_duplicate": MarkDuplicate,
    "mark_not_duplicate": Note,
    deadlines.EXTEND: ExtendForVerification,
    deadlines.APOLOGISE: Apologise,
}
_MAX_TEXT = 2000
_MAX_REFERENCE = 128  # the payment table's column
_MISSING = re.compile(r"Object missing required field `([a-z_]+)`$")


def _invalid(path: str, code: str, message: str) -> ProblemError:
    return ProblemError(
        422, "validation_failed", errors=[FieldError(path=path, code=code, message=message)]
    )


def decode_action(action: str, body: bytes) -> Any:
    if action not in PAYLOADS:
        raise ProblemError(404, "unknown_action", detail=action)
    try:
        payload = msgspec.json.decode(body or b"{}", type=PAYLOADS[action])
    except msgspec.ValidationError as exc:
        message = str(exc)
        missing = _MISSING.match(message)
        if missing:  # named as the field it is, so the form can show it there
            raise _invalid(missing.group(1), "required", message) from None
        path = message.split("at `")[-1].rstrip("`") if "at `" in message else "$"
        raise _invalid(path, "invalid", message) from None
    except msgspec.DecodeError as exc:
        raise ProblemError(
            400, "invalid_request", detail=("Dữ liệu gửi lên không phải JSON hợp lệ.", str(exc))
        ) from None
    for name in ("message", "reason", "register_number", "reference", "tracking_number"):
        value = getattr(payload, name, None)
        if isinstance(value, str) and len(value) > _MAX_TEXT:
            raise _invalid(name, "too_long", str(_MAX_TEXT))
    if (
        isinstance(payload, Reason | ExtendForVerification | Apologise)
        and not payload.reason.strip()
    ):
        raise _invalid("reason", "required", "a reason is required")
    if isinstance(payload, RecordPayment):
        if not payload.reference.strip():
            raise _invalid("reference", "required", "the receipt or transaction reference")
        if len(payload.reference.strip()) > _MAX_REFERENCE:
            raise _invalid("reference", "too_long", str(_MAX_REFERENCE))
    return payload


async def load_for_desk(
    engine: Engine, principal: Principal, dossier_id: uuid.UUID
) -> DossierRecord:
    """The dossier for a desk action, locked on PostgreSQL until the transaction ends;
    404, as for no dossier, when the desk may not work it (another commune's, or a
    person's draft) — shared with the linked tasks."""
    query = Dossier.select().where(Dossier.id == dossier_id)
    if isinstance(engine, PostgresEngine):
        query = query.lock_rows("UPDATE")
    row = await query.first()
    if row is None or not may_process(principal, row):
        raise not_found(dossier_id)
    return record_from_row(row)


def _ensure_allowed(action: str, state: int) -> None:
    if State(state) not in DESK_ACTIONS[action][0]:
        raise ProblemError(
            409,
            "not_allowed_in_state",
            detail=(
                f"Hồ sơ đang ở trạng thái “{label(state, 'vi')}”.",
                f"The dossier's state is “{label(state, 'en')}”.",
            ),
        )


def _result(record: DossierRecord) -> ActionResult:
    return ActionResult(
        id=record.id,
        state=record.state,
        version=record.version,
        due_date=record.due_date,
        appointment_date=record.appointment_date,
    )


async def perform(
    engine: Engine,
    settings: Settings,
    principal: Principal,
    dossier_id: uuid.UUID,
    action: str,
    payload: Any,
    calendar: OverridesCache | None = None,
) -> ActionResult:
    target = DESK_ACTIONS[action][1]
    if action == "record_payment":
        # Asked of the provider before the transaction (see server.desk.payment).
        payload = await verify_payment(
            settings, principal, dossier_id, payload, lambda state: _ensure_allowed(action, state)
        )
        if isinstance(payload, AlreadyRecorded):
            return _result(await load_for_desk(engine, principal, dossier_id))
    async with write_transaction(engine):
        record = await load_for_desk(engine, principal, dossier_id)
        if isinstance(payload, VerifiedPayment):
            paid = payload.confirmation
            if await ledger.holder(paid.provider, payload.scope, paid.reference) == record.id:
                return _result(record)  # the same request, recorded meanwhile
        _ensure_allowed(action, record.state)
        now = utcnow()
        from_state = record.state
        message, detail = await _apply(record, action, payload, now, principal, calendar)
        if target is not None:
            record.state = target
        record.version += 1
        record.updated_at = now
        store = PiccoloStore(engine, settings.base_url)
        await store.update(record)
        await _set_desk_columns(record.id, action, payload, now)
        await DossierHistory.insert(
            DossierHistory(
                dossier_id=record.id,
                at=now,
                actor_id=principal.account_id,
                actor_role=principal.role.value,
                device_id=principal.device_id,
                action=action,
                from_state=from_state,
                to_state=record.state,
                message=message,
                detail=msgspec.json.encode(detail).decode(),
            )
        )
        await publish_change(store.engine, record)
        await audit(
            f"desk_{action}",
            actor_id=principal.account_id,
            target_kind="dossier",
            target_id=record.id,
            device_id=principal.device_id,
            detail={"from": str(from_state), "to": str(record.state)},
        )
        await notices.for_action(record, action, payload, settings.base_url, detail)
    notify_now()
    return _result(record)


async def _apply(
    record: DossierRecord,
    action: str,
    payload: Any,
    now: dt.datetime,
    principal: Principal,
    calendar: OverridesCache | None,
) -> tuple[str, dict[str, Any]]:
    """Changes to the record for `action`; returns the message for the person and details."""
    if action == deadlines.EXTEND:
        return await deadlines.extend(record, payload, principal, calendar)
    if action == deadlines.APOLOGISE:
        return await deadlines.apologise(record, payload, now, principal, calendar)
    if action == "receive":
        found = await procedure_version(record.procedure_code, record.schema_version)
        if found is None:
            raise ProblemError(409, "unknown_procedure", detail=record.procedure_code)
        # The 15:00 rule, weekends, holidays and swapped working days, in Vietnam time.
        record.due_date = await due_date_for(now, found.definition.processing, calendar)
        record.appointment_date = record.due_date
        await _create_tasks(record, found.definition.linked_tasks, now)
        return payload.message, {"due_date": record.due_date.isoformat()}
    if action == "request_documents":
        if not payload.documents or not all(d.strip() for d in payload.documents):
            raise _invalid("documents", "required", "name at least one document")
        if not payload.reason.strip():
            raise _invalid("reason", "required", "a reason is required")
        if payload.due_date < vn_date(now):
            raise _invalid("due_date", "date_in_past", "the date has passed")
        record.supplement = SupplementRequest(
            documents=[d.strip() for d in payload.documents],
            reason=payload.reason.strip(),
            due_date=payload.due_date,
            requested_at=now,
        )
        return payload.reason, {"documents": "; ".join(payload.documents)[:500]}
    if action == "request_fee":
        if payload.amount < 0:
            raise _invalid("amount", "too_small", "0 or more")
        return payload.message, {"amount": str(payload.amount), "method": payload.method}
    if action == "record_payment":
        return "", await _record_payment(record, payload, now, principal)
    if action == "complete":
        if not payload.register_number.strip():
            raise _invalid("register_number", "required", "the civil-status register number")
        # The rule of a person's attachments: only a file this account sent itself.
        if payload.result_sha256 is not None and not await held_by(
            principal.account_id, {payload.result_sha256}
        ):
            raise _invalid(
                "result_sha256", "attachment_not_uploaded", "upload the result document first"
            )
        open_tasks = await DossierTask.count().where(
            (DossierTask.dossier_id == record.id) & (DossierTask.state != "done")
        )
        if open_tasks:
            raise ProblemError(
                409,
                "linked_tasks_open",
                detail=(
                    f"Còn {open_tasks} việc liên thông chưa xong.",
                    f"{open_tasks} linked task(s) not done.",
                ),
            )
        return payload.message, {"register_number": payload.register_number}
    if action == "return_result":
        if payload.method == "post" and not payload.tracking_number.strip():
            raise _invalid("tracking_number", "required", "the postal tracking number")
        return "", {"method": payload.method, "tracking_number": payload.tracking_number}
    if action == "mark_duplicate":
        other = (
            await Dossier.select(Dossier.id, Dossier.commune_code, Dossier.state)
            .where(Dossier.id == payload.of)
            .first()
        )
        # A dossier the desk may not see is no dossier: the same refusal as for none.
        if other is None or other["id"] == record.id or not may_process(principal, other):
            raise _invalid("of", "unknown_dossier", str(payload.of))
        reason = payload.reason or "Trùng với hồ sơ đã nộp trước đó."
        return reason, {"duplicate_of": str(payload.of)}
    if action in ("refuse", "stop", "message"):
        return payload.reason.strip(), {}
    return getattr(payload, "message", ""), {}


async def _set_desk_columns(
    dossier_id: uuid.UUID, action: str, payload: Any, now: dt.datetime
) -> None:
    values: dict = {}
    if action == "receive":
        values[Dossier.received_at] = now
    elif action == "request_fee":
        values[Dossier.fee] = msgspec.json.encode(
            {"amount": payload.amount, "method": payload.method}
        ).decode()
    elif action == "record_payment":
        row = await Dossier.select(Dossier.fee).where(Dossier.id == dossier_id).first()
        fee = msgspec.json.decode(row["fee"]) if row and row["fee"] else {}
        paid = payload.confirmation
        fee.update(
            reference=paid.reference,
            provider=paid.provider,
            amount_paid=paid.amount,
            paid_at=(paid.paid_at or now).isoformat(),
        )
        values[Dossier.fee] = msgspec.json.encode(fee).decode()
    elif action == "complete":
        values[Dossier.completed_at] = now
        values[Dossier.result] = msgspec.json.encode(
            {"register_number": payload.register_number, "result_sha256": payload.result_sha256}
        ).decode()
    elif action == "return_result":
        row = await Dossier.select(Dossier.result).where(Dossier.id == dossier_id).first()
        result = msgspec.json.decode(row["result"]) if row and row["result"] else {}
        result.update(method=payload.method, tracking_number=payload.tracking_number)
        values[Dossier.returned_at] = now
        values[Dossier.result] = msgspec.json.encode(result).decode()
    elif action == "mark_duplicate":
        values[Dossier.duplicate_decision] = "duplicate"
        values[Dossier.possible_duplicate_of] = payload.of
    elif action == "mark_not_duplicate":
        values[Dossier.duplicate_decision] = "not_duplicate"
    elif action == deadlines.EXTEND:
        values[Dossier.extended_at] = now
    if values:
        await Dossier.update(values).where(Dossier.id == dossier_id)


async def _record_payment(
    record: DossierRecord, payment: VerifiedPayment, now: dt.datetime, principal: Principal
) -> dict[str, str]:
    row = await Dossier.select(Dossier.fee).where(Dossier.id == record.id).first()
    fee = msgspec.json.decode(row["fee"]) if row and row["fee"] else {}
    if (
        fee.get("amount") != payment.fee_amount
    ):  # a new fee was asked for while the provider answered
        raise ProblemError(
            409,
            "fee_changed",
            detail=(
                f"Lệ phí hiện là {fee.get('amount')} đồng; hãy kiểm tra lại.",
                f"The fee is now {fee.get('amount')} đồng; check again.",
            ),
        )
    paid = payment.confirmation
    if not await ledger.record(record.id, paid, payment.scope, principal.account_id, now):
        raise reference_used(paid.reference)
    return {"reference": paid.reference, "provider": paid.provider, "amount": str(paid.amount)}


async def _create_tasks(record: DossierRecord, linked_tasks, now: dt.datetime) -> None:
    for task in linked_tasks:
        await DossierTask.insert(
            DossierTask(
                dossier_id=record.id,
                task=task.id,
                agency=task.agency,
                state="pending",
                updated_at=now,
            )
        )

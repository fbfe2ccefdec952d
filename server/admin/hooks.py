"""What piccolo-admin may change, checked before each write, and the audit entry of
every change.

piccolo-admin (through PiccoloCRUD) calls a hook before it inserts (pre_save),
patches (pre_patch) or deletes one row (pre_delete); PUT and bulk DELETE run no hook,
so they are refused here. The gate runs every writing request in one write
transaction and rolls it back when the answer is an error, so an audit entry is
committed together with the change it records, or not at all."""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from enum import Enum
from typing import Any

from piccolo.columns import Column
from piccolo_api.crud.hooks import Hook, HookType
from piccolo_api.crud.validators import Validators
from starlette.exceptions import HTTPException
from starlette.requests import Request

from server.admin.signed_in import actor
from server.audit.service import record
from server.calendar.rules import OVERRIDE_KINDS
from server.calendar.tables import CalendarOverride, CalendarVersion
from server.clock import utcnow
from server.communes.tables import Commune, Province
from server.fees.items import FEE_ITEMS
from server.fees.tables import NATIONAL, ProvincialFee
from server.identity.roles import OFFICIAL_ROLES, Role
from server.identity.tables import Account


def _bad(message: str) -> HTTPException:
    return HTTPException(status_code=400, detail=message)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _text(value: Any) -> str:
    return " ".join(unicodedata.normalize("NFC", str(_plain(value) or "")).split())


def _shown(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return "" if value is None else str(value)[:200]


def _changes(before: dict, after: dict) -> dict[str, str]:
    return {
        name: f"{_shown(before.get(name))} → {_shown(value)}"
        for name, value in after.items()
        if before.get(name) != value
    }


def _by_name(values: dict[Column, Any]) -> dict[str, Any]:
    return {column._meta.name: _plain(value) for column, value in values.items()}


def _refuse(message: str):
    def validator(piccolo_crud, request: Request) -> None:
        raise HTTPException(status_code=405, detail=message)

    return validator


_NO_PUT = _refuse("Use PATCH: a whole-row PUT is not audited.")
_NO_BULK_DELETE = _refuse("Delete rows one at a time.")
_READ_ONLY = _refuse("This table is read-only here.")

READ_ONLY = Validators(
    post_single=[_READ_ONLY],
    put_single=[_READ_ONLY],
    patch_single=[_READ_ONLY],
    delete_single=[_READ_ONLY],
    delete_all=[_READ_ONLY],
)


def _editable_only(
    current: dict, values: dict[str, Any], editable: set[str], ignored: set[str]
) -> dict[str, Any]:
    """The changed editable fields. The UI sends every field of the form: unchanged
    ones are dropped, a changed read-only one is refused."""
    changed = {}
    for name, value in values.items():
        if name in ignored or isinstance(value, (dt.datetime, dt.date)):
            continue  # secrets, and timestamps the form may round
        if name in editable:
            if value != current.get(name):
                changed[name] = value
        elif value != current.get(name) and str(value) != str(current.get(name)):
            raise _bad(f"{name} cannot be changed here (editable: {', '.join(sorted(editable))})")
    return changed


# Accounts ---------------------------------------------------------------------------


async def _account_pre_patch(
    row_id: Any, values: dict[Column, Any], request: Request
) -> dict[Column, Any]:
    account_id, ip = actor(request)
    current = await Account.select().where(Account.id == row_id).first()
    if current is None:
        raise HTTPException(status_code=404, detail="no such account")
    changed = _editable_only(current, _by_name(values), {"role", "commune_code"}, {"password_hash"})
    role = changed.get("role", current["role"])
    commune = _text(changed.get("commune_code", current["commune_code"]))
    if role not in {r.value for r in Role}:
        raise _bad(f"role must be one of {', '.join(r.value for r in Role)}")
    if Role(role) in OFFICIAL_ROLES:
        if not commune or not await Commune.exists().where(Commune.code == commune):
            raise _bad("an official's commune_code must be a commune code, e.g. 00070")
    elif commune:
        raise _bad("citizens and administrators belong to no commune: leave commune_code empty")
    if current["role"] == Role.admin.value and role != Role.admin.value:
        admins = await Account.count().where(Account.role == Role.admin.value)
        if admins <= 1:
            raise _bad("the last administrator cannot lose the role")
    after = {"role": role, "commune_code": commune}
    detail = _changes(current, after)
    if detail:
        await record(
            "account_updated",
            actor_id=account_id,
            target_kind="account",
            target_id=str(row_id),
            ip=ip,
            detail={"via": "admin", **detail},
        )
    # Always a value: an empty update is an error in Piccolo.
    return {Account.role: role, Account.commune_code: commune}


ACCOUNT_HOOKS = [Hook(HookType.pre_patch, _account_pre_patch)]
ACCOUNT_VALIDATORS = Validators(
    post_single=[
        _refuse(
            "Invite officials from the account page (POST /api/admin/accounts/officials) "
            "or with `motcua create-admin`: they get an enrollment link."
        )
    ],
    delete_single=[_refuse("Accounts are not deleted: change the role instead.")],
    put_single=[_NO_PUT],
    delete_all=[_NO_BULK_DELETE],
)


# Communes (the receiving agencies) -------------------------------------------------


async def _commune_pre_patch(
    row_id: Any, values: dict[Column, Any], request: Request
) -> dict[Column, Any]:
    account_id, ip = actor(request)
    current = await Commune.select().where(Commune.code == row_id).first()
    if current is None:
        raise HTTPException(status_code=404, detail="no such commune")
    changed = _editable_only(current, _by_name(values), {"agency_name"}, set())
    name = _text(changed.get("agency_name", current["agency_name"]))
    if not name or len(name) > 150:
        raise _bad("agency_name: 1 to 150 characters")
    detail = _changes(current, {"agency_name": name})
    if detail:
        await record(
            "commune_updated",
            actor_id=account_id,
            target_kind="commune",
            target_id=str(row_id),
            ip=ip,
            detail={"via": "admin", **detail},
        )
    return {Commune.agency_name: name}


COMMUNE_HOOKS = [Hook(HookType.pre_patch, _commune_pre_patch)]
COMMUNE_VALIDATORS = Validators(
    post_single=[_refuse("Communes come from `motcua seed`.")],
    delete_single=[_refuse("Communes come from `motcua seed`.")],
    put_single=[_NO_PUT],
    delete_all=[_NO_BULK_DELETE],
)


# Fees --------------------------------------------------------------------------------


async def _checked_fee(row: dict) -> dict:
    province = _text(row.get("province_code"))
    item = _text(row.get("item"))
    if province != NATIONAL and not await Province.exists().where(Province.code == province):
        raise _bad(
            f"province_code must be a province code (01 … 96) or {NATIONAL} for a national fee"
        )
    if item not in FEE_ITEMS:
        raise _bad(f"item must be one of {', '.join(sorted(FEE_ITEMS))}")
    amount = _plain(row.get("amount"))
    if not isinstance(amount, int) or not 0 <= amount <= 100_000_000:
        raise _bad("amount: whole đồng, 0 to 100 000 000")
    note = str(row.get("note") or "").strip()
    if len(note) > 2000:
        raise _bad("note: at most 2000 characters")
    return {"province_code": province, "item": item, "amount": amount, "note": note}


async def _fee_pre_save(row: ProvincialFee, request: Request) -> ProvincialFee:
    account_id, ip = actor(request)
    checked = await _checked_fee(
        {
            "province_code": row.province_code,
            "item": row.item,
            "amount": row.amount,
            "note": row.note,
        }
    )
    for name, value in checked.items():
        setattr(row, name, value)
    row.updated_at, row.updated_by = utcnow(), account_id
    await record(
        "fee_set",
        actor_id=account_id,
        target_kind="fee",
        target_id=f"{checked['province_code']}/{checked['item']}",
        ip=ip,
        detail={"via": "admin", "amount": str(checked["amount"])},
    )
    return row


async def _fee_pre_patch(
    row_id: Any, values: dict[Column, Any], request: Request
) -> dict[Column, Any]:
    account_id, ip = actor(request)
    current = await ProvincialFee.select().where(ProvincialFee.id == row_id).first()
    if current is None:
        raise HTTPException(status_code=404, detail="no such fee")
    sent = {
        k: v
        for k, v in _by_name(values).items()
        if k in ("province_code", "item", "amount", "note")
    }
    checked = await _checked_fee({**current, **sent})
    detail = _changes(current, checked)
    if detail:
        await record(
            "fee_set",
            actor_id=account_id,
            target_kind="fee",
            target_id=f"{checked['province_code']}/{checked['item']}",
            ip=ip,
            detail={"via": "admin", **detail},
        )
    F = ProvincialFee
    return {
        F.province_code: checked["province_code"],
        F.item: checked["item"],
        F.amount: checked["amount"],
        F.note: checked["note"],
        F.updated_at: utcnow(),
        F.updated_by: account_id,
    }


async def _fee_pre_delete(row_id: Any, request: Request) -> None:
    account_id, ip = actor(request)
    current = await ProvincialFee.select().where(ProvincialFee.id == row_id).first()
    if current is not None:
        await record(
            "fee_removed",
            actor_id=account_id,
            target_kind="fee",
            target_id=f"{current['province_code']}/{current['item']}",
            ip=ip,
            detail={"via": "admin", "amount": str(current["amount"])},
        )


FEE_HOOKS = [
    Hook(HookType.pre_save, _fee_pre_save),
    Hook(HookType.pre_patch, _fee_pre_patch),
    Hook(HookType.pre_delete, _fee_pre_delete),
]
FEE_VALIDATORS = Validators(put_single=[_NO_PUT], delete_all=[_NO_BULK_DELETE])


# Calendar overrides ------------------------------------------------------------------
# Every change must change CalendarVersion's token in the same transaction, as
# server/calendar/service.py does: each process reloads its cached overrides when the
# token differs.


async def _bump_calendar(now: dt.datetime) -> None:
    updated = (
        await CalendarVersion.update(
            {CalendarVersion.token: str(uuid.uuid4()), CalendarVersion.changed_at: now}
        )
        .where(CalendarVersion.id == 1)
        .returning(CalendarVersion.id)
    )
    if not updated:
        await CalendarVersion.insert(CalendarVersion(id=1, token=str(uuid.uuid4()), changed_at=now))


def _checked_override(row: dict) -> dict:
    day = row.get("day")
    if isinstance(day, dt.datetime):
        day = day.date()
    if not isinstance(day, dt.date) or not 1995 <= day.year <= 2200:
        raise _bad("day: a date between 1995 and 2200")
    kind = _plain(row.get("kind"))
    if kind not in OVERRIDE_KINDS:
        raise _bad(f"kind must be one of {', '.join(OVERRIDE_KINDS)}")
    note = _text(row.get("note"))
    if len(note) > 500:
        raise _bad("note: at most 500 characters")
    return {"day": day, "kind": kind, "note": note}


async def _override_pre_save(row: CalendarOverride, request: Request) -> CalendarOverride:
    account_id, ip = actor(request)
    checked = _checked_override({"day": row.day, "kind": row.kind, "note": row.note})
    for name, value in checked.items():
        setattr(row, name, value)
    now = utcnow()
    row.updated_at, row.updated_by = now, account_id
    await _bump_calendar(now)
    await record(
        "calendar_override_set",
        actor_id=account_id,
        target_kind="calendar",
        target_id=checked["day"].isoformat(),
        ip=ip,
        detail={"via": "admin", "kind": checked["kind"], "note": checked["note"]},
    )
    return row


async def _override_pre_patch(
    row_id: Any, values: dict[Column, Any], request: Request
) -> dict[Column, Any]:
    account_id, ip = actor(request)
    C = CalendarOverride
    current = await C.select().where(C.id == row_id).first()
    if current is None:
        raise HTTPException(status_code=404, detail="no such override")
    sent = {k: v for k, v in _by_name(values).items() if k in ("day", "kind", "note")}
    checked = _checked_override({**current, **sent})
    now = utcnow()
    await _bump_calendar(now)
    detail = {"via": "admin", "kind": checked["kind"], "note": checked["note"]}
    if str(current["day"])[:10] != checked["day"].isoformat():
        detail["moved_from"] = str(current["day"])[:10]
    await record(
        "calendar_override_set",
        actor_id=account_id,
        target_kind="calendar",
        target_id=checked["day"].isoformat(),
        ip=ip,
        detail=detail,
    )
    return {
        C.day: checked["day"],
        C.kind: checked["kind"],
        C.note: checked["note"],
        C.updated_at: now,
        C.updated_by: account_id,
    }


async def _override_pre_delete(row_id: Any, request: Request) -> None:
    account_id, ip = actor(request)
    C = CalendarOverride
    current = await C.select(C.day).where(C.id == row_id).first()
    if current is not None:
        await _bump_calendar(utcnow())
        await record(
            "calendar_override_removed",
            actor_id=account_id,
            target_kind="calendar",
            target_id=str(current["day"])[:10],
            ip=ip,
            detail={"via": "admin"},
        )


OVERRIDE_HOOKS = [
    Hook(HookType.pre_save, _override_pre_save),
    Hook(HookType.pre_patch, _override_pre_patch),
    Hook(HookType.pre_delete, _override_pre_delete),
]
OVERRIDE_VALIDATORS = Validators(put_single=[_NO_PUT], delete_all=[_NO_BULK_DELETE])

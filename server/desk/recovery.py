"""What the agency administrator sees after a restore (sync/README.md §9.2): when the
server was restored and which window of work may have been lost, and the dossiers
whose phones saw more than the restored database holds, so officials can redo it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from server.catalog.definition import Text
from server.desk.queue import state_text
from server.identity.principal import Principal
from server.identity.roles import Role
from server.identity.tables import Device
from server.problems import ProblemError
from server.recovery.tables import PutBack, ServerGeneration
from sync.states import State

MAX_LIMIT = 500


class LostWindow(msgspec.Struct):
    """A generation that began with a restore: what happened between the backup and
    `started_at` may be gone from the database."""

    generation: int
    # restore (motcua restore), declared (motcua restored), detected (a device knew more)
    cause: str
    started_at: dt.datetime
    # When the restored backup was taken; None when nobody knows (a detected restore).
    backup_taken_at: dt.datetime | None


class PutBackEntry(msgspec.Struct):
    """A dossier a phone put back that officials must look at (a `note` is set)."""

    id: uuid.UUID
    generation: int
    dossier_id: uuid.UUID
    code: str | None
    commune_code: str
    # desk_work_lost, answers_held, withdrawal_reapplied, code_taken, seal_invalid,
    # draft_changed_after_restore (written by the put-back, sync/recovery.py)
    note: str
    # What the phone saw, and what the server holds now (None: the server has no such dossier).
    phone_state: int | None
    phone_state_label: Text | None
    phone_version: int | None
    server_state: int | None
    server_state_label: Text | None
    server_version: int | None
    detail: dict[str, Any]
    device_id: uuid.UUID
    # "" when the device is no longer known to the server.
    device_name: str
    at: dt.datetime


class RecoveryList(msgspec.Struct):
    # Newest first; empty while the server was never restored.
    generations: list[LostWindow]
    # Newest first, at most `limit` from `offset`.
    put_backs: list[PutBackEntry]
    # How many put-backs match in all.
    total: int


def _commune_scope(principal: Principal, commune: str | None) -> str | None:
    """The commune whose put-backs the caller sees; None for every commune."""
    if principal.role is Role.admin:
        return commune
    if principal.role is not Role.agency_admin:
        raise ProblemError(403, "forbidden")
    if commune and commune != principal.commune_code:
        raise ProblemError(403, "forbidden", detail="another commune's put-backs")
    return principal.commune_code


def _label(state: int | None) -> Text | None:
    if state is None or state not in State._value2member_map_:
        return None
    return state_text(state)


def _detail(text: str) -> dict[str, Any]:
    # Written by the server as a JSON object; anything else shows as nothing.
    try:
        value = msgspec.json.decode(text)
    except msgspec.DecodeError:
        return {}
    return value if isinstance(value, dict) else {}


async def recovery_list(
    principal: Principal, commune: str | None, limit: int, offset: int
) -> RecoveryList:
    if not 1 <= limit <= MAX_LIMIT:  # the handler's parameter checks this too
        raise ProblemError(400, "invalid_parameter", detail=f"limit must be 1 to {MAX_LIMIT}")
    scope = _commune_scope(principal, commune)
    generations = (
        await ServerGeneration.select()
        .where(ServerGeneration.number > 1)
        .order_by(ServerGeneration.number, ascending=False)
    )
    noted = PutBack.note != ""
    where = noted if scope is None else noted & (PutBack.commune_code == scope)
    total = await PutBack.count().where(where)
    rows = (
        await PutBack.select()
        .where(where)
        .order_by(PutBack.at, PutBack.id, ascending=False)
        .limit(limit)
        .offset(offset)
    )
    names = await _device_names({r["device_id"] for r in rows})
    return RecoveryList(
        generations=[
            LostWindow(
                generation=g["number"],
                cause=g["cause"],
                started_at=g["started_at"],
                backup_taken_at=g["backup_taken_at"],
            )
            for g in generations
        ],
        put_backs=[
            PutBackEntry(
                id=r["id"],
                generation=r["generation"],
                dossier_id=r["dossier_id"],
                code=r["code"],
                commune_code=r["commune_code"],
                note=r["note"],
                phone_state=r["phone_state"],
                phone_state_label=_label(r["phone_state"]),
                phone_version=r["phone_version"],
                server_state=r["server_state"],
                server_state_label=_label(r["server_state"]),
                server_version=r["server_version"],
                detail=_detail(r["detail"]),
                device_id=r["device_id"],
                device_name=names.get(str(r["device_id"]), ""),
                at=r["at"],
            )
            for r in rows
        ],
        total=total,
    )


async def _device_names(ids: set[uuid.UUID]) -> dict[str, str]:
    if not ids:
        return {}
    rows = await Device.select(Device.id, Device.name).where(Device.id.is_in(list(ids)))
    # Keyed by text: asyncpg and SQLite hand back UUIDs of different types.
    return {str(r["id"]): r["name"] for r in rows}

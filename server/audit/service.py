"""Writing to the audit log, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from server.audit.tables import AuditEvent
from server.clock import utcnow


class AuditEntry(msgspec.Struct):
    id: int
    at: dt.datetime
    action: str
    target_kind: str
    target_id: str
    ip: str
    device_id: uuid.UUID | None
    detail: dict[str, str]


async def record(
    action: str,
    *,
    actor_id: uuid.UUID | None,
    target_kind: str,
    target_id: str | uuid.UUID = "",
    ip: str = "",
    device_id: uuid.UUID | None = None,
    detail: dict[str, str] | None = None,
) -> None:
    await AuditEvent.insert(
        AuditEvent(
            at=utcnow(),
            actor_id=actor_id,
            device_id=device_id,
            action=action,
            target_kind=target_kind,
            target_id=str(target_id),
            ip=ip[:64],
            detail=msgspec.json.encode(detail or {}).decode(),
        )
    )


async def activity_of(
    account_id: uuid.UUID, limit: int = 100, before: int | None = None
) -> list[AuditEntry]:
    """A person's own activity: what they did, and what was done to their account."""
    query = AuditEvent.select().where(
        (AuditEvent.actor_id == account_id)
        | ((AuditEvent.target_kind == "account") & (AuditEvent.target_id == str(account_id)))
    )
    if before is not None:
        query = query.where(AuditEvent.id < before)
    rows = await query.order_by(AuditEvent.id, ascending=False).limit(limit)
    return [
        AuditEntry(
            id=r["id"],
            at=r["at"],
            action=r["action"],
            target_kind=r["target_kind"],
            target_id=r["target_id"],
            ip=r["ip"],
            device_id=r["device_id"],
            detail=msgspec.json.decode(r["detail"]),
        )
        for r in rows
    ]

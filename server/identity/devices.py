"""Device credentials: `Authorization: Device <device id>.<secret>`."""

from __future__ import annotations

import datetime as dt
import uuid

from server.clock import utcnow
from server.identity.tables import Device
from server.identity.tokens import digest, new_secret, same
from server.problems import ProblemError
from server.sql import DEVICE_ACCOUNT, Sql

SCHEME = "Device"
# "Last seen" is shown to the person in minutes; writing it on every sync request
# would make each pull a write and add a statement to each push.
_TOUCH_EVERY = dt.timedelta(minutes=1)


async def register_device(account_id: uuid.UUID, device_id: uuid.UUID, name: str) -> str:
    """Registers an install, or re-keys it if the same account registers it again.
    Returns the credential, shown once."""
    secret = new_secret()
    now = utcnow()
    existing = await Device.select().where(Device.id == device_id).first()
    if existing is not None:
        if existing["account_id"] != account_id:
            raise ProblemError(409, "device_taken", detail=str(device_id))
        if existing["revoked_at"] is not None:
            raise ProblemError(403, "device_revoked", detail=str(device_id))
        await Device.update(
            {Device.token_hash: digest(secret), Device.name: name, Device.last_seen_at: now}
        ).where(Device.id == device_id)
    else:
        await Device.insert(
            Device(
                id=device_id,
                account_id=account_id,
                name=name,
                token_hash=digest(secret),
                created_at=now,
                last_seen_at=now,
            )
        )
    return f"{device_id}.{secret}"


def parse_credential(header_value: str) -> tuple[uuid.UUID, str]:
    value = header_value[len(SCHEME) :].strip()
    device_part, _, secret = value.partition(".")
    try:
        return uuid.UUID(device_part), secret
    except ValueError:
        raise ProblemError(401, "invalid_device_credential") from None


async def device_account(header_value: str) -> tuple[uuid.UUID, dict]:
    """The device id and its account's row (id, role, commune_code, full_name, email)."""
    device_id, secret = parse_credential(header_value)
    rows = await Sql(Device._meta.db).fetch(DEVICE_ACCOUNT, device_id=device_id)
    found = rows[0] if rows else None
    if found is None or not secret or not same(found["token_hash"], digest(secret)):
        raise ProblemError(401, "invalid_device_credential")
    if found["revoked_at"] is not None:
        # A clear refusal: the app tells the person this phone was signed out.
        raise ProblemError(401, "device_revoked", detail=str(device_id))
    now = utcnow()
    if now - found["last_seen_at"] >= _TOUCH_EVERY:
        await Device.update({Device.last_seen_at: now}).where(Device.id == device_id)
    return device_id, found


async def revoke_all_devices(account_id: uuid.UUID, by: uuid.UUID) -> int:
    """Every live device of the account (a password reset, signing out everywhere):
    their next sync is refused with device_revoked, and the app keeps what it has not
    sent until its person signs in again and registers it anew."""
    rows = (
        await Device.update({Device.revoked_at: utcnow(), Device.revoked_by: by})
        .where((Device.account_id == account_id) & Device.revoked_at.is_null())
        .returning(Device.id)
    )
    return len(rows)


async def revoke_device(device_id: uuid.UUID, by: uuid.UUID) -> bool:
    rows = (
        await Device.update({Device.revoked_at: utcnow(), Device.revoked_by: by})
        .where((Device.id == device_id) & Device.revoked_at.is_null())
        .returning(Device.id)
    )
    return bool(rows)

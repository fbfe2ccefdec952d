"""Reserved codes a restore forgot (sync/README.md §5.2, §9.2): the outreach device
still holds them, with the server's seal on (code, device), and families may already
hold receipts with them. Taken back for that device only."""

from __future__ import annotations

import datetime as dt
import uuid

from piccolo.engine.base import Engine

from server.clock import utcnow
from server.dossiers.reservations import LIFETIME
from server.dossiers.tables import CodeReservation, Dossier
from server.identity.principal import Principal
from server.recovery.keys import seal_key
from server.sql import Sql
from sync.codes import InvalidCode, parse_code
from sync.messages import HeldReservation, Reason
from sync.seals import reservation_seal, sealed


async def take_back_reservations(
    engine: Engine, principal: Principal, device_id: uuid.UUID, held: list[HeldReservation]
) -> tuple[int, list[Reason]]:
    """(how many were taken back, why the others were refused), in the caller's
    transaction. A reservation the database still holds for this device is left as it is."""
    if not held:
        return 0, []
    key = await seal_key(Sql(engine))
    now = utcnow()
    restored = 0
    refused: list[Reason] = []
    for index, reservation in enumerate(held):
        path = f"reservations[{index}]"
        try:
            code = parse_code(reservation.code)
        except InvalidCode as exc:
            refused.append(Reason("reserved_code_invalid", path, exc.reason))
            continue
        if not sealed(reservation_seal(key, code, device_id), reservation.seal):
            refused.append(Reason("seal_invalid", path, "not reserved to this device"))
            continue
        existing = await CodeReservation.select(CodeReservation.device_id).where(
            CodeReservation.code == code
        )
        if existing:
            if existing[0]["device_id"] != device_id:
                refused.append(Reason("code_taken", path, "reserved to another device"))
            continue
        if await Dossier.exists().where(Dossier.code == code):
            # Used after the backup by a dossier already put back (the phone's
            # bookkeeping may not know): free again, it would go to a second family.
            refused.append(Reason("code_used", path, "a dossier holds this code"))
            continue
        await CodeReservation.insert(
            CodeReservation(
                code=code,
                commune_code=code[:5],
                device_id=device_id,
                account_id=principal.account_id,
                reserved_at=now,
                expires_at=_expiry(reservation.expires_at, now),
            )
        )
        restored += 1
    return restored, refused


def _expiry(held: dt.datetime, now: dt.datetime) -> dt.datetime:
    """The phone's expiry, unsealed: never later than a reservation made now would
    last, never earlier than now (it was open when the phone kept it), and always a
    date the database holds."""
    latest = now + LIFETIME
    try:
        when = (held if held.tzinfo else held.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    except OverflowError:
        return latest if held.year > now.year else now
    return min(max(when, now), latest)


async def use_up_reservations(codes: dict[str, uuid.UUID]) -> None:
    """In the caller's transaction: the open reservations of codes that dossiers put
    back hold (code -> dossier), whichever device took the reservation back, are used.
    Left open, the code would go to a second family (or its submission would fail on
    the code already held)."""
    for code, dossier_id in codes.items():
        await CodeReservation.update({CodeReservation.dossier_id: dossier_id}).where(
            (CodeReservation.code == code) & CodeReservation.dossier_id.is_null()
        )

"""Codes reserved in advance by outreach devices, so a family leaves the village
with its final dossier code even though the phone is offline."""

from __future__ import annotations

import datetime as dt

from piccolo.engine.base import Engine

from server.clock import utcnow, vn_today
from server.database import write_transaction
from server.dossiers.minting import mint_codes
from server.dossiers.tables import CodeReservation
from server.identity.principal import Principal
from server.problems import FieldError, ProblemError
from server.recovery.keys import seal_key
from server.sql import Sql
from sync.messages import Reservation, ReserveResponse
from sync.seals import reservation_seal

MAX_PER_REQUEST = 200
# Open reservations one device may hold at once.
MAX_OPEN = 500
# Long enough for days in a village without signal.
LIFETIME = dt.timedelta(days=30)


async def reserve_codes(engine: Engine, principal: Principal, count: int) -> ReserveResponse:
    if principal.device_id is None:
        raise ProblemError(403, "device_credential_required")
    if not 1 <= count <= MAX_PER_REQUEST:
        raise ProblemError(
            422,
            "validation_failed",
            errors=[
                FieldError(path="count", code="out_of_range", message=f"1 to {MAX_PER_REQUEST}")
            ],
        )
    commune = principal.commune_code
    now = utcnow()
    async with write_transaction(engine):
        open_count = await CodeReservation.count().where(
            (CodeReservation.device_id == principal.device_id)
            & CodeReservation.dossier_id.is_null()
            & CodeReservation.released_at.is_null()
        )
        if open_count + count > MAX_OPEN:
            raise ProblemError(
                409, "too_many_reservations", detail=f"{open_count} codes are still unused"
            )
        year = vn_today().year
        # A block of counters, each through the keyed permutation: the phone gets the
        # codes themselves and never derives one (it holds no key).
        codes = await mint_codes(Sql(engine), commune, year, count)
        # Each code sealed to this device, which keeps the seal to take the
        # reservation back after a restore (sync/README.md §9.2).
        key = await seal_key(Sql(engine))
        expires = now + LIFETIME
        await CodeReservation.insert(
            *[
                CodeReservation(
                    code=code,
                    commune_code=commune,
                    device_id=principal.device_id,
                    account_id=principal.account_id,
                    reserved_at=now,
                    expires_at=expires,
                )
                for code in codes
            ]
        )
    device = principal.device_id
    return ReserveResponse(
        commune_code=commune,
        codes=[
            Reservation(code=c, expires_at=expires, seal=reservation_seal(key, c, device))
            for c in codes
        ],
    )


async def release_expired(now: dt.datetime | None = None) -> int:
    """Unused codes past their time stop counting against the device. They are never
    issued to anyone else, so the device that holds one may still bind it."""
    now = now or utcnow()
    rows = (
        await CodeReservation.update({CodeReservation.released_at: now})
        .where(
            (CodeReservation.expires_at < now)
            & CodeReservation.dossier_id.is_null()
            & CodeReservation.released_at.is_null()
        )
        .returning(CodeReservation.code)
    )
    return len(rows)

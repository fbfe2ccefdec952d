"""The recorded payments: which dossier a reference paid, and recording one."""

from __future__ import annotations

import datetime as dt
import uuid

from server.payments.provider import PaymentConfirmation
from server.payments.tables import Payment


async def holder(provider: str, scope: str, reference: str) -> uuid.UUID | None:
    """The dossier this reference already paid, if any."""
    row = (
        await Payment.select(Payment.dossier_id)
        .where(
            (Payment.provider == provider)
            & (Payment.scope == scope)
            & (Payment.reference == reference)
        )
        .first()
    )
    if row is None:
        return None
    value = row["dossier_id"]
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def record(
    dossier_id: uuid.UUID,
    confirmation: PaymentConfirmation,
    scope: str,
    recorded_by: uuid.UUID | None,
    now: dt.datetime,
) -> bool:
    """Insert the payment in the caller's transaction; False when the reference was
    recorded meanwhile (the unique index decides, whatever the engine)."""
    paid_at = confirmation.paid_at or now
    inserted = (
        await Payment.insert(
            Payment(
                dossier_id=dossier_id,
                provider=confirmation.provider,
                scope=scope,
                reference=confirmation.reference,
                amount=confirmation.amount,
                paid_at=paid_at,
                recorded_at=now,
                recorded_by=recorded_by,
            )
        )
        .on_conflict(
            target=(Payment.provider, Payment.scope, Payment.reference), action="DO NOTHING"
        )
        .returning(Payment.id)
    )
    return bool(inserted)

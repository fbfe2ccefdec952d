"""Cash at the one-stop desk: the official takes the fee, hands over a receipt and
types its number. Nothing to verify; the receipt number is the reference."""

from __future__ import annotations

from server.clock import utcnow
from server.payments.provider import PaymentConfirmation, PaymentQuery

DESK = "desk"


class DeskProvider:
    name = DESK
    online = False

    async def look_up(self, query: PaymentQuery) -> PaymentConfirmation:
        # The official saw the money: the fee asked for is what was paid, now.
        return PaymentConfirmation(
            provider=DESK,
            reference=query.reference,
            amount=query.amount,
            paid_at=utcnow(),
            status="paid",
            dossier_code=query.dossier_code,
        )

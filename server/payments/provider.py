"""What every payment provider does: confirm that a reference pays a dossier's fee.

A provider only looks the reference up (`look_up`); `verify` applies the same rules to
every provider's answer, so "paid, in full, for this dossier" means one thing."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal, Protocol

import msgspec

PaymentStatus = Literal["paid", "pending", "failed", "refunded"]


class PaymentQuery(msgspec.Struct, frozen=True):
    dossier_id: uuid.UUID
    # The dossier's public code, which the person quotes when paying; None before submission.
    dossier_code: str | None
    reference: str
    amount: int  # the fee asked for, in đồng


class PaymentConfirmation(msgspec.Struct, frozen=True):
    provider: str
    reference: str
    amount: int  # paid, in đồng
    paid_at: dt.datetime | None
    status: PaymentStatus
    # The dossier code the provider says the payment was for, when it knows.
    dossier_code: str | None = None


class PaymentFailure(Exception):
    """The reference does not pay this fee; `reason` is a stable code for the desk."""

    reason = "not_verified"

    def __init__(self, provider: str, reference: str, message: str) -> None:
        super().__init__(message)
        self.provider = provider
        self.reference = reference
        self.message = message


class UnknownReference(PaymentFailure):
    reason = "unknown_reference"


class AmountMismatch(PaymentFailure):
    reason = "amount_mismatch"


class NotPaid(PaymentFailure):
    reason = "not_paid"


class OtherDossier(PaymentFailure):
    reason = "paid_for_another_dossier"


class ProviderUnavailable(Exception):
    """The provider did not answer (timeout, no connection, its own 5xx): try again later."""

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(message)
        self.provider = provider
        self.message = message


class ProviderError(Exception):
    """The provider answered something that cannot be trusted or understood (a bad
    signature, our credentials refused, a malformed body): someone must look."""

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(message)
        self.provider = provider
        self.message = message


class PaymentProvider(Protocol):
    name: str
    # Online providers take payments away from the desk (level-4 procedures only).
    online: bool

    async def look_up(self, query: PaymentQuery) -> PaymentConfirmation:
        """What the provider knows of `query.reference`; raises UnknownReference,
        ProviderUnavailable or ProviderError."""
        ...


async def verify(provider: PaymentProvider, query: PaymentQuery) -> PaymentConfirmation:
    """The provider's confirmation that `query.reference` paid `query.amount` for the
    dossier, or a PaymentFailure saying why not."""
    found = await provider.look_up(query)
    name, ref = provider.name, query.reference
    if found.reference != ref:
        raise ProviderError(
            name, f"asked about {ref!r}, the provider answered about {found.reference!r}"
        )
    if found.status != "paid":
        raise NotPaid(name, ref, f"payment {ref} at {name} is {found.status}, not paid")
    if (
        found.dossier_code is not None
        and query.dossier_code is not None
        and found.dossier_code != query.dossier_code
    ):
        # Not naming which: a dossier of another commune is not the official's to learn.
        raise OtherDossier(name, ref, f"payment {ref} at {name} was made for another dossier")
    if found.amount != query.amount:
        raise AmountMismatch(
            name,
            ref,
            f"payment {ref} at {name} is {found.amount} đồng; the fee is {query.amount} đồng",
        )
    return found

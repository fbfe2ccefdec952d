"""record_payment's checks and the provider's confirmation, before the action's
transaction: a gateway may take seconds to answer, and asking it inside the write
transaction would hold the write lock (SQLite) and the dossier's row lock that long.
server.desk.actions.perform then re-checks and records in one transaction.

Which provider may pay: `desk` (cash, a receipt number) always; an online provider
(the configured gateway, or `dev` in demo mode) only a level-4 procedure's fee
requested with method "online"."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import msgspec

from server.catalog.services import procedure_version
from server.desk.schemas import RecordPayment
from server.dossiers.access import may_process, not_found
from server.dossiers.tables import Dossier
from server.identity.principal import Principal
from server.payments import ledger
from server.payments.provider import (
    PaymentConfirmation,
    PaymentFailure,
    PaymentQuery,
    ProviderError,
    ProviderUnavailable,
    verify,
)
from server.payments.registry import providers_for
from server.problems import FieldError, ProblemError
from server.settings import Settings

# Seconds the desk is asked to wait before trying an unavailable provider again.
RETRY_AFTER_SECONDS = 30


class VerifiedPayment(msgspec.Struct, frozen=True):
    """A confirmed payment, ready to record in the action's transaction."""

    confirmation: PaymentConfirmation
    scope: str
    fee_amount: int  # the fee it was checked against, in đồng


class AlreadyRecorded(msgspec.Struct, frozen=True):
    """This reference already paid this dossier: a repeated request records nothing."""


def _invalid(path: str, code: str, message: str) -> ProblemError:
    return ProblemError(
        422,
        "validation_failed",
        detail=message,
        errors=[FieldError(path=path, code=code, message=message)],
    )


def reference_used(reference: str) -> ProblemError:
    return ProblemError(
        409,
        "payment_reference_used",
        detail=(
            f"Khoản thanh toán {reference} đã được ghi cho hồ sơ khác.",
            f"Payment {reference} is already recorded for another dossier.",
        ),
    )


async def verify_payment(
    settings: Settings,
    principal: Principal,
    dossier_id: uuid.UUID,
    payload: RecordPayment,
    ensure_allowed: Callable[[int], None],
) -> VerifiedPayment | AlreadyRecorded:
    row = (
        await Dossier.select(
            Dossier.id,
            Dossier.commune_code,
            Dossier.state,
            Dossier.code,
            Dossier.procedure_code,
            Dossier.schema_version,
            Dossier.fee,
        )
        .where(Dossier.id == dossier_id)
        .first()
    )
    if row is None or not may_process(principal, row):
        raise not_found(dossier_id)
    providers = providers_for(settings)
    provider = providers.get(payload.provider)
    if provider is None:
        raise _invalid(
            "provider",
            "unknown_provider",
            f"no payment provider {payload.provider!r}; this server has {', '.join(providers)}",
        )
    reference = payload.reference.strip()
    scope = "" if provider.online else row["commune_code"]
    paid = await ledger.holder(provider.name, scope, reference)
    if paid == dossier_id:
        return AlreadyRecorded()
    if paid is not None:
        raise reference_used(reference)
    ensure_allowed(row["state"])

    fee = msgspec.json.decode(row["fee"]) if row["fee"] else {}
    if not isinstance(fee.get("amount"), int):
        raise ProblemError(
            409,
            "not_allowed_in_state",
            detail=("Chưa yêu cầu nộp lệ phí.", "No fee has been requested."),
        )
    if provider.online:
        found = await procedure_version(row["procedure_code"], row["schema_version"])
        level = found.definition.level if found else None
        if level != 4 or fee.get("method") != "online":
            raise _invalid(
                "provider",
                "online_payment_not_offered",
                f"{provider.name} takes online payments: for level-4 procedures whose fee was "
                f"requested online (this one: level {level}, method {fee.get('method')})",
            )
    query = PaymentQuery(
        dossier_id=dossier_id, dossier_code=row["code"], reference=reference, amount=fee["amount"]
    )
    try:
        confirmation = await verify(provider, query)
    except PaymentFailure as exc:
        raise ProblemError(
            422,
            "payment_not_verified",
            detail=(f"Khoản thanh toán {reference} không khớp lệ phí của hồ sơ này.", exc.message),
            errors=[FieldError(path="reference", code=exc.reason, message=exc.message)],
        ) from None
    except ProviderUnavailable as exc:
        raise ProblemError(
            503,
            "payment_provider_unavailable",
            detail=f"{exc.message}; payment {reference} is not recorded, try again in {RETRY_AFTER_SECONDS} s",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        ) from None
    except ProviderError as exc:
        raise ProblemError(
            502,
            "payment_provider_error",
            detail=f"{exc.message}; payment {reference} is not recorded",
        ) from None
    return VerifiedPayment(confirmation=confirmation, scope=scope, fee_amount=fee["amount"])

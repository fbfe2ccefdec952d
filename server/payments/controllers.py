"""GET /api/desk/payment-providers: which providers the desk may name in record_payment."""

from __future__ import annotations

from litestar import Controller, get
from litestar.datastructures import State

from server.identity.guards import DEVICE_CREDENTIAL, require
from server.identity.roles import Role
from server.payments.registry import ProviderInfo, describe


class PaymentProvidersController(Controller):
    path = "/api/desk/payment-providers"
    tags = ["desk"]
    guards = [require(Role.desk, Role.agency_admin, Role.admin)]
    opt = DEVICE_CREDENTIAL

    @get(
        "/",
        summary="The payment providers record_payment accepts",
        description=(
            "`desk`: cash at the desk, the receipt number as reference (any fee). An online "
            "provider (`online: true`) confirms a transaction reference with the provider, and "
            "pays only a level-4 procedure's fee requested with method `online`."
        ),
    )
    async def providers(self, state: State) -> list[ProviderInfo]:
        return describe(state.settings)

"""The payment providers this server offers, by the name the desk gives."""

from __future__ import annotations

import msgspec

from server.payments.desk import DESK, DeskProvider
from server.payments.dev import DevProvider
from server.payments.gateway import GatewayProvider
from server.payments.provider import PaymentProvider
from server.settings import Settings


class ProviderInfo(msgspec.Struct, frozen=True):
    name: str
    # True: pays a level-4 fee requested with method "online"; False: cash at the desk.
    online: bool


def providers_for(settings: Settings) -> dict[str, PaymentProvider]:
    providers: dict[str, PaymentProvider] = {DESK: DeskProvider()}
    if settings.payment_gateway_url:
        providers[settings.payment_provider_name] = GatewayProvider(
            settings.payment_provider_name,
            settings.payment_gateway_url,
            settings.payment_api_key,
            settings.payment_api_secret,
            timeout=settings.payment_timeout,
        )
    if settings.demo_mode:
        providers["dev"] = DevProvider()
    return providers


def describe(settings: Settings) -> list[ProviderInfo]:
    return [ProviderInfo(name=p.name, online=p.online) for p in providers_for(settings).values()]

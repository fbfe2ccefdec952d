from __future__ import annotations

import msgspec
import pytest
from asgi_lifespan import LifespanManager

from server.app import create_app
from server.settings import Settings

# The desk official and the citizen come from the desk tests, served by this app.
from tests.desk.conftest import desk, person  # noqa: F401  (fixtures)
from tests.support.payment_gateway import API_KEY, API_SECRET, PaymentGateway

PROVIDER = "paygov"


@pytest.fixture
def gateway() -> PaymentGateway:
    g = PaymentGateway().start()
    try:
        yield g
    finally:
        g.stop()


def with_gateway(settings: Settings, gateway: PaymentGateway, **changes) -> Settings:
    values = {
        "demo_mode": True,
        "payment_gateway_url": gateway.url,
        "payment_provider_name": PROVIDER,
        "payment_api_key": API_KEY,
        "payment_api_secret": API_SECRET,
        "payment_timeout": 1.0,
    }
    return msgspec.structs.replace(settings, **{**values, **changes})


@pytest.fixture
async def app(settings: Settings, gateway: PaymentGateway):
    # Demo mode lets test officials sign in with a password; the gateway is real.
    app = create_app(with_gateway(settings, gateway))
    async with LifespanManager(app):
        yield app

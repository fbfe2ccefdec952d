from __future__ import annotations

import pytest

from server.settings import SettingsError, load_settings

GATEWAY = {
    "MOTCUA_PAYMENT_GATEWAY_URL": "https://pay.example.vn/verify",
    "MOTCUA_PAYMENT_API_SECRET": "s",
}


def test_no_gateway_by_default(tmp_path) -> None:
    settings = load_settings({"MOTCUA_DATA_DIR": str(tmp_path)})
    assert settings.payment_gateway_url == "" and settings.payment_provider_name == "gateway"
    assert settings.payment_timeout == 10.0


def test_a_configured_gateway(tmp_path) -> None:
    settings = load_settings(
        {
            "MOTCUA_DATA_DIR": str(tmp_path),
            **GATEWAY,
            "MOTCUA_PAYMENT_PROVIDER": "PayGov",
            "MOTCUA_PAYMENT_API_KEY": "k",
            "MOTCUA_PAYMENT_TIMEOUT": "2.5",
        }
    )
    assert (
        settings.payment_gateway_url,
        settings.payment_provider_name,
        settings.payment_api_key,
        settings.payment_api_secret,
        settings.payment_timeout,
    ) == ("https://pay.example.vn/verify", "paygov", "k", "s", 2.5)


@pytest.mark.parametrize(
    "env, name",
    [
        (
            {
                "MOTCUA_PAYMENT_GATEWAY_URL": "ftp://pay.example.vn",
                "MOTCUA_PAYMENT_API_SECRET": "s",
            },
            "MOTCUA_PAYMENT_GATEWAY_URL",
        ),
        ({"MOTCUA_PAYMENT_GATEWAY_URL": "https://pay.example.vn"}, "MOTCUA_PAYMENT_API_SECRET"),
        ({**GATEWAY, "MOTCUA_PAYMENT_PROVIDER": "desk"}, "MOTCUA_PAYMENT_PROVIDER"),
        ({**GATEWAY, "MOTCUA_PAYMENT_PROVIDER": "pay gov"}, "MOTCUA_PAYMENT_PROVIDER"),
        ({**GATEWAY, "MOTCUA_PAYMENT_TIMEOUT": "soon"}, "MOTCUA_PAYMENT_TIMEOUT"),
        ({**GATEWAY, "MOTCUA_PAYMENT_TIMEOUT": "0"}, "MOTCUA_PAYMENT_TIMEOUT"),
    ],
)
def test_unusable_values_are_refused_by_name(tmp_path, env, name) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({"MOTCUA_DATA_DIR": str(tmp_path), **env})

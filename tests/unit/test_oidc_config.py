"""The providers file (MOTCUA_OIDC_PROVIDERS_FILE): what it must say, and the message
for each thing it may get wrong; MOTCUA_OFFICIAL_SIGN_IN."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.identity.oidc.config import (
    ClaimMap,
    OidcConfigError,
    ProviderConfig,
    load_providers,
    parse_providers,
)
from server.settings import SettingsError, load_settings


def _provider(**overrides) -> dict:
    return {
        "name": "vneid",
        "label": {"vi": "VNeID", "en": "VNeID"},
        "issuer": "https://sso.vneid.example",
        "client_id": "motcua",
        "client_secret": "s3cret",
    } | overrides


def _file(*providers: dict) -> bytes:
    return json.dumps({"providers": list(providers)}).encode()


def test_a_provider_with_the_defaults() -> None:
    [p] = parse_providers(_file(_provider()))
    assert p == ProviderConfig(
        name="vneid",
        label=p.label,
        issuer="https://sso.vneid.example",
        client_id="motcua",
        client_secret="s3cret",
    )
    assert p.scopes == ("openid", "profile", "email", "address", "identity")
    assert p.claims == ClaimMap()
    assert p.claims.residence == "address.formatted"
    assert p.require_id_number and p.leeway_seconds == 60
    assert p.secret() == "s3cret"


def test_the_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNEID_SECRET", "from-env")
    [p] = parse_providers(_file(_provider(client_secret="", client_secret_env="VNEID_SECRET")))
    assert p.secret() == "from-env"


def test_a_claim_map_and_sex_words_of_the_provider() -> None:
    [p] = parse_providers(
        _file(
            _provider(
                claims={"id_number": "citizen.pid", "residence": ""},
                sex_values={"male": ["M"], "female": ["F"]},
            )
        )
    )
    assert p.claims.id_number == "citizen.pid"
    assert p.claims.residence == ""  # not given by this provider
    assert p.claims.full_name == "name"
    assert p.sex_values.male == ("M",)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{", "MOTCUA_OIDC_PROVIDERS_FILE: not JSON"),
        (_file({"name": "vneid"}), "Object missing required field `label`"),
        (_file(_provider(colour="blue")), "unknown field `colour`"),
        (_file(_provider(name="VNeID")), "a name is 1 to 32 of a-z, 0-9, _ and -"),
        (_file(_provider(), _provider()), "provider 'vneid': named twice"),
        (_file(_provider(issuer="sso.vneid.example")), "issuer must be an http(s) URL"),
        (_file(_provider(client_id="")), "client_id is empty"),
        (
            _file(_provider(client_secret_env="VNEID_SECRET")),
            "give client_secret or client_secret_env, not both",
        ),
        (
            _file(_provider(client_secret="", client_secret_env="MOTCUA_TEST_UNSET_SECRET")),
            "MOTCUA_TEST_UNSET_SECRET is not set",
        ),
        (_file(_provider(scopes=["profile"])), "scopes must include openid"),
        (
            _file(_provider(claims={"id_number": ""})),
            "require_id_number needs claims.id_number",
        ),
        (_file(_provider(leeway_seconds=601)), "leeway_seconds is outside 0 to 600"),
        (_file(_provider(leeway_seconds=-1)), "leeway_seconds is outside 0 to 600"),
    ],
)
def test_each_mistake_is_named(raw: bytes, message: str) -> None:
    with pytest.raises(OidcConfigError) as caught:
        parse_providers(raw)
    assert message in str(caught.value)
    assert str(caught.value).startswith("MOTCUA_OIDC_PROVIDERS_FILE: ")


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(OidcConfigError, match=r"cannot read .*missing\.json"):
        load_providers(str(tmp_path / "missing.json"))
    assert load_providers("") == ()


def test_the_settings_read_the_file_and_the_official_rule(tmp_path: Path) -> None:
    path = tmp_path / "providers.json"
    path.write_bytes(_file(_provider()))
    settings = load_settings(
        {"MOTCUA_OIDC_PROVIDERS_FILE": str(path), "MOTCUA_OFFICIAL_SIGN_IN": "Strong"}
    )
    assert [p.name for p in settings.oidc_providers] == ["vneid"]
    assert settings.official_sign_in == "strong"
    assert load_settings({}).official_sign_in == "any"
    assert load_settings({}).oidc_providers == ()
    with pytest.raises(SettingsError, match="MOTCUA_OFFICIAL_SIGN_IN: expected any or strong"):
        load_settings({"MOTCUA_OFFICIAL_SIGN_IN": "passkey"})
    path.write_bytes(_file(_provider(client_id="")))
    with pytest.raises(SettingsError, match="client_id is empty"):
        load_settings({"MOTCUA_OIDC_PROVIDERS_FILE": str(path)})

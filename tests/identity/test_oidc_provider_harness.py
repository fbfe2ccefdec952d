"""The local OpenID provider the sign-in tests and the demo run on (harness/oidc_provider.py)
behaves as a real one: discovery, PKCE required, signed ID tokens verifiable against its
JWKS, single-use codes, key rotation on restart, and a login page that can be cancelled."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from harness.oidc_provider import (
    ALL_SCOPES,
    OidcClient,
    OidcProvider,
    OidcProviderError,
    TokenTTL,
    authorization_url,
    cancel_login,
    complete_login,
    exchange_code,
    obtain_tokens,
    pkce_pair,
)
from tests.identity.conftest import OTHER_APP_REDIRECT_URI


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _start(provider: OidcProvider, client: OidcClient) -> tuple[str, str]:
    """An authorization URL with PKCE, and its code verifier."""
    verifier, challenge = pkce_pair()
    url = authorization_url(
        provider, client, code_challenge=challenge, state="st-1", nonce="n-1", scope=ALL_SCOPES
    )
    return url, verifier


def _verify(provider: OidcProvider, id_token: str, audience: str) -> jwt.Token:
    """The ID token's signature against the published JWKS, then its claims."""
    published = httpx.get(provider.discovery()["jwks_uri"]).json()
    token = jwt.decode(id_token, KeySet.import_key_set(published), algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": audience},
        exp={"essential": True},
    ).validate(token.claims)
    return token


def test_discovery_describes_the_code_flow_with_s256_and_secret_auth(
    oidc_provider: OidcProvider,
) -> None:
    doc = oidc_provider.discovery()
    assert doc["issuer"] == oidc_provider.issuer
    assert doc["authorization_endpoint"] == f"{oidc_provider.issuer}/auth"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["response_types_supported"] == ["code"]
    assert {"client_secret_basic", "client_secret_post"} <= set(
        doc["token_endpoint_auth_methods_supported"]
    )
    assert {"openid", "profile", "email", "address", "identity"} <= set(doc["scopes_supported"])
    assert "personal_id_number" in doc["claims_supported"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    [key] = httpx.get(doc["jwks_uri"]).json()["keys"]
    assert key["kid"] == oidc_provider.kid
    assert "d" not in key  # the public half only


def test_an_authorization_without_a_code_challenge_is_refused(
    oidc_provider: OidcProvider, oidc_redirect_uri: str
) -> None:
    url = authorization_url(
        oidc_provider, oidc_provider.client("motcua"), code_challenge=None, state="s", nonce="n"
    )
    response = httpx.get(url)
    assert response.is_redirect
    location = response.headers["location"]
    assert location.startswith(oidc_redirect_uri + "?")
    query = _query(location)
    assert query["error"] == "invalid_request"
    assert "PKCE" in query["error_description"]


def test_the_login_page_says_it_is_a_stand_in_and_lists_the_identities(
    oidc_provider: OidcProvider,
) -> None:
    url, _ = _start(oidc_provider, oidc_provider.client("motcua"))
    with httpx.Client(follow_redirects=True) as http:
        page = http.get(url)
    assert page.status_code == 200
    assert urlsplit(str(page.url)).path.startswith("/interaction/")
    html = page.text
    assert '<html lang="vi">' in html
    assert "Cổng định danh thử nghiệm" in html
    assert "không phải VNeID thật" in html
    for identity in oidc_provider.identities:
        number = identity["claims"]["personal_id_number"]
        assert identity["label"] in html
        assert f"{number[:3]}••••••{number[-3:]}" in html
        assert number not in html  # masked
    assert '<input id="login" name="login"' in html
    assert ">Huỷ</button>" in html


def test_signing_in_redirects_to_the_client_with_a_code_and_the_state(
    oidc_provider: OidcProvider, oidc_redirect_uri: str
) -> None:
    url, _ = _start(oidc_provider, oidc_provider.client("motcua"))
    back = complete_login(url, "hoa")
    assert back.startswith(oidc_redirect_uri + "?")
    query = _query(back)
    assert query["state"] == "st-1"
    assert query["iss"] == oidc_provider.issuer
    assert query["code"]


def test_a_personal_id_number_signs_in_too_and_an_unknown_login_is_told(
    oidc_provider: OidcProvider,
) -> None:
    url, _ = _start(oidc_provider, oidc_provider.client("motcua"))
    number = oidc_provider.identity("mai")["claims"]["personal_id_number"]
    assert "code" in _query(complete_login(url, number))
    url, _ = _start(oidc_provider, oidc_provider.client("motcua"))
    with pytest.raises(AssertionError, match="Không có danh tính mẫu nào"):
        complete_login(url, "nobody")


def test_the_code_gives_an_id_token_signed_with_the_published_key_and_the_claims(
    oidc_provider: OidcProvider,
) -> None:
    client = oidc_provider.client("motcua")
    url, verifier = _start(oidc_provider, client)
    code = _query(complete_login(url, "an"))["code"]
    response = exchange_code(oidc_provider, client, code, verifier)
    assert response.status_code == 200, response.text
    tokens = response.json()

    token = _verify(oidc_provider, tokens["id_token"], "motcua")
    expected: dict[str, Any] = oidc_provider.identity("an")["claims"]
    assert token.header["kid"] == oidc_provider.kid
    assert token.claims["nonce"] == "n-1"
    assert token.claims["sub"] == expected["sub"]
    assert token.claims["personal_id_number"] == expected["personal_id_number"]
    assert token.claims["birthdate"] == expected["birthdate"]

    userinfo = httpx.get(
        oidc_provider.discovery()["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.json() == expected


def test_only_the_requested_scopes_claims_are_released(oidc_provider: OidcProvider) -> None:
    tokens = obtain_tokens(oidc_provider, "motcua", "hoa", scope="openid profile")
    claims = _verify(oidc_provider, tokens["id_token"], "motcua").claims
    assert claims["name"] == "Trần Thị Hoa"
    assert "personal_id_number" not in claims
    assert "email" not in claims


def test_a_replayed_code_is_refused(oidc_provider: OidcProvider) -> None:
    client = oidc_provider.client("motcua")
    url, verifier = _start(oidc_provider, client)
    code = _query(complete_login(url, "an"))["code"]
    assert exchange_code(oidc_provider, client, code, verifier).status_code == 200
    again = exchange_code(oidc_provider, client, code, verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_a_wrong_code_verifier_is_refused(oidc_provider: OidcProvider) -> None:
    client = oidc_provider.client("motcua")
    url, _ = _start(oidc_provider, client)
    code = _query(complete_login(url, "an"))["code"]
    wrong, _ = pkce_pair()
    response = exchange_code(oidc_provider, client, code, wrong)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_another_client_gets_tokens_meant_for_it(oidc_provider: OidcProvider) -> None:
    tokens = obtain_tokens(oidc_provider, "other-app", "an")
    claims = _verify(oidc_provider, tokens["id_token"], "other-app").claims
    assert claims["aud"] == "other-app"
    assert oidc_provider.client("other-app").redirect_uris == [OTHER_APP_REDIRECT_URI]


def test_restarting_with_rotation_signs_with_a_new_kid(oidc_provider: OidcProvider) -> None:
    before = oidc_provider.kid
    oidc_provider.restart()
    assert oidc_provider.kid == before
    assert _verify(
        oidc_provider, obtain_tokens(oidc_provider, "motcua")["id_token"], "motcua"
    ).header["kid"] == (before)

    oidc_provider.restart(rotate_keys=True)
    assert oidc_provider.kid != before
    [key] = httpx.get(oidc_provider.discovery()["jwks_uri"]).json()["keys"]
    assert key["kid"] == oidc_provider.kid
    token = _verify(oidc_provider, obtain_tokens(oidc_provider, "motcua")["id_token"], "motcua")
    assert token.header["kid"] == oidc_provider.kid


def test_cancelling_returns_access_denied(
    oidc_provider: OidcProvider, oidc_redirect_uri: str
) -> None:
    url, _ = _start(oidc_provider, oidc_provider.client("motcua"))
    back = cancel_login(url)
    assert back.startswith(oidc_redirect_uri + "?")
    query = _query(back)
    assert query["error"] == "access_denied"
    assert query["state"] == "st-1"
    assert "code" not in query


def test_a_killed_provider_refuses_connections(oidc_provider: OidcProvider) -> None:
    oidc_provider.kill()
    with pytest.raises(httpx.ConnectError):
        oidc_provider.discovery()


def test_token_lifetimes_come_from_the_config(
    oidc_provider_installed: None, tmp_path: Path
) -> None:
    client = OidcClient("motcua", "s" * 40, ["http://127.0.0.1:9/cb"], "client_secret_post")
    with OidcProvider(
        clients=[client], ttl=TokenTTL(id_token=60), workdir=tmp_path / "p"
    ) as provider:
        tokens = obtain_tokens(provider, client)  # client_secret_post at the token endpoint
        claims = _verify(provider, tokens["id_token"], "motcua").claims
    assert claims["exp"] - claims["iat"] == 60


def test_a_provider_that_cannot_start_says_why(tmp_path: Path) -> None:
    with pytest.raises(OidcProviderError, match=r"Node\.js \(/nonexistent/node\)"):
        OidcProvider(clients=[], node="/nonexistent/node", workdir=tmp_path).start()


def test_one_browser_signs_in_as_one_identity_then_another(oidc_provider: OidcProvider) -> None:
    """No single sign-on: the same browser sees the login page each time, and may pick
    someone else without signing out first."""
    client = oidc_provider.client("motcua")
    subjects = []
    with httpx.Client() as browser:
        for login in ("an", "hoa"):
            url, verifier = _start(oidc_provider, client)
            code = _query(complete_login(url, login, browser))["code"]
            tokens = exchange_code(oidc_provider, client, code, verifier).json()
            subjects.append(_verify(oidc_provider, tokens["id_token"], "motcua").claims["sub"])
        assert browser.cookies  # the provider did set its cookies
    assert subjects == [oidc_provider.identity(x)["claims"]["sub"] for x in ("an", "hoa")]


def test_the_provider_exits_when_its_parent_is_gone(oidc_provider: OidcProvider) -> None:
    """Its stdin is a pipe from the launcher: closed (as when the parent dies, even by
    SIGKILL), the provider stops, so none outlives a test run or `motcua serve`."""
    process = oidc_provider.process
    assert process is not None and process.stdin is not None
    process.stdin.close()
    assert process.wait(timeout=10) == 0
    with pytest.raises(httpx.ConnectError):
        oidc_provider.discovery()

"""The e-ID sign-in attacked from outside (attack20): a misbehaving or compromised
OpenID provider (tests/hostile/rogue_oidc.py) sending crafted configuration, keys,
tokens and userinfo, and a person trying to sign in as, or read, someone else.

Whatever the provider sends, the callback answers a redirect (never a 500) and makes
nothing but what a good sign-in makes."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator

import msgspec
import pytest
from joserfc.jwk import ECKey, RSAKey

from harness.authenticator import SoftAuthenticator
from harness.oidc_provider import authorization_url, complete_login, pkce_pair
from server.audit.tables import AuditEvent
from server.identity.oidc.config import Label, ProviderConfig
from server.identity.tables import Account, ExternalIdentity
from server.settings import Settings
from tests.hostile.rogue_oidc import Answer, RogueProvider, json_answer
from tests.identity.conftest import (  # noqa: F401  (fixtures)
    Browser,
    oidc_provider,
    oidc_provider_installed,
    oidc_redirect_uri,
)
from tests.identity.oidc_support import (
    LOGIN_AN,
    callback,
    counts,
    landed,
    query_of,
    sign_in_with,
    start,
    vneid,
)
from tests.support.smtp import SmtpServer

ROGUE_SECRET = "rogue-client-secret-0123456789"
# A day or two ahead, the same in every test worker (the ids of the parameters).
DAYS_AHEAD = (int(time.time()) // 86400 + 2) * 86400


@pytest.fixture
def rogue() -> Iterator[RogueProvider]:
    with RogueProvider() as provider:
        yield provider


@pytest.fixture
def identity_settings(
    settings: Settings, smtp: SmtpServer, rogue: RogueProvider, request: pytest.FixtureRequest
) -> Settings:
    """The app trusts the rogue provider (as `rogue`) and, for the tests that ask for the
    real provider too (`oidc_provider`), that one as `vneid`."""
    providers = [
        ProviderConfig(
            name="rogue",
            label=Label(vi="Rogue", en="Rogue"),
            issuer=rogue.issuer,
            client_id="motcua",
            client_secret=ROGUE_SECRET,
        )
    ]
    if "oidc_provider" in request.fixturenames:
        providers.append(vneid(request.getfixturevalue("oidc_provider").issuer))
    return msgspec.structs.replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        demo_mode=True,
        mail_from="motcua <no-reply@motcua.test>",
        oidc_providers=tuple(providers),
    )


async def rogue_start(
    browser: Browser, rogue: RogueProvider, purpose: str = "sign_in", return_to: str = "/"
) -> str:
    """Start at the rogue provider; returns the callback the provider would redirect to."""
    r = await browser.post(
        "/api/auth/oidc/rogue/start", {"purpose": purpose, "return_to": return_to}
    )
    assert r.status_code == 200, r.text
    query = query_of(r.json()["authorization_url"])
    rogue.nonce = query["nonce"]
    return f"/api/auth/oidc/rogue/callback?code=rogue-code&state={query['state']}"


async def rogue_sign_in(browser: Browser, rogue: RogueProvider, purpose: str = "sign_in") -> str:
    """The whole trip; where it landed ("signed_in", "linked" or the error code)."""
    r = await browser.get(await rogue_start(browser, rogue, purpose))
    assert r.status_code == 303, f"{r.status_code} {r.text}"
    outcome = landed(r)
    if outcome == "signed_in":
        browser.csrf = (await browser.get("/api/auth/session")).json()["csrf_token"]
    return outcome


async def refused_making_nothing(browser: Browser, rogue: RogueProvider) -> str:
    before = await counts()
    outcome = await rogue_sign_in(browser, rogue)
    assert outcome not in ("signed_in", "linked"), outcome
    assert await counts() == before
    return outcome


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token_with(rogue: RogueProvider, **changes) -> None:
    """The provider's next ID token: its good claims with `changes` (None removes one)."""

    def answer(nonce: str) -> Answer:
        claims = rogue.id_token_claims(nonce) | changes
        return rogue.token_response(rogue.sign({k: v for k, v in claims.items() if v is not None}))

    rogue.token = answer


async def test_the_rogue_provider_signs_in_when_it_behaves(
    browser: Browser, rogue: RogueProvider
) -> None:
    assert await rogue_sign_in(browser, rogue) == "signed_in"
    session = (await browser.get("/api/auth/session")).json()
    assert session["verified"]["id_number"] == "001090004821"


# --- subjects a database cannot take -------------------------------------------------


@pytest.mark.parametrize(
    "subject",
    ["s" * 256, "s" * 5000, "sub\ud800ject", "sub\x00ject", "", " ", "sub\nject"],
    ids=["256", "5000", "lone-surrogate", "nul", "empty", "space", "newline"],
)
async def test_a_subject_no_column_can_hold_is_refused(
    browser: Browser, rogue: RogueProvider, subject: str
) -> None:
    rogue.subject = subject
    assert await refused_making_nothing(browser, rogue) == "token_invalid"


async def test_a_nonce_claim_with_a_lone_surrogate_is_refused(
    browser: Browser, rogue: RogueProvider
) -> None:
    token_with(rogue, nonce="\ud800")
    assert await refused_making_nothing(browser, rogue) == "token_invalid"


# --- token responses that are not what OAuth says ------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        json_answer(["access_token", "id_token"]),
        json_answer("a string"),
        json_answer(12),
        json_answer(None),
        json_answer({"error": {"nested": True}}, status=400),
        json_answer({"error": "invalid_grant"}, status=200),
        json_answer({"access_token": 1, "id_token": ["x"]}),
        json_answer({"access_token": "a", "token_type": "Bearer", "id_token": "a.b.c"}),
        json_answer({"access_token": "a", "token_type": "Bearer", "id_token": "....."}),
        json_answer({"access_token": "a", "token_type": "Bearer", "expires_in": "soon"}),
        (500, "text/html", b"<h1>down</h1>"),
        (302, "text/plain", b""),
        (200, "application/json", b"{not json"),
        (200, "application/json", b"\xff\xfe"),
    ],
    ids=lambda a: repr(a[2][:24]),
)
async def test_a_broken_token_response_is_refused(
    browser: Browser, rogue: RogueProvider, answer: Answer
) -> None:
    rogue.token = lambda _nonce: answer
    assert await refused_making_nothing(browser, rogue) in ("token_invalid", "provider_unavailable")


@pytest.mark.parametrize(
    "answer",
    [
        json_answer(["sub"]),
        json_answer({"name": "no sub"}),
        json_answer({"sub": 12}),
        json_answer({"sub": "someone-else", "personal_id_number": "079301007356"}),
        (200, "application/json", b"{not json"),
        (500, "text/plain", b"down"),
        (401, "text/plain", b"no"),
    ],
    ids=lambda a: repr(a[2][:24]),
)
async def test_a_broken_userinfo_is_refused(
    browser: Browser, rogue: RogueProvider, answer: Answer
) -> None:
    rogue.userinfo = lambda _nonce: answer
    assert await refused_making_nothing(browser, rogue) in ("token_invalid", "provider_unavailable")


# --- discovery documents that point somewhere odd ------------------------------------


@pytest.mark.parametrize(
    "field,value",
    [
        ("token_endpoint", "http://[::1"),
        ("token_endpoint", ""),
        ("token_endpoint", "file:///etc/passwd"),
        ("jwks_uri", "http://[::1"),
        ("jwks_uri", "gopher://127.0.0.1/"),
        ("userinfo_endpoint", "http://exa mple.test/"),
        ("userinfo_endpoint", "http://[::1"),
    ],
)
async def test_an_endpoint_that_is_no_http_url_is_the_provider_unavailable(
    browser: Browser, rogue: RogueProvider, field: str, value: str
) -> None:
    rogue.discovery_overrides = {field: value}
    before = await counts()
    r = await browser.post("/api/auth/oidc/rogue/start", {"purpose": "sign_in"})
    if r.status_code == 200:  # refused at the callback at the latest
        query = query_of(r.json()["authorization_url"])
        rogue.nonce = query["nonce"]
        cb = await browser.get(f"/api/auth/oidc/rogue/callback?code=c&state={query['state']}")
        assert cb.status_code == 303, f"{cb.status_code} {cb.text}"
        assert landed(cb) == "provider_unavailable"
    else:
        assert r.status_code == 503, r.text
    assert await counts() == before


@pytest.mark.parametrize(
    "value",
    ["javascript:alert(document.cookie)//", "data:text/html,<script>1</script>", "/relative/auth"],
)
async def test_the_browser_is_never_sent_to_a_script_url(
    browser: Browser, rogue: RogueProvider, value: str
) -> None:
    """The app navigates to the authorization URL: a `javascript:` one would run in the
    app's own origin, with the session's cookie (a compromised provider's XSS)."""
    rogue.discovery_overrides = {"authorization_endpoint": value}
    r = await browser.post("/api/auth/oidc/rogue/start", {"purpose": "sign_in"})
    assert r.status_code == 503, r.text


# --- keys and signatures -------------------------------------------------------------


async def test_a_key_named_in_the_token_itself_is_not_trusted(
    browser: Browser, rogue: RogueProvider
) -> None:
    """jwk / jku / x5u headers, and a kid with path characters: only the provider's
    published keys sign."""
    other = RSAKey.generate_key(2048, parameters={"kid": "../../jwks?evil"})
    for header in (
        {"jwk": other.as_dict(private=False), "kid": "../../jwks?evil"},
        {"jku": "http://127.0.0.1:9/keys", "kid": "../../jwks?evil"},
        {"x5u": "http://127.0.0.1:9/cert", "kid": "rogue-1"},
        {"jwk": other.as_dict(private=False), "kid": "rogue-1"},
    ):

        def signed_by_other(nonce: str, header=header) -> Answer:
            return rogue.token_response(rogue.sign(rogue.id_token_claims(nonce), header, other))

        rogue.token = signed_by_other
        assert await refused_making_nothing(browser, rogue) == "token_invalid"


async def test_algorithm_confusion_is_refused(browser: Browser, rogue: RogueProvider) -> None:
    rogue.discovery_overrides = {
        "id_token_signing_alg_values_supported": ["RS256", "HS256", "ES256", "PS256", "none"]
    }
    public_pem = rogue.key.as_pem(private=False)
    ec = ECKey.generate_key("P-256", parameters={"kid": "rogue-1"})

    def hs256(nonce: str) -> Answer:
        # The provider's public key (PEM) as the HMAC secret.
        head = _b64(json.dumps({"alg": "HS256", "kid": "rogue-1"}).encode())
        body = _b64(json.dumps(rogue.id_token_claims(nonce)).encode())
        mac = hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
        return rogue.token_response(f"{head}.{body}.{_b64(mac)}")

    def es256_with_the_rsa_kid(nonce: str) -> Answer:
        claims = rogue.id_token_claims(nonce)
        return rogue.token_response(rogue.sign(claims, {"alg": "ES256"}, ec))

    def none(nonce: str) -> Answer:
        _, payload, _ = rogue.sign(rogue.id_token_claims(nonce)).split(".")
        head = _b64(b'{"alg":"none"}')
        return rogue.token_response(f"{head}.{payload}.")

    def ps256_with_rs256_signature(nonce: str) -> Answer:
        _, payload, sig = rogue.sign(rogue.id_token_claims(nonce)).split(".")
        head = _b64(b'{"alg":"PS256","kid":"rogue-1"}')
        return rogue.token_response(f"{head}.{payload}.{sig}")

    for forge in (hs256, es256_with_the_rsa_kid, none, ps256_with_rs256_signature):
        rogue.token = forge
        assert await refused_making_nothing(browser, rogue) == "token_invalid", forge.__name__


async def test_a_flood_of_unknown_key_ids_fetches_the_keys_once(
    browser: Browser, rogue: RogueProvider
) -> None:
    assert await rogue_sign_in(browser, rogue) == "signed_in"  # the keys are cached
    fetched = rogue.requests.count("GET /jwks")
    for n in range(5):

        def unknown_kid(nonce: str, n=n) -> Answer:
            claims = rogue.id_token_claims(nonce)
            return rogue.token_response(rogue.sign(claims, {"kid": f"made-up-{n}"}))

        rogue.token = unknown_kid
        assert await refused_making_nothing(browser, rogue) == "token_invalid"
    assert rogue.requests.count("GET /jwks") == fetched + 1


# --- claims of the wrong shape -------------------------------------------------------


@pytest.mark.parametrize(
    "changes,outcome",
    [
        ({"aud": ["motcua", "other-app"]}, "token_invalid"),  # several audiences, no azp
        ({"aud": ["motcua", "other-app"], "azp": "other-app"}, "token_invalid"),
        ({"aud": "motcua-other"}, "token_invalid"),
        ({"aud": {"motcua": 1}}, "token_invalid"),
        ({"iat": DAYS_AHEAD}, "token_invalid"),
        ({"iat": "now"}, "token_invalid"),
        ({"exp": "9999999999"}, "token_invalid"),
        ({"exp": 1e400}, "token_invalid"),
        ({"nbf": DAYS_AHEAD}, "token_invalid"),
        ({"iss": [None]}, "token_invalid"),
        ({"nonce": None}, "token_invalid"),
        ({"nonce": 12}, "token_invalid"),
        ({"sub": 12}, "token_invalid"),
        ({"sub": {"id": "x"}}, "token_invalid"),
        ({"personal_id_number": 1090004821}, "claim_invalid"),  # a number: its zeros gone
        ({"personal_id_number": ["001090004821"]}, "claim_missing"),
        ({"personal_id_number": {"value": "001090004821"}}, "claim_missing"),
        ({"personal_id_number": "00109000482\u0661"}, "claim_invalid"),  # an Arabic digit
        ({"personal_id_number": "0010900 04821"}, "claim_invalid"),
        ({"personal_id_number": "001090004821\u200b"}, "signed_in"),  # cleaned to digits
        ({"gender": "female"}, "claim_invalid"),  # disagrees with the number
        ({"birthdate": "1991-03-14"}, "claim_invalid"),
    ],
    ids=repr,
)
async def test_claims_of_the_wrong_shape(
    browser: Browser, rogue: RogueProvider, changes: dict, outcome: str
) -> None:
    token_with(rogue, **changes)
    rogue.userinfo = lambda _nonce: json_answer({"sub": rogue.subject})
    if outcome == "signed_in":
        assert await rogue_sign_in(browser, rogue) == outcome
    else:
        assert await refused_making_nothing(browser, rogue) == outcome


@pytest.mark.parametrize(
    "extra",
    [
        {"gender": "other", "birthdate": "1990-13-45"},
        {"gender": ["male"], "birthdate": 19900314},
        {"name": "\u202eTRẦN\u202c \x00\x1b[31m" + "A" * 10_000, "address": "flat"},
        {"name": {"given": "x"}, "address": {"formatted": ["a"]}},
        {"name": "x\ud800y", "address": {"formatted": "R" * 20_000}},
    ],
    ids=["unknown", "wrong-types", "control-bidi-long", "objects", "surrogate-huge"],
)
async def test_odd_facts_are_kept_clean_or_not_at_all(
    browser: Browser, rogue: RogueProvider, extra: dict
) -> None:
    rogue.claims = dict(rogue.claims) | extra
    assert await rogue_sign_in(browser, rogue) == "signed_in"
    session = (await browser.get("/api/auth/session")).json()
    verified = session["verified"]
    for text in (session["full_name"], verified["full_name"], verified["residence"]):
        assert all(c.isprintable() for c in text), text
    assert len(session["full_name"]) <= 100
    assert len(verified["residence"]) <= 300
    assert verified["sex"] in ("", "male")
    assert verified["birth_date"] in ("", "1990-03-14")


async def test_a_huge_id_token_is_refused(browser: Browser, rogue: RogueProvider) -> None:
    # A token answer past what is read from a provider is not read to its end at all
    # (server/identity/oidc/provider_http.py): the provider is unusable.
    token_with(rogue, padding="P" * 3_000_000)
    assert await refused_making_nothing(browser, rogue) == "provider_unavailable"


# --- accounts --------------------------------------------------------------------------


async def test_a_registration_never_activated_gives_its_registrant_nothing(
    browser: Browser, other_browser: Browser, rogue: RogueProvider
) -> None:
    """Pre-account takeover: the attacker registers the victim's address with a password
    of their own and never activates it. The victim later signs in with the e-ID, which
    verified the address: the account is linked and activated, and the attacker's
    password must not open it."""
    attacker, victim = other_browser, browser
    assert (
        await attacker.register("victim@example.com", password="attacker's own password 2026")
    ).status_code == 201
    rogue.claims = dict(rogue.claims) | {"email": "victim@example.com", "email_verified": True}
    assert await rogue_sign_in(victim, rogue) == "signed_in"
    session = (await victim.get("/api/auth/session")).json()
    assert session["email"] == "victim@example.com"
    r = await attacker.sign_in("victim@example.com", "attacker's own password 2026")
    assert r.status_code != 200, "the registrant's password opens the victim's account"


async def test_an_email_cut_to_length_matches_no_one(
    browser: Browser, other_browser: Browser, rogue: RogueProvider
) -> None:
    """254 characters is the column; a longer address is not someone's address cut
    short (the attacker owns `<victim's domain>.evil.example`)."""
    domain = "d" * 63 + "." + "d" * 63 + "." + "d" * 58 + ".vn"
    victim_email = f"{'v' * 64}@{domain}"
    assert len(victim_email) == 254
    assert (await other_browser.register(victim_email)).status_code == 201
    rogue.claims = dict(rogue.claims) | {
        "email": victim_email + ".evil.example",
        "email_verified": True,
    }
    assert await rogue_sign_in(browser, rogue) == "signed_in"
    session = (await browser.get("/api/auth/session")).json()
    assert session["email"] != victim_email
    assert await ExternalIdentity.count() == 1
    victim = await Account.select().where(Account.email == victim_email).first()
    assert victim is not None
    assert victim["activated_at"] is None


async def test_two_unlinks_at_once_keep_a_way_to_sign_in(
    browser: Browser, rogue: RogueProvider, oidc_provider
) -> None:
    assert landed(await sign_in_with(browser, LOGIN_AN)) == "signed_in"
    assert await rogue_sign_in(browser, rogue, purpose="link") == "linked"
    listed = (await browser.get("/api/me/identities")).json()
    assert len(listed) == 2
    answers = await asyncio.gather(
        *(browser.delete(f"/api/me/identities/{i['id']}") for i in listed)
    )
    assert sorted(r.status_code for r in answers) == [204, 409]
    session = await browser.get("/api/auth/session")
    assert session.status_code == 200
    account = await Account.select().where(Account.id == session.json()["account_id"]).first()
    assert account is not None
    assert await ExternalIdentity.count().where(ExternalIdentity.account_id == account["id"]) == 1


async def test_an_e_id_account_keeps_its_last_passkey(
    browser: Browser, rogue: RogueProvider
) -> None:
    """Made by the e-ID (no password), a passkey added, the e-ID unlinked: the passkey
    is now the only way in, and a citizen's passkey removal did not check that."""
    assert await rogue_sign_in(browser, rogue) == "signed_in"
    assert (await browser.add_passkey(SoftAuthenticator())).status_code == 201
    [identity] = (await browser.get("/api/me/identities")).json()
    assert (await browser.delete(f"/api/me/identities/{identity['id']}")).status_code == 204
    [passkey] = (await browser.get("/api/me/passkeys")).json()
    r = await browser.delete(f"/api/me/passkeys/{passkey['id']}")
    assert r.status_code == 409, r.text
    assert r.json()["type"] == "/problems/last_sign_in_method"


# --- the browser, the state and the two providers ------------------------------------


async def test_the_attackers_callback_completes_in_no_other_browser(
    browser: Browser, other_browser: Browser, rogue: RogueProvider
) -> None:
    """Login CSRF: the attacker's own callback URL (their code, their state) opened in
    the victim's browser, with or without an attempt of the victim's own under way."""
    attacker, victim = other_browser, browser
    attackers_callback = await rogue_start(attacker, rogue)
    attackers_nonce = rogue.nonce
    before = await counts()
    assert landed(await victim.get(attackers_callback)) == "browser_mismatch"
    await rogue_start(victim, rogue)  # the victim's own cookie now
    assert landed(await victim.get(attackers_callback)) == "browser_mismatch"
    assert await counts() == before
    assert "motcua_session" not in victim.http.cookies
    # The attacker's attempt was not spent by those: theirs still completes, for them.
    rogue.nonce = attackers_nonce
    assert landed(await attacker.get(attackers_callback)) == "signed_in"


async def test_a_state_is_good_only_at_its_own_providers_callback(
    browser: Browser, rogue: RogueProvider, oidc_provider
) -> None:
    """Mix-up: the state of a trip to vneid brought back to rogue's callback (with a code
    rogue would exchange) is unknown there, and the vneid trip is not spent."""
    url = await start(browser)
    state = query_of(url)["state"]
    rogue.nonce = query_of(url)["nonce"]
    r = await browser.get(f"/api/auth/oidc/rogue/callback?code=c&state={state}")
    assert landed(r) == "state_invalid"
    assert "POST /token" not in rogue.requests
    assert landed(await callback(browser, complete_login(url, LOGIN_AN))) == "signed_in"


async def test_a_code_issued_to_another_client_is_refused_at_our_callback(
    browser: Browser, rogue: RogueProvider, oidc_provider
) -> None:
    """Code injection: a code the real provider issued to other-app (for its own
    redirect URI), pushed into motcua's callback with motcua's state."""
    _, challenge = pkce_pair()
    other = authorization_url(
        oidc_provider,
        oidc_provider.client("other-app"),
        code_challenge=challenge,
        state="other-state",
        nonce="other-nonce",
    )
    foreign_code = query_of(complete_login(other, LOGIN_AN))["code"]
    state = query_of(await start(browser))["state"]
    before = await counts()
    r = await callback(
        browser,
        f"http://localhost:8000/api/auth/oidc/vneid/callback?code={foreign_code}&state={state}",
    )
    assert landed(r) == "token_invalid"
    assert await counts() == before


@pytest.mark.parametrize(
    "return_to",
    [
        "//evil.example",
        "/\\evil.example",
        "/%2F%2Fevil",
        "/ho-so\u2215evil",
        "javascript:x",
        "/" + "a" * 300,
        "https://evil.example",
        "/a\r\nSet-Cookie:x=1",
        "/a?x=1#y",
    ],
)
async def test_return_to_never_leaves_the_app(
    browser: Browser, rogue: RogueProvider, return_to: str
) -> None:
    r = await browser.post(
        "/api/auth/oidc/rogue/start", {"purpose": "sign_in", "return_to": return_to}
    )
    if r.status_code == 200:
        query = query_of(r.json()["authorization_url"])
        rogue.nonce = query["nonce"]
        cb = await browser.get(f"/api/auth/oidc/rogue/callback?code=c&state={query['state']}")
        # Only inside the fragment of the app's own address.
        assert cb.headers["location"].startswith("http://localhost:8000/#/"), cb.headers
        assert "\r" not in cb.headers["location"] and "\n" not in cb.headers["location"]
    else:
        assert r.status_code in (400, 422), r.text


async def test_start_is_rate_limited_per_address(browser: Browser, rogue: RogueProvider) -> None:
    statuses = [
        (await browser.post("/api/auth/oidc/rogue/start", {"purpose": "sign_in"})).status_code
        for _ in range(31)
    ]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


async def test_forged_callbacks_do_not_fill_the_audit_log(
    browser: Browser, rogue: RogueProvider
) -> None:
    """A callback with a made-up state takes nothing, yet each wrote an audit entry:
    an unauthenticated GET that stored a row per request, without limit."""
    for n in range(40):
        r = await browser.get(f"/api/auth/oidc/rogue/callback?code=c&state=forged-{n}")
        assert r.status_code in (303, 429)
    assert await AuditEvent.count().where(AuditEvent.action == "sign_in_refused") <= 30


async def test_verified_facts_reach_no_other_account(
    browser: Browser, other_browser: Browser, rogue: RogueProvider
) -> None:
    assert await rogue_sign_in(browser, rogue) == "signed_in"
    [identity] = (await browser.get("/api/me/identities")).json()
    await other_browser.activated_citizen("other@example.vn")
    session = (await other_browser.get("/api/auth/session")).json()
    assert session["verified"] is None
    assert (await other_browser.get("/api/me/identities")).json() == []
    r = await other_browser.delete(f"/api/me/identities/{identity['id']}")
    assert r.status_code == 404
    assert await ExternalIdentity.count() == 1
    # The bound subject cannot be linked to the other account either.
    assert await rogue_sign_in(other_browser, rogue, purpose="link") == "identity_bound_elsewhere"


@pytest.mark.parametrize(
    "claimed", ["Can.Bo@Example.vn", "can.bo@example.vn\u200b", " can.bo@example.vn"]
)
async def test_an_officials_address_claimed_by_a_provider_opens_nothing(
    browser: Browser, rogue: RogueProvider, claimed: str
) -> None:
    """Spelled in capitals it is the official's (refused); with an invisible character
    or a space it is no address at all (a new citizen account without email)."""
    now = dt.datetime.now(dt.UTC)
    await Account.insert(
        Account(
            id=uuid.uuid4(),
            email="can.bo@example.vn",
            full_name="Cán Bộ Thử",
            role="desk",
            commune_code="00070",
            password_hash="",
            activated_at=now,
            created_at=now,
        )
    )
    rogue.claims = dict(rogue.claims) | {"email": claimed, "email_verified": True}
    outcome = await rogue_sign_in(browser, rogue)
    if claimed.isascii() and " " not in claimed:
        assert outcome == "email_belongs_to_official"
    else:
        assert outcome == "signed_in"
        session = (await browser.get("/api/auth/session")).json()
        assert session["role"] == "citizen"
        assert session["email"] in (None, "")

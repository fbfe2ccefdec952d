"""Which account a VNeID sign-in lands in, against the local provider: linking by a
verified email, linking while signed in, each conflict (nothing made), the claims
refused, unlinking, and officials."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from harness.oidc_provider import OidcClient, OidcProvider, complete_login, demo_identities
from server.audit.tables import AuditEvent
from server.identity.passwords import hash_password
from server.identity.tables import Account, ExternalIdentity
from tests.identity.conftest import (
    MOTCUA_CLIENT_SECRET,
    OTHER_APP_REDIRECT_URI,
    OTHER_CLIENT_SECRET,
    PASSWORD,
    Browser,
)
from tests.identity.oidc_support import (
    LOGIN_AN,
    LOGIN_HOA,
    LOGIN_MAI,
    callback,
    counts,
    identity_settings,  # noqa: F401  (fixture)
    landed,
    official_sign_in,  # noqa: F401  (fixture)
    sign_in_with,
    start,
)

AN = "nguyenvanan@example.com"


def _identity(login: str, sub: str, id_number: str | None, **claims) -> dict:
    base = {
        "sub": sub,
        "name": "Phạm Thị Thử",
        "birthdate": "1990-01-01",
        "gender": "female",
        "email": f"{login}@example.com",
        "email_verified": True,
        "address": {"formatted": "Hà Nội"},
    }
    if id_number is not None:
        base["personal_id_number"] = id_number
    return {"login": login, "label": login, "claims": base | claims}


EXTRA_IDENTITIES = [
    # Another subject with An's verified ID number.
    _identity(
        "an-again",
        "9a000000-0000-4000-8000-000000000001",
        "001090004821",
        gender="male",
        birthdate="1990-03-14",
    ),
    # An ID number whose sex digit says male, for a woman.
    _identity("wrong-sex", "9a000000-0000-4000-8000-000000000002", "001090004822"),
    _identity("short-id", "9a000000-0000-4000-8000-000000000003", "12345"),
    _identity("no-id", "9a000000-0000-4000-8000-000000000004", None),
]


@pytest.fixture
def oidc_provider(
    oidc_provider_installed: None, oidc_redirect_uri: str, tmp_path: Path
) -> Iterator[OidcProvider]:
    """The conftest's provider, with identities that make conflicts and bad claims."""
    provider = OidcProvider(
        clients=[
            OidcClient("motcua", MOTCUA_CLIENT_SECRET, [oidc_redirect_uri]),
            OidcClient("other-app", OTHER_CLIENT_SECRET, [OTHER_APP_REDIRECT_URI]),
        ],
        identities=demo_identities() + EXTRA_IDENTITIES,
        workdir=tmp_path / "oidc-provider",
    )
    with provider:
        yield provider


async def _official(email: str, role: str = "desk") -> uuid.UUID:
    account_id = uuid.uuid4()
    now = dt.datetime.now(dt.UTC)
    await Account.insert(
        Account(
            id=account_id,
            email=email,
            full_name="Cán Bộ Thử",
            role=role,
            commune_code="00070",
            password_hash=hash_password(PASSWORD),
            activated_at=now,
            created_at=now,
            is_demo=True,
        )
    )
    return account_id


async def _session(browser: Browser) -> dict:
    r = await browser.get("/api/auth/session")
    assert r.status_code == 200, r.text
    return r.json()


async def _audited(action: str) -> list[dict]:
    rows = await AuditEvent.select().where(AuditEvent.action == action)
    return [r | {"detail": msgspec.json.decode(r["detail"])} for r in rows]


# --- signing in: which account ---------------------------------------------------------


async def test_a_verified_email_of_a_citizen_links_to_that_account(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    citizen = await browser.activated_citizen(AN)
    r = await sign_in_with(other_browser, LOGIN_AN)
    assert landed(r) == "signed_in"
    session = await _session(other_browser)
    assert session["account_id"] == citizen
    assert session["verified"]["id_number"] == "001090004821"
    assert await Account.count() == 1
    [linked] = await _audited("identity_linked")
    assert str(linked["actor_id"]) == citizen
    account = await Account.select().where(Account.id == uuid.UUID(citizen)).first()
    assert account is not None and account["password_hash"]  # the password stays


async def test_an_unverified_email_never_links(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    # Mai's address is not verified at the provider: her sign-in makes its own account
    # rather than entering the one registered with that address.
    citizen = await browser.activated_citizen("lothimai@example.com")
    assert landed(await sign_in_with(other_browser, LOGIN_MAI)) == "signed_in"
    session = await _session(other_browser)
    assert session["account_id"] != citizen
    assert session["email"] == ""


async def test_a_verified_email_of_an_official_is_refused(
    browser: Browser, oidc_provider: OidcProvider
) -> None:
    await _official(AN)
    before = await counts()
    assert landed(await sign_in_with(browser, LOGIN_AN)) == "email_belongs_to_official"
    assert await counts() == before
    assert (await browser.get("/api/auth/session")).status_code == 401


async def test_an_id_number_bound_to_another_account_is_refused(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    assert landed(await sign_in_with(browser, LOGIN_AN)) == "signed_in"
    before = await counts()
    assert landed(await sign_in_with(other_browser, "an-again")) == "id_number_bound_elsewhere"
    assert await counts() == before


@pytest.mark.parametrize(
    ("login", "code"),
    [("wrong-sex", "claim_invalid"), ("short-id", "claim_invalid"), ("no-id", "claim_missing")],
)
async def test_a_missing_or_invalid_id_number_makes_nothing(
    browser: Browser, oidc_provider: OidcProvider, login: str, code: str
) -> None:
    before = await counts()
    assert landed(await sign_in_with(browser, login)) == code
    assert await counts() == before


# --- linking while signed in --------------------------------------------------------------


async def test_a_signed_in_citizen_links_their_e_id(
    browser: Browser, oidc_provider: OidcProvider
) -> None:
    citizen = await browser.activated_citizen("someone@example.vn")
    token_before = browser.http.cookies.get("motcua_session")
    r = await sign_in_with(browser, LOGIN_HOA, purpose="link", return_to="/tai-khoan")
    assert landed(r) == "linked"
    assert r.headers["location"] == "http://localhost:8000/#/tai-khoan?oidc=linked"
    # The same session goes on, now with the verified facts.
    assert browser.http.cookies.get("motcua_session") == token_before
    session = await _session(browser)
    assert session["account_id"] == citizen
    assert session["verified"]["full_name"] == "Trần Thị Hoa"
    assert session["verified"]["sex"] == "female"
    [listed] = (await browser.get("/api/me/identities")).json()
    assert listed["provider"] == "vneid"
    assert listed["provider_label"] == "VNeID"
    assert listed["id_number_masked"] == "••••••••7356"


async def test_linking_needs_a_session_and_its_csrf_token(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    r = await other_browser.post("/api/auth/oidc/vneid/start", {"purpose": "link"})
    assert r.status_code == 401
    await browser.activated_citizen("someone@example.vn")
    r = await browser.http.post("/api/auth/oidc/vneid/start", json={"purpose": "link"})
    assert r.status_code == 403
    assert r.json()["type"] == "/problems/csrf_failed"


async def test_a_subject_bound_to_another_account_cannot_be_linked(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    assert landed(await sign_in_with(other_browser, LOGIN_AN)) == "signed_in"
    await browser.activated_citizen("someone@example.vn")
    before = await counts()
    r = await sign_in_with(browser, LOGIN_AN, purpose="link")
    assert landed(r) == "identity_bound_elsewhere"
    assert await counts() == before


async def test_an_account_bound_to_another_subject_cannot_link_a_second(
    browser: Browser, oidc_provider: OidcProvider
) -> None:
    await browser.activated_citizen("someone@example.vn")
    assert landed(await sign_in_with(browser, LOGIN_HOA, purpose="link")) == "linked"
    before = await counts()
    r = await sign_in_with(browser, LOGIN_MAI, purpose="link")
    assert landed(r) == "account_has_other_identity"
    assert await counts() == before


async def test_a_subject_new_to_an_account_bound_elsewhere_at_sign_in_is_refused(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    # A citizen linked to Hoa; a sign-in with An's e-ID whose verified address is that
    # citizen's: the account already has another subject at this provider.
    await browser.activated_citizen(AN)
    assert landed(await sign_in_with(browser, LOGIN_HOA, purpose="link")) == "linked"
    before = await counts()
    assert landed(await sign_in_with(other_browser, LOGIN_AN)) == "account_has_other_identity"
    assert await counts() == before


# --- unlinking ---------------------------------------------------------------------------


async def test_an_account_made_by_the_e_id_cannot_unlink_its_only_way_in(
    browser: Browser, oidc_provider: OidcProvider
) -> None:
    assert landed(await sign_in_with(browser, LOGIN_AN)) == "signed_in"
    [identity] = (await browser.get("/api/me/identities")).json()
    r = await browser.delete(f"/api/me/identities/{identity['id']}")
    assert r.status_code == 409
    assert r.json()["type"] == "/problems/last_sign_in_method"
    assert await ExternalIdentity.count() == 1


async def test_an_account_with_a_password_unlinks_and_loses_the_verified_facts(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    await browser.activated_citizen("someone@example.vn")
    assert landed(await sign_in_with(browser, LOGIN_HOA, purpose="link")) == "linked"
    [identity] = (await browser.get("/api/me/identities")).json()
    # Not someone else's: another account cannot unlink it.
    assert landed(await sign_in_with(other_browser, LOGIN_AN)) == "signed_in"
    r = await other_browser.delete(f"/api/me/identities/{identity['id']}")
    assert r.status_code == 404
    r = await browser.delete(f"/api/me/identities/{identity['id']}")
    assert r.status_code == 204, r.text
    assert (await browser.get("/api/me/identities")).json() == []
    assert (await _session(browser))["verified"] is None
    [unlinked] = await _audited("identity_unlinked")
    assert unlinked["detail"]["provider"] == "vneid"
    # Hoa may now sign in on her own: a new account.
    assert landed(await sign_in_with(other_browser, LOGIN_HOA)) == "signed_in"


# --- officials ---------------------------------------------------------------------------


async def test_an_official_signs_in_with_the_e_id_once_linked(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    official = await _official("desk@example.vn")
    assert (await browser.sign_in("desk@example.vn", PASSWORD)).status_code == 200
    assert landed(await sign_in_with(browser, LOGIN_HOA, purpose="link")) == "linked"
    assert landed(await sign_in_with(other_browser, LOGIN_HOA)) == "signed_in"
    session = await _session(other_browser)
    assert session["account_id"] == str(official)
    assert session["role"] == "desk"


@pytest.mark.parametrize("official_sign_in", ["strong"])
async def test_strong_official_sign_in_refuses_an_officials_password(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    await _official("desk@example.vn")
    r = await browser.sign_in("desk@example.vn", PASSWORD)
    assert r.status_code == 403
    assert r.json()["type"] == "/problems/official_needs_strong_sign_in"
    # A citizen's password still works.
    await other_browser.activated_citizen("someone@example.vn")


async def test_any_official_sign_in_keeps_the_demo_officials_password(
    browser: Browser, oidc_provider: OidcProvider
) -> None:
    await _official("desk@example.vn")
    assert (await browser.sign_in("desk@example.vn", PASSWORD)).status_code == 200


async def test_two_first_sign_ins_at_once_make_one_account(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    # The same person finishing on two devices at once: on PostgreSQL the two
    # transactions cross on the unique indexes; the loser runs again and finds the
    # winner's account instead of answering a 500.
    first = complete_login(await start(browser), LOGIN_AN)
    second = complete_login(await start(other_browser), LOGIN_AN)
    landings = await asyncio.gather(callback(browser, first), callback(other_browser, second))
    assert [landed(r) for r in landings] == ["signed_in", "signed_in"]
    assert await Account.count() == 1
    assert await ExternalIdentity.count() == 1
    a, b = await _session(browser), await _session(other_browser)
    assert a["account_id"] == b["account_id"]


async def test_a_bound_account_that_cannot_sign_in_is_refused(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    assert landed(await sign_in_with(browser, LOGIN_AN)) == "signed_in"
    await Account.update({Account.activated_at: None}).where(Account.id.is_not_null())
    before = await counts()
    assert landed(await sign_in_with(other_browser, LOGIN_AN)) == "account_disabled"
    assert await counts() == before


async def test_two_subjects_with_one_id_number_at_once_make_one_account(
    browser: Browser, other_browser: Browser, oidc_provider: OidcProvider
) -> None:
    # Nothing unique stands behind a verified ID number in the database: the two
    # sign-ins wait for each other, so the second sees the first's binding.
    first = complete_login(await start(browser), LOGIN_AN)
    second = complete_login(await start(other_browser), "an-again")
    landings = await asyncio.gather(callback(browser, first), callback(other_browser, second))
    assert sorted(landed(r) for r in landings) == ["id_number_bound_elsewhere", "signed_in"]
    assert await Account.count() == 1
    assert await ExternalIdentity.count() == 1

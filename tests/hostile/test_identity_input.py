"""Identity input that must be refused by name.

Login CSRF: a cross-site form may POST text/plain, urlencoded or multipart bodies
without a CORS preflight; had /api/auth/login parsed them, any page could sign its
visitor into the attacker's account (and harvest what they then typed). Every
session-less POST with a body takes application/json only.

Hidden characters: a device name such as "Điện thoại của An\u202e" reorders what
an official reads in the device list and the audit log. Free text that people
choose for themselves refuses control and format characters (Unicode Cc, Cf, ...)."""

from __future__ import annotations

import json

import httpx
import pytest

from harness.authenticator import SoftAuthenticator
from tests.identity.conftest import ORIGIN, PASSWORD, Browser
from tests.identity.test_officials import enroll

# Each session-less POST that takes a body, with a body of the right shape.
SESSIONLESS = [
    ("/api/auth/login", {"email": "x@example.vn", "password": PASSWORD}),
    (
        "/api/auth/register",
        {
            "email": "x@example.vn",
            "full_name": "An",
            "phone": "0912345678",
            "personal_id": "001090012345",
            "password": PASSWORD,
            "captcha_id": "00000000-0000-0000-0000-000000000000",
            "captcha_answer": "x",
        },
    ),
    ("/api/auth/activate", {"token": "t"}),
    ("/api/auth/activation/resend", {"email": "x@example.vn"}),
    ("/api/auth/password/forgot", {"email": "x@example.vn"}),
    ("/api/auth/password/reset", {"token": "t", "password": PASSWORD}),
    (
        "/api/auth/passkey/verify",
        {"challenge_id": "00000000-0000-0000-0000-000000000000", "credential": {}},
    ),
    ("/api/auth/enroll/options", {"token": "t"}),
    (
        "/api/auth/enroll/finish",
        {"token": "t", "challenge_id": "00000000-0000-0000-0000-000000000000", "credential": {}},
    ),
]
CROSS_SITE_TYPES = [
    "text/plain",
    "text/plain;charset=UTF-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    None,
]
HIDDEN = ["\u202e", "\u2066", "\u200b", "\u00ad", "\ufeff", "\u0007", "\n", "\u2028"]


def refused_as_not_json(r: httpx.Response) -> None:
    assert r.status_code == 415, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["type"] == "/problems/unsupported_media_type"
    assert "application/json" in r.json()["detail"]
    assert "set-cookie" not in r.headers


@pytest.mark.parametrize("content_type", CROSS_SITE_TYPES)
async def test_sessionless_posts_take_json_only(browser: Browser, content_type: str | None) -> None:
    await browser.activated_citizen("csrf-login@example.vn")
    browser.http.cookies.clear()
    for path, body in SESSIONLESS:
        if path == "/api/auth/login":
            body = {"email": "csrf-login@example.vn", "password": PASSWORD}  # right credentials
        headers = {"content-type": content_type} if content_type else {}
        r = await browser.http.post(path, content=json.dumps(body).encode(), headers=headers)
        refused_as_not_json(r)
    assert (await browser.get("/api/me")).status_code == 401  # no session was made
    # The same body as JSON (with a charset, as some clients send it) signs in.
    r = await browser.http.post(
        "/api/auth/login",
        content=json.dumps({"email": "csrf-login@example.vn", "password": PASSWORD}).encode(),
        headers={"content-type": "application/json; charset=utf-8"},
    )
    assert r.status_code == 200, r.text


def refused_naming(r: httpx.Response, path: str) -> None:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    errors = r.json()["errors"]
    assert [e["path"] for e in errors] == [path], errors
    assert errors[0]["code"] == "hidden_characters"
    assert "U+" in errors[0]["message"]


@pytest.mark.parametrize("hidden", HIDDEN)
async def test_device_names_refuse_hidden_characters(browser: Browser, hidden: str) -> None:
    await browser.activated_citizen("bidi-device@example.vn")
    r = await browser.post(
        "/api/devices",
        {"id": "0190a000-0000-7000-8000-000000000001", "name": f"Điện thoại{hidden} của An"},
    )
    refused_naming(r, "name")
    assert (await browser.get("/api/me/devices")).json() == []  # nothing half-stored
    ok = await browser.post(
        "/api/devices", {"id": "0190a000-0000-7000-8000-000000000001", "name": "Điện thoại của An"}
    )
    assert ok.status_code == 201, ok.text


async def test_other_self_chosen_names_refuse_hidden_characters(
    browser: Browser, other_browser: Browser
) -> None:
    await browser.activated_citizen("bidi-other@example.vn")
    # A passkey's name.
    options = (await browser.post("/api/me/passkeys/options")).json()
    credential = SoftAuthenticator().create(options["options"], ORIGIN)
    refused_naming(
        await browser.post(
            "/api/me/passkeys",
            {
                "challenge_id": options["challenge_id"],
                "credential": credential,
                "name": "Khóa\u202egnp.exe",
            },
        ),
        "name",
    )
    assert (await browser.get("/api/me/passkeys")).json() == []
    # A reusable document's label.
    refused_naming(
        await browser.post(
            "/api/me/documents",
            {"kind": "id_card", "label": "CCCD\u2067 mặt trước", "sha256": "0" * 64},
        ),
        "label",
    )
    # An organisation's name at registration.
    refused_naming(
        await other_browser.register(
            "bidi-org@example.vn", kind="organisation", organisation_name="Công ty\u202e ABC"
        ),
        "organisation_name",
    )
    # An official's name, given by the administrator who invites them.
    await enroll(other_browser, "bidi-admin@example.vn", "admin")
    refused_naming(
        await other_browser.post(
            "/api/admin/accounts/officials",
            {
                "email": "bidi-desk@example.vn",
                "full_name": "Lê Thu\u202e Hà",
                "role": "desk",
                "commune_code": "00070",
            },
        ),
        "full_name",
    )


async def test_the_refusal_speaks_the_request_language(browser: Browser) -> None:
    await browser.activated_citizen("bidi-lang@example.vn")
    body = {"id": "0190a000-0000-7000-8000-000000000002", "name": "A\u202eB"}
    vi = await browser.post("/api/devices", body, headers={"Accept-Language": "vi"})
    en = await browser.post("/api/devices", body, headers={"Accept-Language": "en"})
    assert (
        "ký tự" in vi.json()["errors"][0]["message"]
        and "U+202E" in vi.json()["errors"][0]["message"]
    )
    assert (
        "character" in en.json()["errors"][0]["message"]
        and "U+202E" in en.json()["errors"][0]["message"]
    )

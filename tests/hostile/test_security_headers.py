"""Security headers on every kind of answer: the app's pages and files, the API,
errors (problem documents), a stored file, /admin, the API documentation and the
pages emailed links open. HSTS only when the server is reached over https.
tests/e2e/test_csp.py checks in Chromium that the policies break nothing."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import msgspec
import pytest

from harness import samples
from harness.tus_client import TusClient
from server.settings import Settings
from tests.support.demo_accounts import client_for, demo_app, signed_in, signed_in_as

FIXED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


def _directives(r: httpx.Response) -> dict[str, set[str]]:
    policy = r.headers.get("content-security-policy")
    assert policy, (
        f"{r.request.method} {r.request.url.path} ({r.status_code}): no Content-Security-Policy"
    )
    out: dict[str, set[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = set(values)
    return out


def _check_fixed(r: httpx.Response) -> None:
    where = f"{r.request.method} {r.request.url.path} ({r.status_code})"
    for name, value in FIXED.items():
        assert r.headers.get(name) == value, (where, name, r.headers.get(name))
    permissions = r.headers.get("permissions-policy", "")
    assert (
        "camera=(self)" in permissions
        and "geolocation=()" in permissions
        and "microphone=()" in permissions
    ), (where, permissions)
    assert "strict-transport-security" not in r.headers, where  # plain http here


def _check_app_policy(r: httpx.Response) -> None:
    _check_fixed(r)
    csp = _directives(r)
    where = f"{r.request.method} {r.request.url.path} ({r.status_code})"
    assert csp["script-src"] == {"'self'"}, (where, csp)
    assert csp["style-src"] == {"'self'"}, (where, csp)
    assert csp["object-src"] == {"'none'"} and csp["frame-ancestors"] == {"'none'"}, (where, csp)
    assert csp["base-uri"] == {"'self'"} and csp["form-action"] == {"'self'"}, (where, csp)
    assert csp["connect-src"] == {"'self'"} and csp["img-src"] == {"'self'", "data:", "blob:"}, (
        where,
        csp,
    )


def _check_admin_policy(r: httpx.Response) -> None:
    _check_fixed(r)
    csp = _directives(r)
    where = f"{r.request.method} {r.request.url.path} ({r.status_code})"
    assert csp["script-src"] == {"'self'"} and csp["style-src"] == {"'self'", "'unsafe-inline'"}, (
        where,
        csp,
    )
    assert csp["object-src"] == {"'none'"} and csp["frame-ancestors"] == {"'none'"}, (where, csp)
    assert csp["connect-src"] == {"'self'"}, (where, csp)


async def test_every_kind_of_answer_carries_the_headers(settings: Settings) -> None:
    async with demo_app(settings) as app:
        async with client_for(app) as anonymous:
            # The app, its files and its worker; the API; errors of every kind.
            for path in (
                "/",
                "/sw.js",
                "/manifest.webmanifest",
                "/api/catalog",
                "/health",
                "/tra-cuu",
            ):
                r = await anonymous.get(path)
                assert r.status_code in (200, 302, 307), (path, r.status_code)
                _check_app_policy(r)
            not_found = await anonymous.get("/api/catalog/no-such-procedure")
            assert not_found.status_code == 404
            assert not_found.headers["content-type"].startswith("application/problem+json")
            _check_app_policy(not_found)
            invalid = await anonymous.post("/api/lookup", json={"code": "0007", "captcha_id": "x"})
            assert invalid.status_code in (400, 422)
            assert invalid.headers["content-type"].startswith("application/problem+json")
            _check_app_policy(invalid)
            unauthorized = await anonymous.get("/api/me")
            assert unauthorized.status_code == 401
            _check_app_policy(unauthorized)

            # The API documentation: its own, wider policy, still framed by nobody.
            docs = await anonymous.get("/schema")
            assert docs.status_code == 200
            _check_fixed(docs)
            assert _directives(docs)["frame-ancestors"] == {"'none'"}
            assert _directives(docs)["object-src"] == {"'none'"}

            # A page an emailed link opens: its inline script and style by hash only.
            page = await anonymous.get("/activate")
            assert page.status_code == 200
            _check_fixed(page)
            csp = _directives(page)
            for kind, tag in (("script-src", "script"), ("style-src", "style")):
                bodies = re.findall(rf"<{tag}>(.*?)</{tag}>", page.text, re.S)
                assert bodies, tag
                assert csp[kind] == {
                    "'sha256-"
                    + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()
                    + "'"
                    for b in bodies
                }, (kind, csp[kind])
            assert "'unsafe-inline'" not in page.headers["content-security-policy"]

            # /admin, refused or not: scripts of this origin only, styles inline too
            # (piccolo-admin's Vue sets style attributes).
            r = await anonymous.get("/admin/", headers={"Accept": "application/json"})
            assert r.status_code == 401
            _check_admin_policy(r)

        admin, _, _ = await signed_in(app, "admin")
        try:
            r = await admin.get("/admin/", headers={"Accept": "text/html"})
            assert r.status_code == 200 and '<div id="app">' in r.text
            _check_admin_policy(r)
            for path in ("/admin/api/tables/", "/admin/assets/no-such-file.js"):
                _check_admin_policy(await admin.get(path))

            # A stored file keeps its own policy: it runs and loads nothing.
            photo = samples.jpeg(seed=71)
            report = await TusClient(admin, {"X-CSRF-Token": admin.headers["X-CSRF-Token"]}).upload(
                photo
            )
            assert report.ok, report.problem
            r = await admin.get(f"/api/blobs/{samples.sha(photo)}")
            assert r.status_code == 200 and r.content == photo
            _check_fixed(r)
            assert "sandbox" in _directives(r) and _directives(r)["default-src"] == {"'none'"}
            # A PDF too (tests/e2e/test_csp.py opens one in Chromium's viewer).
            pdf = samples.pdf(20_000, seed=72)
            report = await TusClient(admin, {"X-CSRF-Token": admin.headers["X-CSRF-Token"]}).upload(
                pdf
            )
            assert report.ok, report.problem
            r = await admin.get(f"/api/blobs/{samples.sha(pdf)}")
            assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
            _check_fixed(r)
            csp = _directives(r)
            assert "sandbox" in csp and csp["default-src"] == {"'none'"}, csp
            r = await admin.get(f"/api/blobs/{'0' * 64}")
            assert r.status_code == 404
            _check_app_policy(r)
        finally:
            await admin.aclose()


@pytest.mark.parametrize(
    "base_url, hsts", [("https://motcua.example.vn", True), ("http://localhost:8000", False)]
)
async def test_hsts_only_when_the_server_is_reached_over_https(
    settings: Settings, base_url: str, hsts: bool
) -> None:
    async with (
        demo_app(msgspec.structs.replace(settings, base_url=base_url)) as app,
        client_for(app) as http,
    ):
        for path in ("/", "/api/catalog", "/api/no-such-thing", "/admin/"):
            r = await http.get(path)
            value = r.headers.get("strict-transport-security")
            if hsts:
                assert (
                    value is not None and int(value.split("max-age=")[1].split(";")[0]) >= 31536000
                ), (path, value)
            else:
                assert value is None, (path, value)


async def test_answers_carrying_someones_data_are_kept_by_no_cache(settings: Settings) -> None:
    """A shared phone's browser, or a proxy between, must not keep one person's answers
    for the next: the API's answers are `no-store` unless their handler says otherwise
    (the public reference data, revalidated by its ETag), and a file is revalidated on
    every use, so someone no longer allowed is answered 404, never the copy kept."""
    async with demo_app(settings) as app:
        async with signed_in_as(app, "citizen") as citizen:
            for path in ("/api/me", "/api/auth/session", "/api/me/activity"):
                r = await citizen.get(path)
                assert r.status_code == 200, (path, r.status_code)
                assert r.headers.get("cache-control") == "no-store", (path, r.headers)
            refused = await citizen.get("/api/desk/queue")
            assert refused.status_code in (401, 403)
            assert refused.headers.get("cache-control") == "no-store"
            photo = samples.jpeg(seed=73)
            report = await TusClient(
                citizen, {"X-CSRF-Token": citizen.headers["X-CSRF-Token"]}
            ).upload(photo)
            assert report.ok, report.problem
            r = await citizen.get(f"/api/blobs/{samples.sha(photo)}")
            assert r.status_code == 200
            assert r.headers.get("cache-control") == "private, no-cache", r.headers
            again = await citizen.get(
                f"/api/blobs/{samples.sha(photo)}", headers={"If-None-Match": r.headers["etag"]}
            )
            assert again.status_code == 304
        async with signed_in_as(app, "desk") as desk:
            r = await desk.get("/api/desk/queue")
            assert r.status_code == 200
            assert r.headers.get("cache-control") == "no-store"
        async with signed_in_as(app, "admin") as admin:
            r = await admin.get("/admin/api/tables/", headers={"Accept": "application/json"})
            assert r.status_code == 200
            assert r.headers.get("cache-control") == "no-store"
        async with client_for(app) as anonymous:
            catalog = await anonymous.get("/api/catalog")
            assert catalog.headers.get("cache-control") == "no-cache"  # the handler's own

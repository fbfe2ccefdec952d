"""Security headers on every answer of the server — pages, API, files, errors, /admin:
a Content-Security-Policy per path family (the tightest each part works with), and
the same fixed headers everywhere. A handler that sets its own policy keeps it: a
file served from /api/blobs runs and loads nothing (server/attachments), and the
pages emailed links open allow their own inline script by its hash
(server/identity/pages.py, `inline_policy`)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

from server.settings import Settings

CSP = "Content-Security-Policy"
# Never framed, never a plugin, no <base> to re-point relative URLs, forms post home.
_FENCE = ("object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'", "form-action 'self'")


def _policy(*directives: str) -> str:
    return "; ".join((*directives, *_FENCE))


# The PWA (pwa/dist) and the API. The built index.html has no inline script or style
# (Vite emits files; src/swRegister.ts registers /sw.js), so scripts and styles come
# from this origin only. Photos are shown from IndexedDB as blob: URLs; the robot
# check's picture is a data: URL; everything is fetched from this origin.
APP_POLICY = _policy(
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "media-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
)
# piccolo-admin (a Vue build under /admin/assets, templates compiled ahead of time):
# its scripts are files of this origin, but Vue and Font Awesome set style
# attributes and inject <style> elements (Chromium reports them under style-src
# 'self'), so styles may be inline. Such styles can still fetch nothing from another
# origin (img-src, font-src), and only administrators reach /admin (server/admin/gate.py).
ADMIN_POLICY = _policy(
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
)
# Litestar's API documentation (/schema, /schema/swagger: Swagger UI, server/api_docs.py):
# an inline bootstrap script (it carries the OpenAPI document) and style; the viewer's
# script, styles and icon are files of this origin. The page carries nobody's data
# and shows only the app's own OpenAPI document.
DOCS_POLICY = _policy(
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
)
# Demo mode's pages (/dev/mail, /dev/sms, /dev/payments): server-rendered HTML with
# a <style> block and mail bodies with style attributes; no script at all.
DEV_POLICY = _policy("default-src 'none'", "style-src 'unsafe-inline'", "img-src 'self' data:")

_FAMILIES = (("/admin", ADMIN_POLICY), ("/schema", DOCS_POLICY), ("/dev", DEV_POLICY))

# camera for the document photos (an <input capture> opens the camera; a future
# getUserMedia would need it); nothing else the app uses. Only features browsers
# know: an unknown one (bluetooth) is a console warning on every page.
PERMISSIONS_POLICY = ", ".join(
    [
        "camera=(self)",
        "microphone=()",
        "geolocation=()",
        "payment=()",
        "usb=()",
        "serial=()",
        "hid=()",
        "midi=()",
        "display-capture=()",
        "accelerometer=()",
        "gyroscope=()",
        "magnetometer=()",
    ]
)
FIXED = {
    "X-Content-Type-Options": "nosniff",
    # Links in pages carry tokens (activation, password reset, enrollment) and dossier
    # ids: no other site learns them from a Referer.
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors 'none' for browsers without CSP 2
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
# Where answers are someone's data unless their handler says otherwise.
_PERSONAL = ("/api/", "/admin")
# Two years; not includeSubDomains, as the server does not own its parent domain's names.
HSTS = "max-age=63072000"


def policy_for(path: str) -> str:
    for prefix, policy in _FAMILIES:
        if path == prefix or path.startswith(prefix + "/"):
            return policy
    return APP_POLICY


def _sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.S)


def inline_policy(html: str) -> str:
    """For a fixed server-rendered page: its own inline <script> and <style> blocks
    allowed by their SHA-256 and nothing else inline; fetches to this origin."""
    found: dict[str, list[str]] = {"script": [], "style": []}
    for kind, body in _INLINE.findall(html):
        found[kind].append(_sha256_source(body))
    return _policy(
        "default-src 'none'",
        "script-src " + (" ".join(found["script"]) or "'none'"),
        "style-src " + (" ".join(found["style"]) or "'none'"),
        "connect-src 'self'",
        "img-src 'self' data:",
    )


def security_headers(settings: Settings) -> Callable[[Message, Scope], Awaitable[None]]:
    """A Litestar before_send hook adding the headers to every response start."""
    fixed = dict(FIXED)
    if settings.base_url.startswith("https://"):
        # Only over TLS: sent from plain http (development) it would pin localhost to https.
        fixed["Strict-Transport-Security"] = HSTS

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        # raw_path: Litestar strips a mount's prefix from "path" (/admin/x is "/x").
        raw = scope.get("raw_path") or scope.get("path", "/").encode()
        path = raw.decode("latin-1").split("?", 1)[0]
        if CSP not in headers:
            headers[CSP] = policy_for(path)
        if path.startswith(_PERSONAL) and "Cache-Control" not in headers:
            # The API's and /admin's answers carry someone's data unless their handler
            # says how long they keep (the public reference data): neither a shared
            # browser nor a proxy keeps them for the next person.
            headers["Cache-Control"] = "no-store"
        for name, value in fixed.items():
            if name not in headers:
                headers[name] = value

    return add_headers

"""/admin: piccolo-admin behind our own sign-in (single sign-on).

piccolo-admin authenticates with its own users (piccolo_user) and sessions (the
`sessions` table, cookie "id"); our officials have no password. So every request to
/admin passes this gate first:

1. Our session: the `motcua_session` cookie must name a live session
   (server.identity.sessions.session_account) of an account whose role is `admin`.
   Otherwise 401 not_signed_in (a browser asking for a page is sent to / to sign in)
   or 403 forbidden — piccolo-admin is never reached.
2. The mirror: a piccolo_user row for that account (username = our email; admin,
   superuser and active; a password hash no password matches) is created, or put back
   to those flags, so piccolo-admin's own checks pass.
3. A piccolo-admin session for the mirror is found or created, and its token is put
   into the request's Cookie header as "id". The browser never receives that cookie:
   any "id" it sends is replaced, and our own cookie is not passed on. piccolo-admin's
   login page and password change are therefore never needed and are refused here;
   its log-out button ends our session.
4. A request that writes (POST, PATCH, DELETE) runs in one write transaction, held
   until piccolo-admin answers: an error answer rolls back the change together with
   its audit entry (hooks.py).

piccolo-admin's own CSRF protection (the csrftoken cookie and X-CSRFToken header its
UI sends) still applies to its writes.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any
from urllib.parse import parse_qsl

from litestar import asgi
from litestar.types import Message, Receive, Scope, Send
from piccolo.table import TABLE_REGISTRY
from starlette.requests import cookie_parser

from server.admin.signed_in import SCOPE_KEY, admin_scope
from server.admin.site import build_admin
from server.audit.service import record
from server.client_address import client_address, trusted_networks
from server.clock import utcnow
from server.database import write_transaction
from server.identity.roles import Role
from server.identity.sessions import COOKIE, revoke_session, session_account
from server.problems import FieldError, ProblemError
from server.settings import Settings

MOUNT = "/admin"
PICCOLO_COOKIE = "id"  # piccolo_api's SessionsAuthBackend default
# piccolo-admin endpoints that only make sense with piccolo's own passwords.
_REFUSED = ("/public/login/", "/api/change-password/", "/api/mfa-setup/")
_LOGOUT = "/public/logout/"
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class _RollBack(Exception):
    pass


def _unusable_password() -> str:
    """Shaped like a piccolo password hash (so piccolo's login code does not break on
    it) but random: no password hashes to it."""
    return f"pbkdf2_sha256$600000${secrets.token_hex(16)}${secrets.token_hex(32)}"


async def ensure_mirror(account: dict) -> int:
    """The id of the piccolo_user mirroring `account`, created or repaired."""
    from piccolo.apps.user.tables import BaseUser as U

    # An administrator always has an address (invited by it); the id stands in otherwise.
    email = account["email"] or str(account["id"])
    limit = U.username.length  # None: no limit
    username = email if limit is None or len(email) <= limit else str(account["id"])
    row = await U.select(U.id, U.active, U.admin, U.superuser).where(U.username == username).first()
    if row is None:
        # A mirror under another username (the address was changed): take it over.
        await U.update({U.username: username}).where(U.email == email)
        row = (
            await U.select(U.id, U.active, U.admin, U.superuser)
            .where(U.username == username)
            .first()
        )
    if row is None:
        await U.insert(
            U(
                username=username,
                password=_unusable_password(),
                email=email,
                first_name=account["full_name"][:255],
                last_name="",
                active=True,
                admin=True,
                superuser=True,
            )
        ).on_conflict(action="DO NOTHING")  # a parallel first request made it
        row = (
            await U.select(U.id, U.active, U.admin, U.superuser)
            .where(U.username == username)
            .first()
        )
        if row is None:
            raise ProblemError(
                409, "invalid_request", detail="the piccolo-admin mirror cannot be created"
            )
    elif not (row["active"] and row["admin"] and row["superuser"]):
        await U.update({U.active: True, U.admin: True, U.superuser: True}).where(U.id == row["id"])
    return row["id"]


async def piccolo_session_token(user_id: int, settings: Settings) -> str:
    """A live piccolo-admin session of the mirror, created when there is none."""
    from piccolo_api.session_auth.tables import SessionsBase as S

    now = utcnow().astimezone().replace(tzinfo=None)  # piccolo keeps naive local times
    margin = now + dt.timedelta(minutes=5)
    rows = await S.select(S.token, S.expiry_date, S.max_expiry_date).where(S.user_id == user_id)
    for r in rows:
        if r["expiry_date"] > margin and r["max_expiry_date"] > margin:
            return r["token"]
    if rows:
        await S.delete().where((S.user_id == user_id) & (S.max_expiry_date < margin))
    session = await S.create_session(
        user_id=user_id,
        expiry_date=now + dt.timedelta(hours=1),
        max_expiry_date=now + dt.timedelta(hours=settings.session_absolute_hours),
    )
    return session.token


async def end_piccolo_sessions(user_id: int) -> None:
    from piccolo_api.session_auth.tables import SessionsBase as S

    await S.delete().where(S.user_id == user_id)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return ""


_TABLE_LISTING = re.compile(r"/api/tables/([a-z_][a-z0-9_]*)/")
_RANGE_HEADER = re.compile(r"[A-Za-z0-9-]{1,64}")


def _listing_fault(rest: str, query: str) -> tuple[str, str] | None:
    """The first of piccolo-admin's own listing parameters it would fail on (a 500:
    an unknown column in `__order`, a page out of range, a header name outside
    ASCII), as (name, what it must be); piccolo-admin checks the others."""
    listing = _TABLE_LISTING.match(rest)
    if listing is None:
        return None
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in ("__page", "__page_size"):
            bound = 1000 if name == "__page_size" else 1_000_000
            # At most seven digits before int(), which refuses to read past 4,300.
            digits = value.isascii() and value.isdigit() and len(value) <= 7
            if not (digits and 1 <= int(value) <= bound):
                return name, f"a whole number from 1 to {bound}"
        elif name == "__range_header_name" and not _RANGE_HEADER.fullmatch(value):
            return name, "letters, digits and hyphens"
        elif name == "__order":
            table = next((t for t in TABLE_REGISTRY if t._meta.tablename == listing.group(1)), None)
            known = {c._meta.name for c in table._meta.columns} if table else set()
            if not {item.removeprefix("-") for item in value.split(",")} <= known:
                return name, "the table's columns, '-' before one for descending"
    return None


def _cookies(scope: Scope) -> dict[str, str]:
    jar: dict[str, str] = {}
    for key, value in scope["headers"]:
        if key == b"cookie":
            jar.update(cookie_parser(value.decode("latin-1")))
    return jar


def _wants_page(scope: Scope) -> bool:
    return (
        scope["type"] == "http"
        and scope["method"] in ("GET", "HEAD")
        and "text/html" in _header(scope, b"accept")
    )


async def _send(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes = b""
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-length", str(len(body)).encode()), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


class AdminGate:
    """The ASGI app mounted at /admin."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._admin: Any = None

    def admin(self) -> Any:
        if self._admin is None:
            self._admin = build_admin(self.settings)
        return self._admin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise ProblemError(404, "not_found")
        rest = scope["path"]  # what Litestar left of the path after /admin
        root = scope.get("root_path", "")
        if not rest.startswith("/"):  # "/adminfoo" also reaches a mount at "/admin"
            raise ProblemError(404, "not_found")
        raw = scope.get("raw_path") or b""
        if raw.decode("latin-1").split("?", 1)[0] == root + MOUNT:
            # The UI loads its assets relative to the page: it needs the slash.
            query = scope.get("query_string") or b""
            location = root + MOUNT + "/" + ("?" + query.decode("latin-1") if query else "")
            return await _send(send, 308, [(b"location", location.encode("latin-1"))])

        cookies = _cookies(scope)
        token = cookies.get(COOKIE)
        found = await session_account(self.settings, token) if token else None
        if found is None:
            if _wants_page(scope):
                return await _send(send, 303, [(b"location", (root + "/").encode("latin-1"))])
            raise ProblemError(401, "not_signed_in")
        session, account = found
        if account["role"] != Role.admin.value:
            raise ProblemError(403, "forbidden")

        if any(rest.startswith(path) for path in _REFUSED):
            raise ProblemError(404, "not_found", detail="sign in to motcua instead")
        mirror_id = await ensure_mirror(account)
        ip = client_address(scope, trusted_networks(self.settings.trusted_proxies))
        if rest == _LOGOUT and scope["method"] == "POST":
            return await self._logout(scope, send, session, account, mirror_id, cookies, ip)

        fault = _listing_fault(rest, (scope.get("query_string") or b"").decode("latin-1"))
        if fault:
            raise ProblemError(
                400,
                "invalid_parameter",
                detail=fault[1],
                errors=[FieldError(path=fault[0], code="invalid", message=fault[1])],
            )
        piccolo_token = await piccolo_session_token(mirror_id, self.settings)
        cookies.pop(COOKIE, None)  # piccolo-admin has no use for our session
        cookies[PICCOLO_COOKIE] = piccolo_token
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k != b"cookie"] + [
            (b"cookie", "; ".join(f"{k}={v}" for k, v in cookies.items()).encode("latin-1"))
        ]
        scope["root_path"] = root + MOUNT
        scope["path"] = root + MOUNT + rest
        scope["raw_path"] = scope["path"].encode("utf-8")
        # The signed-in administrator, for the audit hooks (hooks.py).
        scope[SCOPE_KEY] = admin_scope(account["id"], ip)

        app = self.admin()
        if scope["method"] not in _WRITES:
            return await app(scope, receive, send)
        await self._atomically(app, scope, receive, send)

    async def _atomically(self, app: Any, scope: Scope, receive: Receive, send: Send) -> None:
        from piccolo.apps.user.tables import BaseUser

        messages: list[Message] = []

        async def keep(message: Message) -> None:
            messages.append(message)

        try:
            async with write_transaction(BaseUser._meta.db):
                await app(scope, receive, keep)
                status = next(
                    (m["status"] for m in messages if m["type"] == "http.response.start"), 500
                )
                if status >= 400:
                    raise _RollBack
        except _RollBack:
            pass
        for message in messages:
            await send(message)

    async def _logout(
        self,
        scope: Scope,
        send: Send,
        session: dict,
        account: dict,
        mirror_id: int,
        cookies: dict[str, str],
        ip: str,
    ) -> None:
        """piccolo-admin's log-out button: ends our session (the UI then reloads /admin/,
        which sends the browser to sign in)."""
        from piccolo.apps.user.tables import BaseUser

        csrf = cookies.get("csrftoken", "")
        given = _header(scope, b"x-csrftoken")
        # As bytes: `compare_digest` raises on text outside ASCII (a 500, not a 403).
        if not csrf or not secrets.compare_digest(csrf.encode(), given.encode()):
            raise ProblemError(403, "csrf_failed")
        async with write_transaction(BaseUser._meta.db):
            await revoke_session(session["token_hash"])
            await end_piccolo_sessions(mirror_id)
            await record(
                "signed_out",
                actor_id=account["id"],
                target_kind="account",
                target_id=account["id"],
                ip=ip,
                detail={"via": "admin"},
            )
        secure = "; Secure" if self.settings.base_url.startswith("https://") else ""
        await _send(
            send,
            200,
            [
                (b"content-type", b"application/json"),
                (
                    b"set-cookie",
                    f"{COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax{secure}".encode(),
                ),
            ],
            b'{"status":"signed_out"}',
        )


def admin_mount(settings: Settings):
    """The Litestar handler mounting the gate (and piccolo-admin behind it) at /admin."""
    gate = AdminGate(settings)

    @asgi(MOUNT, is_mount=True, copy_scope=True, include_in_schema=False)
    async def admin(scope: Scope, receive: Receive, send: Send) -> None:
        await gate(scope, receive, send)

    return admin

"""Guards: every endpoint states who may call it. Cookie-authenticated writes must
carry the session's CSRF token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from server.identity.devices import SCHEME, device_account
from server.identity.principal import Principal
from server.identity.roles import Role
from server.identity.sessions import COOKIE, CSRF_HEADER, session_account
from server.identity.tokens import same
from server.problems import ProblemError

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNSET = object()

# A device credential lives on the phone for months and needs no CSRF token, so it
# opens only what a phone does unattended: sync, uploads, files, receipts, the desk's
# work. Endpoints declare it with `opt=DEVICE_CREDENTIAL` (on the controller or the
# handler); everywhere else (passkeys, devices, personal data, administration) it is
# not a sign-in, so a credential taken from a phone cannot add a passkey or an
# official that outlives the phone's revocation.
DEVICE_CREDENTIAL = {"device_credential": True}


def accepts_device_credential(connection: ASGIConnection) -> bool:
    handler = connection.scope.get("route_handler")
    return handler is not None and bool(handler.opt.get("device_credential"))


def _principal(account: dict, via: str, **extra: Any) -> Principal:
    return Principal(
        account_id=account["id"],
        role=Role(account["role"]),
        commune_code=account["commune_code"],
        full_name=account["full_name"],
        email=account["email"] or "",  # None: an account without an address
        via=via,
        **extra,
    )


async def load_principal(connection: ASGIConnection) -> Principal | None:
    cached = connection.state.get("principal", _UNSET)
    if cached is not _UNSET:
        return cached
    principal = None
    authorization = connection.headers.get("authorization", "")
    if authorization.startswith(SCHEME + " "):
        if accepts_device_credential(connection):
            device_id, account = await device_account(authorization)
            principal = _principal(account, "device", device_id=device_id)
    else:
        token = connection.cookies.get(COOKIE)
        if token:
            found = await session_account(connection.app.state.settings, token)
            if found is not None:
                session, account = found
                principal = _principal(
                    account,
                    "session",
                    session_hash=session["token_hash"],
                    csrf_token=session["csrf_token"],
                )
    connection.state.principal = principal
    return principal


def _check_csrf(connection: ASGIConnection, principal: Principal) -> None:
    if principal.via != "session" or connection.scope.get("method") in _SAFE_METHODS:
        return
    sent = connection.headers.get(CSRF_HEADER, "")
    if not sent or not principal.csrf_token or not same(sent, principal.csrf_token):
        raise ProblemError(403, "csrf_failed")


def require(*roles: Role) -> Callable[[ASGIConnection, BaseRouteHandler], Any]:
    """A guard admitting signed-in accounts with one of `roles`."""
    allowed = frozenset(roles)

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        principal = await load_principal(connection)
        if principal is None:
            raise ProblemError(401, "not_signed_in")
        _check_csrf(connection, principal)
        if principal.role not in allowed:
            raise ProblemError(403, "forbidden")

    guard.__name__ = "require_" + "_".join(sorted(r.value for r in allowed))
    return guard


signed_in = require(*Role)
officials = require(Role.outreach, Role.desk, Role.agency_admin, Role.admin)
admins = require(Role.agency_admin, Role.admin)
admin_only = require(Role.admin)


async def json_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """For session-less POSTs: the body must be declared application/json. A
    cross-site form can send text/plain, urlencoded or multipart without a CORS
    preflight, so accepting those would let any page sign its visitor in as someone
    else (login CSRF) or act on their links."""
    media_type = connection.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise ProblemError(
            415,
            "unsupported_media_type",
            detail=f"Content-Type: application/json expected, got {media_type or 'none'}",
        )


async def current_principal(connection: ASGIConnection) -> Principal:
    """Dependency for handlers behind a guard."""
    principal = await load_principal(connection)
    if principal is None:
        raise ProblemError(401, "not_signed_in")
    return principal


async def optional_principal(connection: ASGIConnection) -> Principal | None:
    return await load_principal(connection)

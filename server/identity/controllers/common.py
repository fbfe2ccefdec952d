"""Small helpers shared by the identity controllers."""

from __future__ import annotations

import uuid

import msgspec
from litestar import Request, Response

from server.client_address import client_address, trusted_networks
from server.i18n import Language, negotiate_language
from server.identity.oidc.verified import latest_verified
from server.identity.schemas import DeviceInfo, PasskeyInfo, Profile, SessionInfo
from server.identity.sessions import COOKIE, create_session
from server.settings import Settings


def client_ip(request: Request) -> str:
    """The client's address, behind the trusted proxies (server/client_address.py)."""
    settings: Settings = request.app.state.settings
    return client_address(request.scope, trusted_networks(settings.trusted_proxies))


def request_lang(request: Request) -> Language:
    return negotiate_language(request.headers.get("accept-language"))


async def start_session(
    request: Request, settings: Settings, account: dict, method: str
) -> tuple[str, SessionInfo]:
    token, csrf = await create_session(
        settings, account["id"], method, client_ip(request), request.headers.get("user-agent", "")
    )
    return token, SessionInfo(
        account_id=account["id"],
        email=account["email"] or "",
        full_name=account["full_name"],
        role=account["role"],
        commune_code=account["commune_code"],
        csrf_token=csrf,
        demo_mode=settings.demo_mode,
        verified=await latest_verified(
            settings.oidc_providers, account["id"], request_lang(request)
        ),
    )


def with_session_cookie(settings: Settings, token: str, body: SessionInfo) -> Response[SessionInfo]:
    response = Response(body, status_code=200)
    set_session_cookie(response, settings, token)
    return response


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="lax",
        path="/",
        secure=settings.base_url.startswith("https://"),
        max_age=settings.session_absolute_hours * 3600,
    )


def clearing_session_cookie(body: object) -> Response:
    response = Response(body, status_code=200)
    response.delete_cookie(COOKIE, path="/")
    return response


def as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def profile_of(account: dict) -> Profile:
    # An account row's own columns (secrets are not fields of Profile); no address: "".
    return msgspec.convert({**account, "email": account["email"] or ""}, Profile)


def device_info(row: dict, current: bool = False) -> DeviceInfo:
    return msgspec.structs.replace(msgspec.convert(row, DeviceInfo), current=current)


def passkey_info(row: dict) -> PasskeyInfo:
    return msgspec.convert(row, PasskeyInfo)

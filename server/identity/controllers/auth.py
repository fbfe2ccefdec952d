"""Registration, activation, sign-in with a password or a passkey, sign-out."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import JSONBody

from server.audit.service import record
from server.database import write_transaction
from server.identity import accounts, passkeys
from server.identity.controllers.common import (
    clearing_session_cookie,
    client_ip,
    request_lang,
    start_session,
    with_session_cookie,
)
from server.identity.devices import revoke_all_devices
from server.identity.guards import current_principal, json_only, signed_in
from server.identity.oidc.verified import latest_verified
from server.identity.principal import Principal
from server.identity.schemas import (
    Accepted,
    EmailRequest,
    LoginRequest,
    PasskeyLogin,
    RegisterRequest,
    RegisterResponse,
    ResetPasswordRequest,
    SessionInfo,
    TokenRequest,
    WebauthnOptions,
)
from server.identity.sessions import revoke_all_sessions, revoke_session
from server.problems import ProblemError
from server.ratelimit.service import hit


class AuthController(Controller):
    path = "/api/auth"
    tags = ["identity"]

    @post(
        "/register",
        status_code=201,
        guards=[json_only],
        summary="Register a citizen account (robot check required)",
    )
    async def register(
        self, request: Request, state: State, data: JSONBody[RegisterRequest]
    ) -> RegisterResponse:
        ip = client_ip(request)
        await hit("register:ip", ip)
        # The same answer whether or not the address had an account (no probing);
        # its owner is told by mail.
        await accounts.register(
            state.engine, state.settings, data, data.lang or request_lang(request), ip
        )
        return RegisterResponse(status="activation_sent")

    @post(
        "/activate",
        status_code=200,
        guards=[json_only],
        summary="Activate an account with the emailed link's token",
    )
    async def activate(
        self, request: Request, state: State, data: JSONBody[TokenRequest]
    ) -> Accepted:
        await accounts.activate(state.engine, data.token, client_ip(request))
        return Accepted(status="activated")

    @post(
        "/activation/resend",
        status_code=202,
        guards=[json_only],
        summary="Send the activation email again",
    )
    async def resend_activation(
        self, request: Request, state: State, data: JSONBody[EmailRequest]
    ) -> Accepted:
        ip = client_ip(request)
        await hit("activation_resend:ip", ip)
        await hit("activation_resend:account", data.email.strip().lower())
        await accounts.resend_activation(state.engine, state.settings, data.email, data.lang, ip)
        return Accepted(status="sent_if_registered")

    @post(
        "/password/forgot",
        status_code=202,
        guards=[json_only],
        summary="Email a password-reset link",
    )
    async def forgot_password(
        self, request: Request, state: State, data: JSONBody[EmailRequest]
    ) -> Accepted:
        ip = client_ip(request)
        await hit("password_reset:ip", ip)
        await hit("password_reset:account", data.email.strip().lower())
        await accounts.request_password_reset(
            state.engine, state.settings, data.email, data.lang, ip
        )
        return Accepted(status="sent_if_registered")

    @post(
        "/password/reset",
        status_code=200,
        guards=[json_only],
        summary="Set a new password with the emailed link's token",
    )
    async def reset_password(
        self, request: Request, state: State, data: JSONBody[ResetPasswordRequest]
    ) -> Accepted:
        await accounts.reset_password(
            state.engine, data.token, data.password, request_lang(request), client_ip(request)
        )
        return Accepted(status="password_changed")

    @post(
        "/login",
        status_code=200,
        guards=[json_only],
        summary="Sign in with email and password (citizens; demo officials in demo mode)",
    )
    async def login(
        self, request: Request, state: State, data: JSONBody[LoginRequest]
    ) -> Response[SessionInfo]:
        ip = client_ip(request)
        await hit("signin:ip", ip)
        await hit("signin:account", data.email.strip().lower())
        try:
            account = await accounts.check_password_sign_in(
                state.settings, data.email, data.password
            )
        except ProblemError as refusal:
            async with write_transaction(state.engine):
                known = await accounts.account_by_email(data.email)
                await record(
                    "sign_in_refused",
                    actor_id=None,
                    target_kind="account",
                    target_id=known["id"] if known else "",
                    ip=ip,
                    detail={"reason": refusal.code},
                )
            raise
        async with write_transaction(state.engine):
            token, info = await start_session(request, state.settings, account, "password")
            await record(
                "signed_in",
                actor_id=account["id"],
                target_kind="account",
                target_id=account["id"],
                ip=ip,
                detail={"method": "password"},
            )
        return with_session_cookie(state.settings, token, info)

    @post("/passkey/options", status_code=200, summary="Start a passkey sign-in")
    async def passkey_options(self, request: Request, state: State) -> WebauthnOptions:
        await hit("signin:ip", client_ip(request))
        async with write_transaction(state.engine):
            challenge_id, options = await passkeys.authentication_options(state.settings)
        return WebauthnOptions(challenge_id=challenge_id, options=options)

    @post(
        "/passkey/verify", status_code=200, guards=[json_only], summary="Finish a passkey sign-in"
    )
    async def passkey_verify(
        self, request: Request, state: State, data: JSONBody[PasskeyLogin]
    ) -> Response[SessionInfo]:
        ip = client_ip(request)
        async with write_transaction(state.engine):
            stored = await passkeys.take_challenge(data.challenge_id, "authenticate")
        try:
            async with write_transaction(state.engine):
                account = await passkeys.finish_authentication(
                    state.settings, stored, data.credential
                )
                if account["activated_at"] is None:
                    raise ProblemError(403, "account_not_activated")
                token, info = await start_session(request, state.settings, account, "passkey")
                await record(
                    "signed_in",
                    actor_id=account["id"],
                    target_kind="account",
                    target_id=account["id"],
                    ip=ip,
                    detail={"method": "passkey"},
                )
        except ProblemError as refusal:
            async with write_transaction(state.engine):
                await record(
                    "sign_in_refused",
                    actor_id=None,
                    target_kind="passkey",
                    target_id=str(data.credential.get("id", ""))[:64],
                    ip=ip,
                    detail={"reason": refusal.code},
                )
            raise
        return with_session_cookie(state.settings, token, info)

    @get("/session", guards=[signed_in], summary="The signed-in account and its CSRF token")
    async def session(self, request: Request, state: State) -> SessionInfo:
        principal = await current_principal(request)
        return SessionInfo(
            account_id=principal.account_id,
            email=principal.email,
            full_name=principal.full_name,
            role=principal.role.value,
            commune_code=principal.commune_code,
            csrf_token=principal.csrf_token or "",
            demo_mode=state.settings.demo_mode,
            verified=await latest_verified(
                state.settings.oidc_providers, principal.account_id, request_lang(request)
            ),
        )

    @post("/logout", status_code=200, guards=[signed_in], summary="Sign out this browser")
    async def logout(self, request: Request, state: State) -> Response:
        principal: Principal = await current_principal(request)
        async with write_transaction(state.engine):
            if principal.session_hash:
                await revoke_session(principal.session_hash)
            await record(
                "signed_out",
                actor_id=principal.account_id,
                target_kind="account",
                target_id=principal.account_id,
                ip=client_ip(request),
                device_id=principal.device_id,
            )
        return clearing_session_cookie(Accepted(status="signed_out"))

    @post(
        "/logout-everywhere",
        status_code=200,
        guards=[signed_in],
        summary="End every session of this account and revoke every device",
    )
    async def logout_everywhere(self, request: Request, state: State) -> Response:
        principal = await current_principal(request)
        async with write_transaction(state.engine):
            count = await revoke_all_sessions(principal.account_id)
            # A phone's sync credential outlives its sessions: revoked too, the app keeps
            # its unsent changes until its person signs in again.
            devices = await revoke_all_devices(principal.account_id, by=principal.account_id)
            await record(
                "signed_out_everywhere",
                actor_id=principal.account_id,
                target_kind="account",
                target_id=principal.account_id,
                ip=client_ip(request),
                detail={"sessions": str(count), "devices": str(devices)},
            )
        return clearing_session_cookie(Accepted(status="signed_out_everywhere"))

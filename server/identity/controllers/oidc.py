"""Signing in with an OpenID provider (the e-ID): the providers offered, the start of a
trip to one, and the callback it sends the browser back to."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import JSONBody, Parameter, QueryParameter
from litestar.response import Redirect

from server.app_state import app_caches
from server.audit.service import record
from server.database import write_transaction
from server.i18n import Language, negotiate_language
from server.identity.controllers.common import client_ip, set_session_cookie, start_session
from server.identity.guards import json_only, optional_principal
from server.identity.oidc import flow
from server.identity.oidc.attempts import (
    ATTEMPT_MINUTES,
    COOKIE,
    COOKIE_PATH,
    AttemptRefused,
    take_attempt,
)
from server.identity.oidc.binding import Bound
from server.identity.schemas import OidcProviderInfo, OidcStart, OidcStartRequest
from server.identity.sessions import CSRF_HEADER
from server.identity.tokens import same
from server.problems import ProblemError
from server.ratelimit.service import hit, within
from server.settings import Settings

_NAME = Annotated[str, Parameter(max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


def _lang(request: Request, lang: str | None) -> Language:
    if lang in ("vi", "en"):
        return lang  # type: ignore[return-value]  # checked just above
    return negotiate_language(request.headers.get("accept-language"))


def _secure(settings: Settings) -> bool:
    return settings.base_url.startswith("https://")


class OidcController(Controller):
    path = "/api/auth"
    tags = ["identity"]

    @get("/providers", summary="The OpenID providers one may sign in with (VNeID, …)")
    async def providers(
        self,
        request: Request,
        state: State,
        lang: Annotated[str | None, QueryParameter(name="lang", required=False)] = None,
    ) -> list[OidcProviderInfo]:
        chosen = _lang(request, lang)
        return [
            OidcProviderInfo(name=p.name, label=p.label.in_lang(chosen))
            for p in state.settings.oidc_providers
        ]

    @post(
        "/oidc/{provider:str}/start",
        status_code=200,
        guards=[json_only],
        summary="Start signing in (or linking) with an OpenID provider",
    )
    async def start(
        self,
        request: Request,
        state: State,
        provider: _NAME,
        data: JSONBody[OidcStartRequest],
    ) -> Response[OidcStart]:
        settings: Settings = state.settings
        ip = client_ip(request)
        await hit("signin:ip", ip)
        config = flow.find_provider(settings, provider)
        account_id = None
        if data.purpose == "link":
            # A link binds the provider's person to the signed-in account: a session
            # and its CSRF token, like any write made with the cookie.
            principal = await optional_principal(request)
            if principal is None or principal.via != "session":
                raise ProblemError(401, "not_signed_in")
            sent = request.headers.get(CSRF_HEADER, "")
            if not sent or not principal.csrf_token or not same(sent, principal.csrf_token):
                raise ProblemError(403, "csrf_failed")
            account_id = principal.account_id
        url, attempt = await flow.start(
            state.engine,
            settings,
            app_caches(state).oidc,
            config,
            data.purpose,
            account_id,
            data.return_to,
            data.lang,
        )
        response = Response(OidcStart(authorization_url=url), status_code=200)
        response.set_cookie(
            COOKIE,
            attempt.browser_secret,
            httponly=True,
            # Lax: sent on the provider's top-level redirect back to us, not on
            # cross-site subrequests.
            samesite="lax",
            path=COOKIE_PATH,
            secure=_secure(settings),
            max_age=ATTEMPT_MINUTES * 60,
        )
        return response

    @get(
        "/oidc/{provider:str}/callback",
        summary="Where the OpenID provider sends the browser back (redirects to the app)",
    )
    async def callback(
        self,
        request: Request,
        state: State,
        provider: _NAME,
        code: Annotated[
            str | None, QueryParameter(name="code", required=False, max_length=2048)
        ] = None,
        state_: Annotated[
            str | None, QueryParameter(name="state", required=False, max_length=2048)
        ] = None,
        error: Annotated[
            str | None, QueryParameter(name="error", required=False, max_length=256)
        ] = None,
    ) -> Response:
        settings: Settings = state.settings
        ip = client_ip(request)
        config = flow.find_provider(settings, provider)
        browser_secret = request.cookies.get(COOKIE, "")
        account_id = None
        taken = False
        try:
            if not state_:
                raise flow.SignInRefused("state_invalid")
            async with write_transaction(state.engine):
                attempt = await take_attempt(config.name, state_, browser_secret)
            account_id, taken = attempt.account_id, True
            if error:
                # access_denied: the person cancelled at the provider; any other error
                # is the provider refusing, told the same way.
                code_name = "access_denied" if error == "access_denied" else "provider_unavailable"
                raise flow.SignInRefused(code_name, account_id)
            if not code:
                raise flow.SignInRefused("state_invalid", account_id)
            facts = await flow.verify(settings, app_caches(state).oidc, config, attempt, code)

            async def after(bound: Bound) -> tuple[str, object] | None:
                if attempt.purpose == "link":
                    return None  # the binding's own audit entry says it (identity_linked)
                token, info = await start_session(request, settings, bound.account, "oidc")
                await record(
                    "signed_in",
                    actor_id=bound.account["id"],
                    target_kind="account",
                    target_id=bound.account["id"],
                    ip=ip,
                    detail={"method": "oidc", "provider": config.name},
                )
                return token, info

            _, session = await flow.bind(state.engine, config, attempt, facts, ip, after)
        except AttemptRefused as exc:
            return await self._refused(state, config.name, exc.code, None, ip, taken)
        except flow.SignInRefused as exc:
            return await self._refused(
                state, config.name, exc.code, exc.account_id or account_id, ip, taken
            )
        outcome = "linked" if attempt.purpose == "link" else "signed_in"
        response = Redirect(
            flow.outcome_redirect(settings.base_url, attempt.return_to, outcome), status_code=303
        )
        response.delete_cookie(COOKIE, path=COOKIE_PATH)
        if session is not None:
            token, _ = session
            set_session_cookie(response, settings, token)
        return response

    async def _refused(
        self,
        state: State,
        provider: str,
        code: str,
        account_id: uuid.UUID | None,
        ip: str,
        taken: bool,
    ) -> Response:
        # A callback that took no attempt is anyone's GET with a made-up state: its
        # audit entries are counted per address, so a flood cannot fill the log.
        if taken or await within("signin:ip", ip):
            await flow.refusal_audit(state.engine, provider, code, account_id, ip)
        response = Redirect(flow.refusal_redirect(state.settings.base_url, code), status_code=303)
        if taken:
            # The browser's attempt is over. A callback that took none (a forged or
            # stale state) leaves the cookie of the attempt really under way alone.
            response.delete_cookie(COOKIE, path=COOKIE_PATH)
        return response

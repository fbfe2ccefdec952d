from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import JSONBody, Parameter

from server.app_state import app_caches
from server.dossiers.lookup import LookupRequest, LookupResult, lookup, parse_lookup_code
from server.dossiers.pull import MAX_PAGE, pull
from server.dossiers.push import push
from server.dossiers.reservations import reserve_codes
from server.dossiers.wire import decode_envelope, encode_response
from server.identity.captcha.service import consume_captcha
from server.identity.controllers.common import client_ip
from server.identity.guards import DEVICE_CREDENTIAL, current_principal, require, signed_in
from server.identity.roles import Role
from server.problems import FieldError, ProblemError
from server.ratelimit.service import hit
from server.recovery.service import recover
from server.request_screen import SCREENS_OWN_BODY
from sync.messages import (
    MAX_BODY_BYTES,
    RECOVER_MAX_BODY_BYTES,
    PullResponse,
    PushResponse,
    RecoverRequest,
    RecoverResponse,
    ReserveRequest,
    ReserveResponse,
)


async def _device_principal(request: Request):
    principal = await current_principal(request)
    if principal.via != "device":
        raise ProblemError(
            401,
            "device_credential_required",
            detail="sync requests carry Authorization: Device <credential>",
        )
    return principal


class SyncController(Controller):
    path = "/api/sync"
    tags = ["sync"]
    guards = [signed_in]
    opt = DEVICE_CREDENTIAL

    @post(
        "/push",
        summary="Push a batch of mutations (JSON or MessagePack, answered in kind)",
        request_max_body_size=MAX_BODY_BYTES + 1024,
        status_code=200,
        opt={SCREENS_OWN_BODY: True},  # a payload no column can hold rejects its mutation only
    )
    async def push(self, request: Request, state: State) -> Response[PushResponse]:
        # The body is a PushEnvelope in JSON or MessagePack (see sync/README.md),
        # decoded here because Litestar fixes one decoder per handler.
        principal = await _device_principal(request)
        envelope = decode_envelope(request, await request.body())
        caches = app_caches(state).dossiers
        response = await push(state.engine, state.settings, principal, envelope, caches)
        return encode_response(request, response)  # pyright: ignore[reportReturnType]  # bytes encoded here; the annotation tells OpenAPI their shape

    @get("/pull", summary="Changes visible to me since the cursor")
    async def pull(
        self,
        request: Request,
        state: State,
        # Any cursor is accepted: one the server cannot use gets a full resend.
        cursor: Annotated[str | None, Parameter(description="Opaque; omit for a full sync")] = None,
        limit: Annotated[int, Parameter(ge=1, le=MAX_PAGE)] = 200,
    ) -> Response[PullResponse]:
        principal = await _device_principal(request)
        epoch = app_caches(state).feed_epoch
        return encode_response(request, await pull(state.engine, principal, cursor, limit, epoch))  # pyright: ignore[reportReturnType]  # bytes encoded here; the annotation tells OpenAPI their shape

    @post(
        "/recover",
        status_code=200,
        request_max_body_size=RECOVER_MAX_BODY_BYTES,
        summary="Put back what this device holds, after the server was restored (sync/README.md §9)",
    )
    async def recover(
        self, request: Request, state: State, data: JSONBody[RecoverRequest]
    ) -> RecoverResponse:
        principal = await _device_principal(request)
        caches = app_caches(state).dossiers
        return await recover(state.engine, state.settings, principal, data, state.uploads, caches)

    @post(
        "/codes/reserve",
        status_code=201,
        guards=[require(Role.outreach)],
        summary="Reserve dossier codes for my commune, to hand out offline",
    )
    async def reserve(
        self, request: Request, state: State, data: JSONBody[ReserveRequest]
    ) -> ReserveResponse:
        principal = await _device_principal(request)
        return await reserve_codes(state.engine, principal, data.count)


class LookupController(Controller):
    path = "/api/lookup"
    tags = ["public"]

    @post(
        "/",
        status_code=200,
        summary="A dossier's status by code or receipt id (robot check required)",
    )
    async def lookup(self, request: Request, data: JSONBody[LookupRequest]) -> LookupResult:
        await hit("lookup:ip", client_ip(request))
        if (data.code is None) == (data.id is None):
            raise ProblemError(
                422,
                "validation_failed",
                errors=[FieldError(path="code", code="required", message="give either code or id")],
            )
        # A mistyped code is caught by its check character before anything is asked.
        code = parse_lookup_code(data.code) if data.code is not None else None
        await consume_captcha(data.captcha_id, data.captcha_answer)
        return await lookup(code, data.id)

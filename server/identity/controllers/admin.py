"""Administration of accounts: inviting officials, and their enrollment."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import JSONBody, PathParameter

from server.audit.service import record
from server.clock import utcnow
from server.database import write_transaction
from server.identity import links, passkeys
from server.identity.controllers.common import (
    client_ip,
    device_info,
    profile_of,
    request_lang,
    start_session,
    with_session_cookie,
)
from server.identity.devices import revoke_device
from server.identity.enrollment import invite_official
from server.identity.free_text import chosen_name
from server.identity.guards import admins, current_principal, json_only
from server.identity.roles import Role
from server.identity.schemas import (
    DeviceInfo,
    EnrollFinish,
    EnrollOptionsRequest,
    OfficialInvite,
    OfficialInvited,
    Profile,
    SessionInfo,
    WebauthnOptions,
)
from server.identity.tables import Account, Device
from server.problems import ProblemError


class AdminAccountsController(Controller):
    path = "/api/admin/accounts"
    tags = ["administration"]
    guards = [admins]

    @get("/", summary="Officials I administer (all accounts for an administrator)")
    async def list_accounts(self, request: Request) -> list[Profile]:
        principal = await current_principal(request)
        query = Account.select().order_by(Account.created_at)
        if principal.role is not Role.admin:
            query = query.where(Account.commune_code == principal.commune_code)
        return [profile_of(a) for a in await query]

    @post("/officials", status_code=201, summary="Invite an official; they enroll with a passkey")
    async def invite(
        self, request: Request, state: State, data: JSONBody[OfficialInvite]
    ) -> OfficialInvited:
        principal = await current_principal(request)
        account_id, _ = await invite_official(
            state.engine,
            state.settings,
            principal,
            data,
            client_ip(request),
            lang=request_lang(request),
        )
        return OfficialInvited(account_id=account_id, status="enrollment_sent")

    @post(
        "/{account_id:uuid}/devices/{device_id:uuid}/revoke",
        status_code=200,
        summary="Revoke a lost device of an official I administer",
    )
    async def revoke_device(
        self,
        request: Request,
        state: State,
        account_id: Annotated[uuid.UUID, PathParameter()],
        device_id: Annotated[uuid.UUID, PathParameter()],
    ) -> DeviceInfo:
        principal = await current_principal(request)
        account = await Account.select().where(Account.id == account_id).first()
        if account is None or not principal.may_see_commune(account["commune_code"]):
            raise ProblemError(404, "not_found", detail=str(account_id))
        device = (
            await Device.select()
            .where((Device.id == device_id) & (Device.account_id == account_id))
            .first()
        )
        if device is None:
            raise ProblemError(404, "not_found", detail=str(device_id))
        async with write_transaction(state.engine):
            await revoke_device(device_id, principal.account_id)
            await record(
                "device_revoked",
                actor_id=principal.account_id,
                target_kind="device",
                target_id=device_id,
                ip=client_ip(request),
                detail={"owner": str(account_id)},
            )
        row = await Device.select().where(Device.id == device_id).first()
        assert row is not None  # revoked, not deleted
        return device_info(row)


class EnrollmentController(Controller):
    """Reached from the emailed link; the token is the credential."""

    path = "/api/auth/enroll"
    tags = ["identity"]

    @post(
        "/options",
        status_code=200,
        guards=[json_only],
        summary="Start registering an official's first passkey",
    )
    async def options(self, state: State, data: JSONBody[EnrollOptionsRequest]) -> WebauthnOptions:
        account_id = await links.peek_link("enrollment", data.token)
        account = await Account.select().where(Account.id == account_id).first()
        assert account is not None  # a live link's account (accounts are never deleted)
        async with write_transaction(state.engine):
            challenge_id, options = await passkeys.registration_options(
                state.settings, account, "enroll"
            )
        return WebauthnOptions(challenge_id=challenge_id, options=options)

    @post(
        "/finish",
        status_code=200,
        guards=[json_only],
        summary="Finish enrollment: stores the passkey and signs in",
    )
    async def finish(
        self, request: Request, state: State, data: JSONBody[EnrollFinish]
    ) -> Response[SessionInfo]:
        name = chosen_name("name", data.name, request_lang(request), max_length=100, required=False)
        account_id = await links.peek_link("enrollment", data.token)
        async with write_transaction(state.engine):
            stored = await passkeys.take_challenge(data.challenge_id, "enroll")
        async with write_transaction(state.engine):
            await links.use_link("enrollment", data.token)
            credential_id = await passkeys.finish_registration(
                state.settings, account_id, stored, data.credential, name
            )
            await Account.update({Account.activated_at: utcnow()}).where(
                (Account.id == account_id) & Account.activated_at.is_null()
            )
            account = await Account.select().where(Account.id == account_id).first()
            assert account is not None  # a live link's account (accounts are never deleted)
            token, info = await start_session(request, state.settings, account, "enrollment")
            await record(
                "official_enrolled",
                actor_id=account_id,
                target_kind="passkey",
                target_id=credential_id[:64],
                ip=client_ip(request),
            )
        return with_session_cookie(state.settings, token, info)

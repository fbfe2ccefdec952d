"""The personal page (trang cá nhân): profile, activity, devices, passkeys, documents.
Only the documents (uploaded scans a phone keeps) take a device credential; the rest
needs a browser session."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, delete, get, post
from litestar.datastructures import State
from litestar.params import JSONBody, Parameter, PathParameter

from server.attachments.blobs import blob_row, may_read
from server.audit.service import AuditEntry, activity_of, record
from server.clock import utcnow
from server.database import write_transaction
from server.dossiers.tables import Dossier
from server.identity import passkeys
from server.identity.controllers.common import (
    client_ip,
    device_info,
    passkey_info,
    profile_of,
    request_lang,
)
from server.identity.devices import revoke_device
from server.identity.free_text import chosen_name
from server.identity.guards import DEVICE_CREDENTIAL, current_principal, signed_in
from server.identity.schemas import (
    DeviceInfo,
    PasskeyInfo,
    PasskeyRegistration,
    PersonalDocumentAdd,
    PersonalDocumentInfo,
    Profile,
    RatingInfo,
    WebauthnOptions,
)
from server.identity.sign_in_ways import hold_account, sign_in_ways
from server.identity.tables import Account, Device, Passkey, PersonalDocument
from server.problems import FieldError, ProblemError


class MeController(Controller):
    path = "/api/me"
    tags = ["personal page"]
    guards = [signed_in]

    @get("/", summary="My profile")
    async def profile(self, request: Request) -> Profile:
        principal = await current_principal(request)
        a = await Account.select().where(Account.id == principal.account_id).first()
        assert a is not None  # a signed-in account exists (accounts are never deleted)
        return profile_of(a)

    @get("/activity", summary="My activity log (nhật ký người dùng), newest first")
    async def activity(
        self,
        request: Request,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
        # Bounded so a number past BIGINT is a 400 naming it, not a database overflow.
        before: Annotated[
            int | None, Parameter(ge=1, le=2**53 - 1, description="Entries older than this id")
        ] = None,
    ) -> list[AuditEntry]:
        principal = await current_principal(request)
        return await activity_of(principal.account_id, limit, before)

    @get("/devices", summary="My devices")
    async def devices(self, request: Request) -> list[DeviceInfo]:
        principal = await current_principal(request)
        rows = (
            await Device.select()
            .where(Device.account_id == principal.account_id)
            .order_by(Device.created_at)
        )
        return [device_info(r, current=r["id"] == principal.device_id) for r in rows]

    @post(
        "/devices/{device_id:uuid}/revoke",
        status_code=200,
        summary="Revoke one of my devices (lost or sold)",
    )
    async def revoke(
        self, request: Request, state: State, device_id: Annotated[uuid.UUID, PathParameter()]
    ) -> DeviceInfo:
        principal = await current_principal(request)
        device = (
            await Device.select()
            .where((Device.id == device_id) & (Device.account_id == principal.account_id))
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
                device_id=principal.device_id,
            )
        row = await Device.select().where(Device.id == device_id).first()
        assert row is not None  # revoked, not deleted
        return device_info(row)

    @get("/passkeys", summary="My passkeys")
    async def list_passkeys(self, request: Request) -> list[PasskeyInfo]:
        principal = await current_principal(request)
        rows = (
            await Passkey.select()
            .where(Passkey.account_id == principal.account_id)
            .order_by(Passkey.created_at)
        )
        return [passkey_info(r) for r in rows]

    @post("/passkeys/options", status_code=200, summary="Start adding a passkey to my account")
    async def passkey_options(self, request: Request, state: State) -> WebauthnOptions:
        principal = await current_principal(request)
        account = await Account.select().where(Account.id == principal.account_id).first()
        assert account is not None  # a signed-in account exists (accounts are never deleted)
        async with write_transaction(state.engine):
            challenge_id, options = await passkeys.registration_options(state.settings, account)
        return WebauthnOptions(challenge_id=challenge_id, options=options)

    @post("/passkeys", status_code=201, summary="Finish adding a passkey")
    async def add_passkey(
        self, request: Request, state: State, data: JSONBody[PasskeyRegistration]
    ) -> PasskeyInfo:
        principal = await current_principal(request)
        name = chosen_name("name", data.name, request_lang(request), max_length=100, required=False)
        async with write_transaction(state.engine):
            stored = await passkeys.take_challenge(data.challenge_id, "register")
        async with write_transaction(state.engine):
            credential_id = await passkeys.finish_registration(
                state.settings, principal.account_id, stored, data.credential, name
            )
            await record(
                "passkey_added",
                actor_id=principal.account_id,
                target_kind="passkey",
                target_id=credential_id[:64],
                ip=client_ip(request),
            )
        r = await Passkey.select().where(Passkey.id == credential_id).first()
        assert r is not None  # stored just above
        return passkey_info(r)

    @delete("/passkeys/{passkey_id:str}", status_code=204, summary="Remove one of my passkeys")
    async def remove_passkey(
        self,
        request: Request,
        state: State,
        passkey_id: Annotated[str, PathParameter(max_length=1400)],
    ) -> None:
        principal = await current_principal(request)
        async with write_transaction(state.engine):
            await hold_account(principal.account_id)
            mine = await Passkey.select(Passkey.id).where(
                Passkey.account_id == principal.account_id
            )
            if passkey_id not in {p["id"] for p in mine}:
                raise ProblemError(404, "not_found", detail=passkey_id)
            if principal.is_official and len(mine) == 1:
                # An official's only way in: removing it would lock them out.
                raise ProblemError(409, "last_passkey")
            if await sign_in_ways(principal.account_id) <= 1:
                # No password and no e-ID either (an account made by the e-ID, unlinked).
                raise ProblemError(409, "last_sign_in_method")
            await Passkey.delete().where(Passkey.id == passkey_id)
            await record(
                "passkey_removed",
                actor_id=principal.account_id,
                target_kind="passkey",
                target_id=passkey_id[:64],
                ip=client_ip(request),
            )

    @get("/ratings", summary="My service ratings, newest first")
    async def ratings(self, request: Request) -> list[RatingInfo]:
        principal = await current_principal(request)
        rows = (
            await Dossier.select(
                Dossier.id,
                Dossier.code,
                Dossier.procedure_code,
                Dossier.rating_stars,
                Dossier.rating_comment,
                Dossier.updated_at,
            )
            .where((Dossier.owner_id == principal.account_id) & Dossier.rating_stars.is_not_null())
            .order_by(Dossier.updated_at, ascending=False)
        )
        return [
            RatingInfo(
                dossier_id=r["id"],
                code=r["code"],
                procedure_code=r["procedure_code"],
                stars=r["rating_stars"],
                comment=r["rating_comment"],
                at=r["updated_at"],
            )
            for r in rows
        ]

    @post(
        "/documents",
        status_code=201,
        opt=DEVICE_CREDENTIAL,
        summary="Keep an uploaded file as a reusable document (ID card scan, …)",
    )
    async def add_document(
        self, request: Request, state: State, data: JSONBody[PersonalDocumentAdd]
    ) -> PersonalDocumentInfo:
        principal = await current_principal(request)
        label = chosen_name("label", data.label, request_lang(request), max_length=200)
        # Only a file this person may read: one they uploaded, or one of their dossiers'.
        if await blob_row(data.sha256) is None or not await may_read(principal, data.sha256):
            raise ProblemError(
                422,
                "validation_failed",
                errors=[
                    FieldError(
                        path="sha256",
                        code="attachment_not_uploaded",
                        message="upload the file first",
                    )
                ],
            )
        async with write_transaction(state.engine):
            document_id = uuid.uuid4()
            now = utcnow()
            await PersonalDocument.insert(
                PersonalDocument(
                    id=document_id,
                    account_id=principal.account_id,
                    kind=data.kind,
                    label=label,
                    sha256=data.sha256,
                    created_at=now,
                )
            )
            await record(
                "personal_document_added",
                actor_id=principal.account_id,
                target_kind="account",
                target_id=principal.account_id,
                ip=client_ip(request),
                detail={"kind": data.kind},
            )
        return PersonalDocumentInfo(
            id=document_id, kind=data.kind, label=label, sha256=data.sha256, created_at=now
        )

    @delete(
        "/documents/{document_id:uuid}",
        status_code=204,
        opt=DEVICE_CREDENTIAL,
        summary="Forget one of my reusable documents",
    )
    async def remove_document(
        self, request: Request, state: State, document_id: Annotated[uuid.UUID, PathParameter()]
    ) -> None:
        principal = await current_principal(request)
        async with write_transaction(state.engine):
            rows = (
                await PersonalDocument.delete()
                .where(
                    (PersonalDocument.id == document_id)
                    & (PersonalDocument.account_id == principal.account_id)
                )
                .returning(PersonalDocument.id)
            )
            if not rows:
                raise ProblemError(404, "not_found", detail=str(document_id))
            await record(
                "personal_document_removed",
                actor_id=principal.account_id,
                target_kind="account",
                target_id=principal.account_id,
                ip=client_ip(request),
            )

    @get("/documents", opt=DEVICE_CREDENTIAL, summary="My reusable documents (ID card scans, …)")
    async def documents(self, request: Request) -> list[PersonalDocumentInfo]:
        principal = await current_principal(request)
        rows = (
            await PersonalDocument.select()
            .where(PersonalDocument.account_id == principal.account_id)
            .order_by(PersonalDocument.created_at)
        )
        return [
            PersonalDocumentInfo(
                id=r["id"],
                kind=r["kind"],
                label=r["label"],
                sha256=r["sha256"],
                created_at=r["created_at"],
            )
            for r in rows
        ]

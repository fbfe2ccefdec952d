"""The personal page's list of the e-ID bindings of one's account, and unlinking one."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Request, delete, get
from litestar.datastructures import State
from litestar.params import PathParameter

from server.audit.service import record
from server.database import write_transaction
from server.identity.controllers.common import client_ip, request_lang
from server.identity.guards import current_principal, signed_in
from server.identity.oidc.verified import linked_identities
from server.identity.schemas import LinkedIdentityInfo
from server.identity.sign_in_ways import hold_account, sign_in_ways
from server.identity.tables import ExternalIdentity
from server.problems import ProblemError


class IdentitiesController(Controller):
    path = "/api/me/identities"
    tags = ["personal page"]
    guards = [signed_in]

    @get("/", summary="My accounts at OpenID providers (VNeID, …)")
    async def identities(self, request: Request, state: State) -> list[LinkedIdentityInfo]:
        principal = await current_principal(request)
        return await linked_identities(
            state.settings.oidc_providers, principal.account_id, request_lang(request)
        )

    @delete(
        "/{identity_id:uuid}",
        status_code=204,
        summary="Unlink one (not the account's last way to sign in)",
    )
    async def unlink(
        self, request: Request, state: State, identity_id: Annotated[uuid.UUID, PathParameter()]
    ) -> None:
        principal = await current_principal(request)
        async with write_transaction(state.engine):
            await hold_account(principal.account_id)
            target = (
                await ExternalIdentity.select(ExternalIdentity.provider)
                .where(
                    (ExternalIdentity.id == identity_id)
                    & (ExternalIdentity.account_id == principal.account_id)
                )
                .first()
            )
            if target is None:
                raise ProblemError(404, "not_found", detail=str(identity_id))
            if await sign_in_ways(principal.account_id) <= 1:
                # Without it nobody could sign in to this account again.
                raise ProblemError(409, "last_sign_in_method")
            await ExternalIdentity.delete().where(ExternalIdentity.id == identity_id)
            await record(
                "identity_unlinked",
                actor_id=principal.account_id,
                target_kind="account",
                target_id=principal.account_id,
                ip=client_ip(request),
                detail={"provider": target["provider"], "identity": str(identity_id)},
            )

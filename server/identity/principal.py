"""Who is making a request: an account, by session cookie or device credential."""

from __future__ import annotations

import uuid

import msgspec

from server.identity.roles import OFFICIAL_ROLES, Role


class Principal(msgspec.Struct, frozen=True):
    account_id: uuid.UUID
    role: Role
    commune_code: str
    full_name: str
    email: str
    # "session" (cookie) or "device" (Authorization: Device …)
    via: str
    session_hash: str | None = None
    csrf_token: str | None = None
    device_id: uuid.UUID | None = None

    @property
    def is_official(self) -> bool:
        return self.role in OFFICIAL_ROLES

    def may_see_commune(self, commune_code: str) -> bool:
        if self.role is Role.admin:
            return True
        return self.is_official and self.commune_code == commune_code

"""Officials join with a passkey: an administrator invites them, the emailed
one-time link lets them register their first passkey."""

from __future__ import annotations

import uuid

from piccolo.engine.base import Engine

from server.audit.service import record
from server.clock import utcnow
from server.communes.tables import Commune
from server.database import write_transaction
from server.identity import links
from server.identity.free_text import chosen_name
from server.identity.principal import Principal
from server.identity.roles import OFFICIAL_ROLES, Role
from server.identity.schemas import OfficialInvite
from server.identity.tables import Account
from server.notify.outbox import enqueue_email
from server.notify.schemas import OfficialEnrollmentParams
from server.problems import FieldError, ProblemError
from server.settings import Settings
from sync.forms.field_rules import is_email  # the rule every form uses


def _invalid(path: str, code: str, message: str) -> ProblemError:
    return ProblemError(
        422, "validation_failed", errors=[FieldError(path=path, code=code, message=message)]
    )


async def invite_official(
    engine: Engine,
    settings: Settings,
    by: Principal | None,
    invite: OfficialInvite,
    ip: str,
    *,
    lang: str = "en",
) -> tuple[uuid.UUID, str]:
    """Creates the official's account (no password) and emails the enrollment link.
    `by` is None when the command line creates the first administrator; `lang` is the
    language of the refusals."""
    email = invite.email.strip().lower()
    if not is_email(email):
        raise _invalid("email", "invalid_email", email)
    name = chosen_name("full_name", invite.full_name, lang, max_length=100)
    role = Role(invite.role)
    commune = invite.commune_code.strip()
    if role in OFFICIAL_ROLES:
        if not await Commune.exists().where(Commune.code == commune):
            raise _invalid("commune_code", "unknown_commune", commune)
    elif commune:
        raise _invalid("commune_code", "not_allowed", "administrators belong to no commune")
    # An agency administrator invites officials of their own commune only.
    if (
        by is not None
        and by.role is not Role.admin
        and (role not in (Role.outreach, Role.desk) or commune != by.commune_code)
    ):
        raise ProblemError(403, "forbidden")
    async with write_transaction(engine):
        if await Account.exists().where(Account.email == email):
            raise ProblemError(
                409,
                "email_taken",
                errors=[FieldError(path="email", code="email_taken", message=email)],
            )
        account_id = uuid.uuid4()
        await Account.insert(
            Account(
                id=account_id,
                email=email,
                full_name=name,
                role=role.value,
                commune_code=commune,
                created_at=utcnow(),
            )
        )
        link = await links.issue_link(settings.base_url, "enrollment", account_id)
        await enqueue_email(
            email,
            "official_enrollment",
            invite.lang,
            OfficialEnrollmentParams(
                name=name,
                link=link,
                valid_hours=int(links.LIFETIMES["enrollment"].total_seconds() // 3600),
            ),
        )
        await record(
            "official_invited",
            actor_id=by.account_id if by else None,
            target_kind="account",
            target_id=account_id,
            ip=ip,
            detail={"role": role.value, "commune": commune},
        )
    return account_id, link

"""Citizen accounts: registration, activation, password sign-in and reset.

Each flow runs in one write transaction: the account, its one-time link, the
email in the outbox and the audit entry are stored together or not at all."""

from __future__ import annotations

import uuid
from typing import Any

from piccolo.columns import Column
from piccolo.engine.base import Engine

from server.audit.service import record
from server.clock import utcnow
from server.database import write_transaction
from server.i18n import Language
from server.identity import links
from server.identity.captcha.service import consume_captcha
from server.identity.devices import revoke_all_devices
from server.identity.passwords import hashed, matches
from server.identity.registration import check_registration, password_errors
from server.identity.roles import OFFICIAL_ROLES, Role
from server.identity.schemas import RegisterRequest
from server.identity.sessions import revoke_all_sessions
from server.identity.tables import Account
from server.notify.outbox import enqueue_email
from server.notify.schemas import ActivationParams, PasswordResetParams, RegistrationAttemptParams
from server.problems import ProblemError
from server.settings import Settings


def _email_key(email: str) -> str:
    return email.strip().lower()


async def account_by_email(email: str) -> dict | None:
    return await Account.select().where(Account.email == _email_key(email)).first()


async def register(
    engine: Engine, settings: Settings, req: RegisterRequest, lang: Language, ip: str
) -> uuid.UUID | None:
    """The new account's id; None when the address already had an account. The caller
    answers both alike: only the address's owner learns which, by mail."""
    values, errors = check_registration(req, lang)
    if errors:
        raise ProblemError(422, "validation_failed", errors=errors)
    email = _email_key(values["email"])
    # Committed on its own: an answer, right or wrong, spends the image.
    await consume_captcha(req.captcha_id, req.captcha_answer)
    # Hashed whether or not the address is taken (the same work either way), and before
    # the transaction, which on SQLite holds the one writer lock.
    password_hash = await hashed(req.password)
    async with write_transaction(engine):
        existing = await account_by_email(email)
        if existing is not None:
            await _tell_owner_of_registration_attempt(settings, existing, lang, ip)
            return None
        account_id = uuid.uuid4()
        now = utcnow()
        await Account.insert(
            Account(
                id=account_id,
                email=email,
                full_name=values["full_name"],
                phone=values["phone"],
                personal_id=values["personal_id"],
                kind=req.kind,
                organisation_name=values.get("organisation_name", ""),
                role=Role.citizen.value,
                password_hash=password_hash,
                created_at=now,
            )
        )
        link = await links.issue_link(settings.base_url, "activation", account_id)
        await enqueue_email(
            email, "activation", lang, ActivationParams(name=values["full_name"], link=link)
        )
        await record(
            "account_registered",
            actor_id=account_id,
            target_kind="account",
            target_id=account_id,
            ip=ip,
        )
    return account_id


async def _tell_owner_of_registration_attempt(
    settings: Settings, account: dict, lang: Language, ip: str
) -> None:
    """The account stays as it is. Its owner is told, and a citizen gets a
    password-reset link: the way in for someone who forgot they had registered (and,
    for an account never activated, a way to take it over from whoever made it)."""
    link = ""
    if account["role"] == Role.citizen.value:
        await links.invalidate_links("password_reset", account["id"])
        link = await links.issue_link(settings.base_url, "password_reset", account["id"])
    await enqueue_email(
        account["email"],
        "registration_attempt",
        lang,
        RegistrationAttemptParams(name=account["full_name"], link=link),
    )
    await record(
        "registration_attempted",
        actor_id=None,
        target_kind="account",
        target_id=account["id"],
        ip=ip,
    )


async def activate(engine: Engine, token: str, ip: str) -> uuid.UUID:
    async with write_transaction(engine):
        account_id = await links.use_link("activation", token)
        await Account.update({Account.activated_at: utcnow()}).where(
            (Account.id == account_id) & Account.activated_at.is_null()
        )
        await record(
            "account_activated",
            actor_id=account_id,
            target_kind="account",
            target_id=account_id,
            ip=ip,
        )
    return account_id


async def resend_activation(
    engine: Engine, settings: Settings, email: str, lang: Language, ip: str
) -> None:
    """Answers the same whether or not the address is known (no account probing)."""
    async with write_transaction(engine):
        account = await account_by_email(email)
        if account is None or account["activated_at"] is not None:
            return
        await links.invalidate_links("activation", account["id"])
        link = await links.issue_link(settings.base_url, "activation", account["id"])
        await enqueue_email(
            account["email"],
            "activation",
            lang,
            ActivationParams(name=account["full_name"], link=link),
        )
        await record(
            "activation_resent",
            actor_id=None,
            target_kind="account",
            target_id=account["id"],
            ip=ip,
        )


async def request_password_reset(
    engine: Engine, settings: Settings, email: str, lang: Language, ip: str
) -> None:
    async with write_transaction(engine):
        account = await account_by_email(email)
        if account is None or (
            not account["password_hash"] and account["role"] != Role.citizen.value
        ):
            return
        await links.invalidate_links("password_reset", account["id"])
        link = await links.issue_link(settings.base_url, "password_reset", account["id"])
        await enqueue_email(
            account["email"],
            "password_reset",
            lang,
            PasswordResetParams(name=account["full_name"], link=link),
        )
        await record(
            "password_reset_requested",
            actor_id=None,
            target_kind="account",
            target_id=account["id"],
            ip=ip,
        )


async def reset_password(engine: Engine, token: str, password: str, lang: str, ip: str) -> None:
    """The new password, and every session and device of the account ended: whoever
    knew the old password may have signed in or registered a phone with it."""
    account_id = await links.peek_link("password_reset", token)
    account = await Account.select().where(Account.id == account_id).first()
    if account is None:  # cannot happen while accounts are never deleted
        raise ProblemError(400, "link_invalid")
    errors = password_errors(password, account["email"] or "", lang)
    if errors:
        raise ProblemError(422, "validation_failed", errors=errors)
    password_hash = await hashed(password)  # outside the transaction, off the loop
    async with write_transaction(engine):
        await links.use_link("password_reset", token)
        values: dict[Column | str, Any] = {Account.password_hash: password_hash}
        if account["activated_at"] is None:
            # Following a link from the mailbox proves the address too.
            values[Account.activated_at] = utcnow()
        await Account.update(values).where(Account.id == account_id)
        sessions = await revoke_all_sessions(account_id)
        devices = await revoke_all_devices(account_id, by=account_id)
        await record(
            "password_reset",
            actor_id=account_id,
            target_kind="account",
            target_id=account_id,
            ip=ip,
            detail={"sessions": str(sessions), "devices": str(devices)},
        )


async def check_password_sign_in(settings: Settings, email: str, password: str) -> dict:
    """The account if this password sign-in is allowed; otherwise a clear refusal."""
    account = await account_by_email(email)
    # Verified even with no account or no password: the same work, the same answer.
    if (
        not await matches(account["password_hash"] if account else None, password)
        or account is None
    ):
        raise ProblemError(401, "wrong_credentials")
    if account["activated_at"] is None:
        raise ProblemError(403, "account_not_activated")
    role = Role(account["role"])
    official = role in OFFICIAL_ROLES or role is Role.admin
    if official and settings.official_sign_in == "strong":
        # Demo accounts included: "strong" means no official signs in with a password.
        raise ProblemError(403, "official_needs_strong_sign_in")
    if official and not (settings.demo_mode and account["is_demo"]):
        raise ProblemError(403, "passkey_required")
    return account

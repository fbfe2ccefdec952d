"""Citizen accounts: registration, activation, password sign-in and reset.

Each flow runs in one write transaction: the account, its one-time link, the
email in the outbox and the audit entry are stored together or not at all."""

from __future__ import annotations

import uuid

from piccolo.engine.base import Engine

from server.audit.service import record
from server.clock import utcnow
from server.database import write_transaction
from server.identity import links
from server.identity.captcha.service import consume_captcha
from server.identity.passwords import hash_password, verify_password
from server.identity.registration import check_registration, password_errors
from server.identity.roles import OFFICIAL_ROLES, Role
from server.identity.schemas import RegisterRequest
from server.identity.sessions import revoke_all_sessions
from server.identity.tables import Account
from server.notify.outbox import enqueue_email
from server.notify.schemas import ActivationParams, PasswordResetParams
from server.problems import FieldError, ProblemError
from server.settings import Settings


def _email_key(email: str) -> str:
    return email.strip().lower()


async def account_by_email(email: str) -> dict | None:
    return await Account.select().where(Account.email == _email_key(email)).first()


async def register(
    engine: Engine, settings: Settings, req: RegisterRequest, lang: str, ip: str
) -> uuid.UUID:
    values, errors = check_registration(req, lang)
    if errors:
        raise ProblemError(422, "validation_failed", errors=errors)
    email = _email_key(values["email"])
    # Committed on its own: an answer, right or wrong, spends the image.
    await consume_captcha(req.captcha_id, req.captcha_answer)
    async with write_transaction(engine):
        if await account_by_email(email) is not None:
            raise ProblemError(409, "email_taken", errors=[
                FieldError(path="email", code="email_taken", message=email)])
        account_id = uuid.uuid4()
        now = utcnow()
        await Account.insert(
            Account(
                id=account_id, email=email, full_name=values["full_name"],
                phone=values["phone"], personal_id=values["personal_id"], kind=req.kind,
                organisation_name=values.get("organisation_name", ""),
                role=Role.citizen.value, password_hash=hash_password(req.password),
                created_at=now,
            )
        )
        link = await links.issue_link(settings.base_url, "activation", account_id)
        await enqueue_email(email, "activation", lang, ActivationParams(name=values["full_name"], link=link))
        await record("account_registered", actor_id=account_id, target_kind="account",
                     target_id=account_id, ip=ip)
    return account_id


async def activate(engine: Engine, token: str, ip: str) -> uuid.UUID:
    async with write_transaction(engine):
        account_id = await links.use_link("activation", token)
        await Account.update({Account.activated_at: utcnow()}).where(
            (Account.id == account_id) & Account.activated_at.is_null()
        )
        await record("account_activated", actor_id=account_id, target_kind="account",
                     target_id=account_id, ip=ip)
    return account_id


async def resend_activation(engine: Engine, settings: Settings, email: str, lang: str, ip: str) -> None:
    """Answers the same whether or not the address is known (no account probing)."""
    async with write_transaction(engine):
        account = await account_by_email(email)
        if account is None or account["activated_at"] is not None:
            return
        await links.invalidate_links("activation", account["id"])
        link = await links.issue_link(settings.base_url, "activation", account["id"])
        await enqueue_email(account["email"], "activation", lang,
                            ActivationParams(name=account["full_name"], link=link))
        await record("activation_resent", actor_id=None, target_kind="account",
                     target_id=account["id"], ip=ip)


async def request_password_reset(engine: Engine, settings: Settings, email: str, lang: str, ip: str) -> None:
    async with write_transaction(engine):
        account = await account_by_email(email)
        if account is None or not account["password_hash"] and account["role"] != Role.citizen.value:
            return
        await links.invalidate_links("password_reset", account["id"])
        link = await links.issue_link(settings.base_url, "password_reset", account["id"])
        await enqueue_email(account["email"], "password_reset", lang,
                            PasswordResetParams(name=account["full_name"], link=link))
        await record("password_reset_requested", actor_id=None, target_kind="account",
                     target_id=account["id"], ip=ip)


async def reset_password(engine: Engine, token: str, password: str, lang: str, ip: str) -> None:
    async with write_transaction(engine):
        account_id = await links.peek_link("password_reset", token)
        account = await Account.select().where(Account.id == account_id).first()
        errors = password_errors(password, account["email"], lang)  # type: ignore[index]
        if errors:
            raise ProblemError(422, "validation_failed", errors=errors)
        await links.use_link("password_reset", token)
        values = {Account.password_hash: hash_password(password)}
        if account["activated_at"] is None:  # type: ignore[index]
            # Following a link from the mailbox proves the address too.
            values[Account.activated_at] = utcnow()
        await Account.update(values).where(Account.id == account_id)
        await revoke_all_sessions(account_id)
        await record("password_reset", actor_id=account_id, target_kind="account",
                     target_id=account_id, ip=ip)


async def check_password_sign_in(settings: Settings, email: str, password: str) -> dict:
    """The account if this password sign-in is allowed; otherwise a clear refusal."""
    account = await account_by_email(email)
    if account is None or not verify_password(account["password_hash"], password):
        raise ProblemError(401, "wrong_credentials")
    if account["activated_at"] is None:
        raise ProblemError(403, "account_not_activated")
    role = Role(account["role"])
    official = role in OFFICIAL_ROLES or role is Role.admin
    if official and not (settings.demo_mode and account["is_demo"]):
        raise ProblemError(403, "passkey_required")
    return account

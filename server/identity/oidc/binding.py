"""Which account a provider's verified person is: the one bound to the subject, a
citizen account with the same verified email (linked), or a new citizen account; or,
for a link, the signed-in account. Runs inside the caller's write transaction, so the
account, its binding, the session and the audit entries are stored together or not at
all. A refusal is a BindingRefused with the contract's code; nothing is written then."""

from __future__ import annotations

import hashlib
import uuid

import msgspec
from piccolo.engine.postgres import PostgresEngine

from server.audit.service import record
from server.clock import utcnow
from server.identity.oidc.facts import VerifiedFacts
from server.identity.roles import OFFICIAL_ROLES, Role
from server.identity.tables import Account, ExternalIdentity


class BindingRefused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Bound(msgspec.Struct, frozen=True):
    account: dict
    # created | linked | signed_in (a known subject)
    outcome: str


def is_official(account: dict) -> bool:
    role = Role(account["role"])
    return role in OFFICIAL_ROLES or role is Role.admin


async def _account(account_id: uuid.UUID) -> dict:
    account = await Account.select().where(Account.id == account_id).first()
    if account is None:  # accounts are never deleted; a binding always has one
        raise BindingRefused("account_disabled")
    return account


async def _identity_of_subject(provider: str, subject: str) -> dict | None:
    return (
        await ExternalIdentity.select()
        .where((ExternalIdentity.provider == provider) & (ExternalIdentity.subject == subject))
        .first()
    )


async def _check_id_number(facts: VerifiedFacts, account_id: uuid.UUID) -> None:
    """A verified ID number is one person: bound to one account, whatever the provider."""
    if not facts.id_number:
        return
    elsewhere = (
        await ExternalIdentity.select(ExternalIdentity.id)
        .where(
            (ExternalIdentity.id_number == facts.id_number)
            & (ExternalIdentity.account_id != account_id)
        )
        .first()
    )
    if elsewhere is not None:
        raise BindingRefused("id_number_bound_elsewhere")


async def _check_no_other_subject(provider: str, facts: VerifiedFacts, account_id: uuid.UUID):
    other = (
        await ExternalIdentity.select(ExternalIdentity.subject)
        .where(
            (ExternalIdentity.provider == provider) & (ExternalIdentity.account_id == account_id)
        )
        .first()
    )
    if other is not None and other["subject"] != facts.subject:
        raise BindingRefused("account_has_other_identity")


def _fact_values(facts: VerifiedFacts) -> dict:
    return {
        ExternalIdentity.id_number: facts.id_number,
        ExternalIdentity.full_name: facts.full_name,
        ExternalIdentity.birth_date: facts.birth_date,
        ExternalIdentity.sex: facts.sex,
        ExternalIdentity.residence: facts.residence,
        ExternalIdentity.verified_at: utcnow(),
    }


async def _refresh(identity: dict, facts: VerifiedFacts) -> None:
    await ExternalIdentity.update(_fact_values(facts)).where(ExternalIdentity.id == identity["id"])


async def _bind(provider: str, facts: VerifiedFacts, account_id: uuid.UUID, ip: str) -> None:
    now = utcnow()
    identity_id = uuid.uuid4()
    await ExternalIdentity.insert(
        ExternalIdentity(
            id=identity_id,
            account_id=account_id,
            provider=provider,
            subject=facts.subject,
            id_number=facts.id_number,
            full_name=facts.full_name,
            birth_date=facts.birth_date,
            sex=facts.sex,
            residence=facts.residence,
            linked_at=now,
            verified_at=now,
        )
    )
    await record(
        "identity_linked",
        actor_id=account_id,
        target_kind="account",
        target_id=account_id,
        ip=ip,
        detail={"provider": provider, "identity": str(identity_id)},
    )


async def _one_at_a_time(*keys: str) -> None:
    """Sign-ins of one subject, ID number or address wait for each other until the
    transaction ends. On PostgreSQL (read committed) two of them would otherwise each
    read the state before the other's rows and both create: nothing unique stands
    behind a verified ID number. SQLite needs none: a write transaction takes the one
    write lock at BEGIN."""
    if not isinstance(ExternalIdentity._meta.db, PostgresEngine):
        return
    # In one order, so two transactions never wait for each other's second lock.
    for key in sorted({k for k in keys if k}):
        number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
        await ExternalIdentity.raw("SELECT pg_advisory_xact_lock({})", number)


async def bind_for_sign_in(provider: str, facts: VerifiedFacts, ip: str) -> Bound:
    await _one_at_a_time(
        f"oidc-subject:{provider}:{facts.subject}",
        f"oidc-id-number:{facts.id_number}" if facts.id_number else "",
        f"oidc-email:{facts.email}" if facts.email else "",
    )
    known = await _identity_of_subject(provider, facts.subject)
    if known is not None:
        account = await _account(known["account_id"])
        if account["activated_at"] is None:
            raise BindingRefused("account_disabled")
        await _check_id_number(facts, account["id"])
        await _refresh(known, facts)
        return Bound(account=account, outcome="signed_in")
    by_email = None
    if facts.email:
        by_email = await Account.select().where(Account.email == facts.email).first()
    if by_email is not None:
        if is_official(by_email):
            # An official's account is linked only by the official, signed in.
            raise BindingRefused("email_belongs_to_official")
        await _check_id_number(facts, by_email["id"])
        await _check_no_other_subject(provider, facts, by_email["id"])
        await _bind(provider, facts, by_email["id"], ip)
        if by_email["activated_at"] is None:
            # The provider verified the address: as good as the activation link. But
            # whoever registered it never proved it theirs, so their password goes (a
            # registrant of someone else's address would otherwise hold the account);
            # the owner sets one by the reset link if they want one.
            await Account.update({Account.activated_at: utcnow(), Account.password_hash: ""}).where(
                Account.id == by_email["id"]
            )
        return Bound(account=await _account(by_email["id"]), outcome="linked")
    account_id = uuid.uuid4()
    await _check_id_number(facts, account_id)
    now = utcnow()
    await Account.insert(
        Account(
            id=account_id,
            # Only an address the provider verified, and no other account has (checked above).
            email=facts.email or None,
            full_name=facts.full_name,
            personal_id=facts.id_number,
            kind="individual",
            role=Role.citizen.value,
            password_hash="",
            activated_at=now,
            created_at=now,
        )
    )
    await record(
        "account_registered",
        actor_id=account_id,
        target_kind="account",
        target_id=account_id,
        ip=ip,
        detail={"method": "oidc", "provider": provider},
    )
    await _bind(provider, facts, account_id, ip)
    return Bound(account=await _account(account_id), outcome="created")


async def bind_for_link(
    provider: str, facts: VerifiedFacts, account_id: uuid.UUID, ip: str
) -> Bound:
    await _one_at_a_time(
        f"oidc-subject:{provider}:{facts.subject}",
        f"oidc-id-number:{facts.id_number}" if facts.id_number else "",
        f"oidc-account:{provider}:{account_id}",
    )
    account = await _account(account_id)
    known = await _identity_of_subject(provider, facts.subject)
    if known is not None and known["account_id"] != account_id:
        raise BindingRefused("identity_bound_elsewhere")
    await _check_no_other_subject(provider, facts, account_id)
    await _check_id_number(facts, account_id)
    if known is not None:
        await _refresh(known, facts)
    else:
        await _bind(provider, facts, account_id, ip)
    return Bound(account=account, outcome="linked")

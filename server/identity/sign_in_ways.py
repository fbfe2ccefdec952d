"""How many ways an account has to sign in (its password, passkeys and e-ID bindings),
so that removing one never leaves none."""

from __future__ import annotations

import uuid

from piccolo.engine.postgres import PostgresEngine

from server.identity.tables import Account, ExternalIdentity, Passkey


async def hold_account(account_id: uuid.UUID) -> None:
    """On PostgreSQL the account's row stays locked until the transaction ends: two
    removals at once would otherwise each count the other's way as still there. SQLite
    needs none: a write transaction holds the database from BEGIN."""
    if isinstance(Account._meta.db, PostgresEngine):
        await Account.raw("SELECT id FROM account WHERE id = {} FOR UPDATE", account_id)


async def sign_in_ways(account_id: uuid.UUID) -> int:
    account = await Account.select(Account.password_hash).where(Account.id == account_id).first()
    passkeys = await Passkey.count().where(Passkey.account_id == account_id)
    bindings = await ExternalIdentity.count().where(ExternalIdentity.account_id == account_id)
    return int(bool(account and account["password_hash"])) + passkeys + bindings

"""Signing in with an OpenID provider (the e-ID): accounts bound to a provider's
subject with the facts it verified, the trips to a provider under way, and accounts
that have no email address (made by such a sign-in when the provider gave none)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

ID = "2026-12-06T01:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "OpenID sign-in: external identities, attempts; account email may be empty"

_IDENTITY = (
    'CREATE TABLE external_identity ("id" UUID PRIMARY KEY NOT NULL, '
    '"account_id" UUID NOT NULL, "provider" VARCHAR(32) NOT NULL, '
    '"subject" VARCHAR(255) NOT NULL, "id_number" VARCHAR(12) NOT NULL DEFAULT \'\', '
    "\"full_name\" VARCHAR(100) NOT NULL DEFAULT '', \"birth_date\" VARCHAR(10) NOT NULL DEFAULT '', "
    "\"sex\" VARCHAR(8) NOT NULL DEFAULT '', \"residence\" VARCHAR(300) NOT NULL DEFAULT '', "
    '"linked_at" TIMESTAMPTZ NOT NULL, "verified_at" TIMESTAMPTZ NOT NULL)'
)
_ATTEMPT = (
    'CREATE TABLE oidc_attempt ("state_hash" VARCHAR(64) PRIMARY KEY NOT NULL, '
    '"provider" VARCHAR(32) NOT NULL, "nonce" VARCHAR(64) NOT NULL, '
    '"code_verifier" VARCHAR(128) NOT NULL, "browser_hash" VARCHAR(64) NOT NULL, '
    '"purpose" VARCHAR(8) NOT NULL, "account_id" UUID NULL DEFAULT NULL, '
    '"return_to" VARCHAR(200) NOT NULL DEFAULT \'/\', "created_at" TIMESTAMPTZ NOT NULL, '
    '"expires_at" TIMESTAMPTZ NOT NULL, "used_at" TIMESTAMPTZ NULL DEFAULT NULL)'
)
_INDEXES = [
    # A subject is bound to one account; an account to one subject per provider.
    "CREATE UNIQUE INDEX external_identity_subject ON external_identity (provider, subject)",
    "CREATE UNIQUE INDEX external_identity_account ON external_identity (provider, account_id)",
    "CREATE INDEX external_identity_account_id ON external_identity (account_id)",
    "CREATE INDEX external_identity_id_number ON external_identity (id_number)",
    "CREATE INDEX oidc_attempt_expires_at ON oidc_attempt (expires_at)",
]

# SQLite cannot drop NOT NULL from a column: the account table is made again with the
# same rows, an empty address becoming NULL (no row has one today).
_SQLITE_ACCOUNT = [
    'CREATE TABLE "account_m0028" ("id" UUID PRIMARY KEY NOT NULL DEFAULT None, '
    '"email" VARCHAR(254) UNIQUE NULL DEFAULT null, '
    "\"full_name\" VARCHAR(100) NOT NULL DEFAULT '', \"phone\" VARCHAR(16) NOT NULL DEFAULT '', "
    "\"personal_id\" VARCHAR(12) NOT NULL DEFAULT '', "
    "\"kind\" VARCHAR(16) NOT NULL DEFAULT 'individual', "
    "\"organisation_name\" VARCHAR(200) NOT NULL DEFAULT '', "
    "\"role\" VARCHAR(16) NOT NULL DEFAULT '', \"commune_code\" VARCHAR(5) NOT NULL DEFAULT '', "
    '"password_hash" VARCHAR(200) NOT NULL DEFAULT \'\', "activated_at" TIMESTAMPTZ DEFAULT null, '
    '"created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp, '
    '"is_demo" BOOLEAN NOT NULL DEFAULT false)',
    'INSERT INTO "account_m0028" SELECT "id", NULLIF("email", \'\'), "full_name", "phone", '
    '"personal_id", "kind", "organisation_name", "role", "commune_code", "password_hash", '
    '"activated_at", "created_at", "is_demo" FROM "account"',
    'DROP TABLE "account"',
    'ALTER TABLE "account_m0028" RENAME TO "account"',
    'CREATE INDEX account_role ON "account" ("role")',
    'CREATE INDEX account_commune_code ON "account" ("commune_code")',
]
_POSTGRES_ACCOUNT = [
    "ALTER TABLE account ALTER COLUMN email DROP NOT NULL",
    "ALTER TABLE account ALTER COLUMN email SET DEFAULT NULL",
    "UPDATE account SET email = NULL WHERE email = ''",
]

SQLITE = [*_SQLITE_ACCOUNT, _IDENTITY, _ATTEMPT, *_INDEXES]
POSTGRES = [*_POSTGRES_ACCOUNT, _IDENTITY, _ATTEMPT, *_INDEXES]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="motcua", description=DESCRIPTION)

    # The engine is looked up at run time (see m0002).
    async def apply():
        engine = engine_finder()
        assert engine is not None  # MigrationManager.run found it before calling this
        for statement in POSTGRES if isinstance(engine, PostgresEngine) else SQLITE:
            await engine.run_ddl(statement)

    manager.add_raw(apply)
    return manager

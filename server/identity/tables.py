from piccolo.columns import UUID, BigInt, Boolean, Text, Timestamptz, Varchar
from piccolo.table import Table

from server.identity.roles import Role


class Account(Table, tablename="account"):
    id = UUID(primary_key=True)
    # Stored lower-cased, so uniqueness ignores case. None: an account made by signing in
    # with an OpenID provider that gave no verified address (no mail is sent to it).
    email = Varchar(length=254, unique=True, null=True, default=None)
    full_name = Varchar(length=100)
    phone = Varchar(length=16, default="")
    personal_id = Varchar(length=12, default="")
    # individual | organisation
    kind = Varchar(length=16, default="individual")
    organisation_name = Varchar(length=200, default="")
    role = Varchar(length=16, index=True, choices=Role)  # choices: a list at /admin
    # Officials belong to one commune; empty for citizens and administrators.
    commune_code = Varchar(length=5, default="", index=True)
    # argon2id; empty for an official who signs in with passkeys only.
    password_hash = Varchar(length=200, default="", secret=True)  # never shown at /admin
    activated_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    # Created by `motcua demo`; such officials may sign in with a password while
    # demo mode is on.
    is_demo = Boolean(default=False)


class Session(Table, tablename="auth_session"):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is
    stored, so a database leak does not hand out sessions."""

    token_hash = Varchar(length=64, primary_key=True)
    account_id = UUID(index=True)
    csrf_token = Varchar(length=64)
    # password | passkey | enrollment
    method = Varchar(length=16)
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    ip = Varchar(length=64, default="")
    user_agent = Varchar(length=300, default="")


class Device(Table, tablename="device"):
    """An app install. Its credential lets a phone sync after days offline
    without signing in again; revoking it refuses its pending sync."""

    id = UUID(primary_key=True)
    account_id = UUID(index=True)
    name = Varchar(length=100)
    token_hash = Varchar(length=64)
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = UUID(null=True, default=None)


class Passkey(Table, tablename="passkey"):
    # base64url of the credential id
    id = Varchar(length=1400, primary_key=True)
    account_id = UUID(index=True)
    public_key = Text()  # base64url of the COSE key
    sign_count = BigInt(default=0)
    transports = Varchar(length=200, default="")
    aaguid = Varchar(length=36, default="")
    name = Varchar(length=100, default="")
    backed_up = Boolean(default=False)
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)


class WebauthnChallenge(Table, tablename="webauthn_challenge"):
    """Challenges live in the database, not in process memory: the options and
    the answer may reach different server processes."""

    id = UUID(primary_key=True)
    # register | authenticate | enroll
    purpose = Varchar(length=16)
    challenge = Varchar(length=128)
    account_id = UUID(null=True, default=None)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class OneTimeToken(Table, tablename="one_time_token"):
    """Activation, password-reset and enrollment links: a random 256-bit token in
    the link, its SHA-256 here, usable once before it expires."""

    token_hash = Varchar(length=64, primary_key=True)
    # activation | password_reset | enrollment
    purpose = Varchar(length=16)
    account_id = UUID(index=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class PersonalDocument(Table, tablename="personal_document"):
    """Reusable scans on a person's page (their ID card, …), by blob hash."""

    id = UUID(primary_key=True)
    account_id = UUID(index=True)
    kind = Varchar(length=32)
    label = Varchar(length=200)
    sha256 = Varchar(length=64)
    created_at = Timestamptz()


class ExternalIdentity(Table, tablename="external_identity"):
    """An account's binding to a subject at an OpenID provider (the e-ID), with the
    facts that provider verified at the latest sign-in. A (provider, subject) pair is
    bound to one account (a unique index made by m0028), and an account to at most one
    subject per provider."""

    id = UUID(primary_key=True)
    account_id = UUID(index=True)
    provider = Varchar(length=32)
    subject = Varchar(length=255)
    # The verified facts, as the forms spell them ("" where the provider gave none):
    # 12-digit personal ID number, full name, YYYY-MM-DD, "male" | "female", address.
    id_number = Varchar(length=12, default="", index=True)
    full_name = Varchar(length=100, default="")
    birth_date = Varchar(length=10, default="")
    sex = Varchar(length=8, default="")
    residence = Varchar(length=300, default="")
    linked_at = Timestamptz()
    verified_at = Timestamptz()


class OidcAttempt(Table, tablename="oidc_attempt"):
    """One trip to a provider and back: the `state` (its SHA-256 is the key), the
    `nonce` and PKCE verifier it was started with, and the SHA-256 of a cookie set on
    the browser that started it, so a callback completes only in that browser. In the
    database, not in memory: the callback may reach another server process."""

    state_hash = Varchar(length=64, primary_key=True)
    provider = Varchar(length=32)
    nonce = Varchar(length=64, secret=True)
    code_verifier = Varchar(length=128, secret=True)
    browser_hash = Varchar(length=64)
    # sign_in | link
    purpose = Varchar(length=8)
    # The signed-in account a link is for; None for a sign-in.
    account_id = UUID(null=True, default=None)
    # Where in the app to land afterwards (a hash-route path).
    return_to = Varchar(length=200, default="/")
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)

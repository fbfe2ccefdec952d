"""Passkeys (WebAuthn) with py_webauthn: discoverable credentials, user
verification required. Challenges are stored server-side and used once."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any
from urllib.parse import urlparse

from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from server.clock import utcnow
from server.identity.tables import Account, Passkey, WebauthnChallenge
from server.problems import FieldError, ProblemError
from server.settings import Settings

RP_NAME = "motcua"
CHALLENGE_LIFETIME = dt.timedelta(minutes=5)


def rp_id(settings: Settings) -> str:
    # Browsers refuse an IP address as relying-party id; MOTCUA_BASE_URL names the host.
    return urlparse(settings.base_url).hostname or "localhost"


# WebAuthn's bound on a credential id; its base64url text fits the stored column.
MAX_CREDENTIAL_ID_BYTES = 1023


def _refuse(code: str, detail: str | None = None) -> ProblemError:
    return ProblemError(
        400,
        code,
        detail=detail,
        errors=[FieldError(path="credential", code=code, message=detail or code)],
    )


async def _store_challenge(
    purpose: str, challenge: bytes, account_id: uuid.UUID | None
) -> uuid.UUID:
    challenge_id = uuid.uuid4()
    now = utcnow()
    await WebauthnChallenge.insert(
        WebauthnChallenge(
            id=challenge_id,
            purpose=purpose,
            challenge=bytes_to_base64url(challenge),
            account_id=account_id,
            created_at=now,
            expires_at=now + CHALLENGE_LIFETIME,
        )
    )
    return challenge_id


async def take_challenge(challenge_id: uuid.UUID, purpose: str) -> dict:
    """Marks the challenge used. Callers commit this before verifying, so a failed
    attempt spends the challenge too and nothing can be replayed against it."""
    now = utcnow()
    rows = (
        await WebauthnChallenge.update({WebauthnChallenge.used_at: now})
        .where(
            (WebauthnChallenge.id == challenge_id)
            & (WebauthnChallenge.purpose == purpose)
            & WebauthnChallenge.used_at.is_null()
            & (WebauthnChallenge.expires_at > now)
        )
        .returning(WebauthnChallenge.challenge, WebauthnChallenge.account_id)
    )
    if not rows:
        raise _refuse("challenge_invalid", "unknown, used or expired challenge")
    return rows[0]


async def registration_options(
    settings: Settings, account: dict, purpose: str = "register"
) -> tuple[uuid.UUID, dict[str, Any]]:
    existing = await Passkey.select(Passkey.id).where(Passkey.account_id == account["id"])
    options = generate_registration_options(
        rp_id=rp_id(settings),
        rp_name=RP_NAME,
        user_id=account["id"].bytes,
        # An account made by the e-ID may have no address: its name then.
        user_name=account["email"] or account["full_name"] or str(account["id"]),
        user_display_name=account["full_name"],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p["id"])) for p in existing
        ],
    )
    challenge_id = await _store_challenge(purpose, options.challenge, account["id"])
    return challenge_id, json.loads(options_to_json(options))


async def finish_registration(
    settings: Settings, account_id: uuid.UUID, stored: dict, credential: dict[str, Any], name: str
) -> str:
    if stored["account_id"] != account_id:
        raise _refuse("challenge_invalid", "challenge issued to another account")
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(stored["challenge"]),
            expected_rp_id=rp_id(settings),
            expected_origin=settings.base_url,
            require_user_verification=True,
        )
    except (WebAuthnException, KeyError, ValueError, TypeError) as exc:
        # WebAuthnException: every refusal of the library (flags, key types, CBOR), not
        # only the few it documents for this call.
        raise _refuse("passkey_rejected", str(exc)) from None
    if len(verified.credential_id) > MAX_CREDENTIAL_ID_BYTES:
        raise _refuse(
            "passkey_rejected", f"a credential id of at most {MAX_CREDENTIAL_ID_BYTES} bytes"
        )
    credential_id = bytes_to_base64url(verified.credential_id)
    if await Passkey.exists().where(Passkey.id == credential_id):
        raise _refuse("passkey_exists")
    transports = credential.get("response", {}).get("transports") or []
    await Passkey.insert(
        Passkey(
            id=credential_id,
            account_id=account_id,
            public_key=bytes_to_base64url(verified.credential_public_key),
            sign_count=verified.sign_count,
            transports=",".join(map(str, transports))[:200],
            aaguid=str(verified.aaguid)[:36],
            name=(name or "Passkey")[:100],
            backed_up=bool(verified.credential_backed_up),
            created_at=utcnow(),
        )
    )
    return credential_id


async def authentication_options(settings: Settings) -> tuple[uuid.UUID, dict[str, Any]]:
    # No allow list: the authenticator offers its discoverable credentials.
    options = generate_authentication_options(
        rp_id=rp_id(settings), user_verification=UserVerificationRequirement.REQUIRED
    )
    challenge_id = await _store_challenge("authenticate", options.challenge, None)
    return challenge_id, json.loads(options_to_json(options))


async def finish_authentication(
    settings: Settings, stored: dict, credential: dict[str, Any]
) -> dict:
    """The signed-in account, given a challenge already taken."""
    credential_id = credential.get("id") if isinstance(credential, dict) else None
    passkey = (
        await Passkey.select().where(Passkey.id == str(credential_id)).first()
        if credential_id
        else None
    )
    if passkey is None:
        raise _refuse("unknown_passkey")
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(stored["challenge"]),
            expected_rp_id=rp_id(settings),
            expected_origin=settings.base_url,
            credential_public_key=base64url_to_bytes(passkey["public_key"]),
            credential_current_sign_count=passkey["sign_count"],
            require_user_verification=True,
        )
    except (WebAuthnException, KeyError, ValueError, TypeError) as exc:
        # WebAuthnException: every refusal of the library (flags, key types, CBOR), not
        # only the few it documents for this call.
        raise _refuse("passkey_rejected", str(exc)) from None
    handle = (credential.get("response") or {}).get("userHandle")
    if handle and base64url_to_bytes(handle) != passkey["account_id"].bytes:
        raise _refuse("passkey_rejected", "user handle does not match the credential")
    await Passkey.update(
        {Passkey.sign_count: verified.new_sign_count, Passkey.last_used_at: utcnow()}
    ).where(Passkey.id == passkey["id"])
    account = await Account.select().where(Account.id == passkey["account_id"]).first()
    if account is None:
        raise _refuse("unknown_passkey")
    return account

"""A software WebAuthn authenticator (plus the browser's client layer) for tests.

It behaves like a platform authenticator holding discoverable credentials
(passkeys): ES256 / P-256 keys, user verification, a signature counter, and
"none" or "packed" self-attestation. It is built only on ``cryptography`` and
``cbor2``; it never imports a WebAuthn library, so a server's verification code
is checked against an independent implementation.

Input is the options JSON a server sends to the browser (exactly what
``webauthn.options_to_json(...)`` produces: base64url strings, no padding);
output is the credential JSON a browser's ``PublicKeyCredential.toJSON()``
produces, which ``webauthn.verify_registration_response`` /
``webauthn.verify_authentication_response`` accept as ``credential=``.

Typical use::

    authenticator = SoftAuthenticator()
    credential = authenticator.create(json.loads(options_to_json(reg_options)), ORIGIN)
    assertion = authenticator.get(json.loads(options_to_json(auth_options)), ORIGIN)

Tamper knobs (keyword-only, all default to honest behaviour):

* ``origin``: it is an argument of every call, so pass a wrong one.
* ``rp_id=`` / ``rp_id_hash=``: put the hash of another RP ID (or raw bytes)
  into authenticatorData instead of SHA-256(options' RP ID).
* ``user_verified=False``: clear the UV flag (``user_present=False`` clears UP).
* ``challenge=``: answer with another challenge than the options carry.
* ``sign_count=``: report this counter value (e.g. one that went backwards)
  without touching the stored counter; :meth:`SoftAuthenticator.set_sign_count`
  rewinds the stored counter itself.
* ``last_registration`` / ``last_assertion``: copies of the latest responses,
  ready to replay.
* unknown credential: use a fresh ``SoftAuthenticator()``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import secrets
import struct
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

__all__ = [
    "DEFAULT_AAGUID",
    "AuthenticatorError",
    "InvalidStateError",
    "NotAllowedError",
    "NotSupportedError",
    "ResidentCredential",
    "SoftAuthenticator",
    "b64url_decode",
    "b64url_encode",
    "cose_es256_public_key",
]

# A fixed, recognisable AAGUID for the soft authenticator ("motcua soft auth").
DEFAULT_AAGUID = uuid.UUID("6d6f7463-7561-4073-6f66-746175746800")

COSE_ALG_ES256 = -7

# authenticatorData flag bits (WebAuthn §6.1).
FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_BE = 0x08
FLAG_BS = 0x10
FLAG_AT = 0x40
FLAG_ED = 0x80

AttestationFormat = Literal["none", "packed"]


# --------------------------------------------------------------------------- #
# base64url helpers
# --------------------------------------------------------------------------- #


def b64url_decode(value: str | bytes) -> bytes:
    """Decode base64url with or without ``=`` padding (as WebAuthn JSON uses it)."""
    if isinstance(value, bytes):
        value = value.decode("ascii")
    value = value.strip()
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b64url_encode(value: bytes) -> str:
    """Encode bytes as unpadded base64url."""
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode("ascii")


# --------------------------------------------------------------------------- #
# Errors (named after the DOMExceptions a browser would throw)
# --------------------------------------------------------------------------- #


class AuthenticatorError(Exception):
    """The ceremony failed on the client/authenticator side (no response)."""


class NotAllowedError(AuthenticatorError):
    """No usable credential, or the authenticator cannot satisfy the request."""


class InvalidStateError(AuthenticatorError):
    """A credential listed in excludeCredentials already lives on this authenticator."""


class NotSupportedError(AuthenticatorError):
    """None of pubKeyCredParams is supported (only ES256 is)."""


# --------------------------------------------------------------------------- #
# Credential storage
# --------------------------------------------------------------------------- #


@dataclass
class ResidentCredential:
    """One discoverable credential stored on the authenticator."""

    credential_id: bytes
    rp_id: str
    user_handle: bytes
    user_name: str
    user_display_name: str
    private_key: ec.EllipticCurvePrivateKey
    sign_count: int = 0
    created_order: int = field(default=0, repr=False)

    @property
    def cose_public_key(self) -> bytes:
        """The COSE_Key (CBOR) bytes of the public key, as the server stores it."""
        return cose_es256_public_key(self.private_key.public_key())

    @property
    def id_b64(self) -> str:
        return b64url_encode(self.credential_id)


def cose_es256_public_key(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """Encode a P-256 public key as a COSE_Key map (kty EC2, alg ES256, crv P-256)."""
    numbers = public_key.public_numbers()
    return cbor2.dumps(
        {
            1: 2,  # kty: EC2
            3: COSE_ALG_ES256,  # alg: ES256
            -1: 1,  # crv: P-256
            -2: numbers.x.to_bytes(32, "big"),
            -3: numbers.y.to_bytes(32, "big"),
        },
        canonical=True,
    )


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _coerce_aaguid(aaguid: uuid.UUID | bytes | str) -> bytes:
    if isinstance(aaguid, uuid.UUID):
        return aaguid.bytes
    if isinstance(aaguid, str):
        return uuid.UUID(aaguid).bytes
    if len(aaguid) != 16:
        raise ValueError("aaguid must be 16 bytes")
    return bytes(aaguid)


def _load_options(options: Mapping[str, Any] | str) -> dict[str, Any]:
    loaded: dict[str, Any] = dict(json.loads(options) if isinstance(options, str) else options)
    # Accept the `{"publicKey": {...}}` wrapper that navigator.credentials takes.
    wrapped = loaded.get("publicKey")
    if isinstance(wrapped, Mapping):
        return dict(wrapped)
    return loaded


def _effective_domain(origin: str) -> str:
    host = urlsplit(origin).hostname
    if not host:
        raise ValueError(f"origin {origin!r} has no host")
    return host


# --------------------------------------------------------------------------- #
# The authenticator
# --------------------------------------------------------------------------- #


class SoftAuthenticator:
    """A platform authenticator with discoverable ES256 credentials.

    Args:
        aaguid: the authenticator model's AAGUID (UUID, 16 bytes or UUID string).
        user_verification: whether the authenticator can verify the user. When
            True, UV is set on every response; when False, a request with
            ``userVerification: "required"`` fails with NotAllowedError unless the
            caller forces ``user_verified=`` explicitly.
        attestation_format: what the authenticator produces when the RP asks for
            attestation ("direct"/"indirect"/"enterprise"): "none" or "packed"
            self-attestation. When the RP asks for "none" (py_webauthn's
            default), the client always sends "none", as browsers do.
        backup_eligible, backed_up: the BE / BS flags (synced passkeys set both).
        counter: False makes the authenticator always report signCount 0, like
            synced passkey providers (iCloud Keychain, Google Password Manager).
        transports: reported in the registration response.
    """

    def __init__(
        self,
        *,
        aaguid: uuid.UUID | bytes | str = DEFAULT_AAGUID,
        user_verification: bool = True,
        attestation_format: AttestationFormat = "none",
        backup_eligible: bool = False,
        backed_up: bool = False,
        counter: bool = True,
        transports: tuple[str, ...] = ("internal", "hybrid"),
    ) -> None:
        if backed_up and not backup_eligible:
            raise ValueError("backed_up requires backup_eligible (BS without BE is invalid)")
        if attestation_format not in ("none", "packed"):
            raise ValueError(f"unsupported attestation format {attestation_format!r}")
        self.aaguid: bytes = _coerce_aaguid(aaguid)
        self.user_verification = user_verification
        self.attestation_format: AttestationFormat = attestation_format
        self.backup_eligible = backup_eligible
        self.backed_up = backed_up
        self.counter = counter
        self.transports = list(transports)
        self.credentials: list[ResidentCredential] = []
        self.last_registration: dict[str, Any] | None = None
        self.last_assertion: dict[str, Any] | None = None
        self._order = 0

    # ------------------------------------------------------------------ #
    # Credential store
    # ------------------------------------------------------------------ #

    def credentials_for(self, rp_id: str) -> list[ResidentCredential]:
        """Resident credentials for ``rp_id``, newest first."""
        found = [c for c in self.credentials if c.rp_id == rp_id]
        return sorted(found, key=lambda c: c.created_order, reverse=True)

    def credential(self, credential_id: bytes | str) -> ResidentCredential:
        """Look up a stored credential by raw id or base64url id."""
        raw = b64url_decode(credential_id) if isinstance(credential_id, str) else credential_id
        for cred in self.credentials:
            if cred.credential_id == raw:
                return cred
        raise KeyError(credential_id)

    def set_sign_count(self, credential_id: bytes | str, value: int) -> None:
        """Overwrite a stored counter (e.g. rewind it to simulate a cloned key)."""
        self.credential(credential_id).sign_count = value

    # ------------------------------------------------------------------ #
    # navigator.credentials.create()
    # ------------------------------------------------------------------ #

    def create(
        self,
        options: Mapping[str, Any] | str,
        origin: str,
        *,
        rp_id: str | None = None,
        rp_id_hash: bytes | None = None,
        user_verified: bool | None = None,
        user_present: bool = True,
        challenge: bytes | str | None = None,
        attestation_format: AttestationFormat | None = None,
        sign_count: int | None = None,
        cross_origin: bool = False,
    ) -> dict[str, Any]:
        """Make a new discoverable credential; return the RegistrationResponseJSON.

        ``options`` is PublicKeyCredentialCreationOptionsJSON (dict or JSON string).
        All keyword arguments are tamper knobs; see the module docstring.
        ``attestation_format`` forces the format regardless of the RP's preference.
        """
        opts = _load_options(options)
        real_rp_id = opts.get("rp", {}).get("id") or _effective_domain(origin)

        algs = [
            p.get("alg") for p in opts.get("pubKeyCredParams", []) if p.get("type") == "public-key"
        ]
        if algs and COSE_ALG_ES256 not in algs:
            raise NotSupportedError(f"only ES256 (-7) is supported, RP offered {algs}")

        selection = opts.get("authenticatorSelection") or {}
        uv = self._decide_uv(selection.get("userVerification", "preferred"), user_verified)

        for descriptor in opts.get("excludeCredentials") or []:
            raw = b64url_decode(descriptor["id"])
            if any(c.credential_id == raw and c.rp_id == real_rp_id for c in self.credentials):
                raise InvalidStateError("a credential in excludeCredentials is already registered")

        user = opts["user"]
        user_handle = b64url_decode(user["id"])
        private_key = ec.generate_private_key(ec.SECP256R1())
        credential_id = secrets.token_bytes(16)
        self._order += 1
        cred = ResidentCredential(
            credential_id=credential_id,
            rp_id=real_rp_id,
            user_handle=user_handle,
            user_name=user.get("name", ""),
            user_display_name=user.get("displayName", ""),
            private_key=private_key,
            sign_count=0,
            created_order=self._order,
        )
        # A resident key replaces any earlier one for the same (rp, user handle).
        self.credentials = [
            c
            for c in self.credentials
            if not (c.rp_id == real_rp_id and c.user_handle == user_handle)
        ]
        self.credentials.append(cred)

        client_data_json = self._client_data(
            "webauthn.create",
            opts["challenge"] if challenge is None else challenge,
            origin,
            cross_origin,
        )
        client_data_hash = _sha256(client_data_json)

        cose_key = cred.cose_public_key
        attested = self.aaguid + struct.pack(">H", len(credential_id)) + credential_id + cose_key
        auth_data = self._auth_data(
            rp_id_hash=self._rp_id_hash(real_rp_id, rp_id, rp_id_hash),
            up=user_present,
            uv=uv,
            sign_count=cred.sign_count if sign_count is None else sign_count,
            attested=attested,
        )

        fmt = attestation_format
        if fmt is None:
            wants = opts.get("attestation", "none")
            fmt = "none" if wants in (None, "none") else self.attestation_format
        if fmt == "none":
            att_stmt: dict[str, Any] = {}
        elif fmt == "packed":
            signature = private_key.sign(auth_data + client_data_hash, ec.ECDSA(hashes.SHA256()))
            att_stmt = {"alg": COSE_ALG_ES256, "sig": signature}
        else:
            raise ValueError(f"unsupported attestation format {fmt!r}")
        attestation_object = cbor2.dumps(
            {"fmt": fmt, "attStmt": att_stmt, "authData": auth_data}, canonical=True
        )

        spki = private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        extension_results: dict[str, Any] = {}
        if (opts.get("extensions") or {}).get("credProps"):
            extension_results["credProps"] = {"rk": True}

        response = {
            "id": b64url_encode(credential_id),
            "rawId": b64url_encode(credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url_encode(client_data_json),
                "attestationObject": b64url_encode(attestation_object),
                "transports": list(self.transports),
                # WebAuthn L3 convenience fields (ignored by py_webauthn).
                "authenticatorData": b64url_encode(auth_data),
                "publicKeyAlgorithm": COSE_ALG_ES256,
                "publicKey": b64url_encode(spki),
            },
            "clientExtensionResults": extension_results,
            "authenticatorAttachment": "platform",
        }
        self.last_registration = copy.deepcopy(response)
        return response

    # ------------------------------------------------------------------ #
    # navigator.credentials.get()
    # ------------------------------------------------------------------ #

    def get(
        self,
        options: Mapping[str, Any] | str,
        origin: str,
        *,
        credential_id: bytes | str | None = None,
        user_handle: bytes | None = None,
        rp_id: str | None = None,
        rp_id_hash: bytes | None = None,
        user_verified: bool | None = None,
        user_present: bool = True,
        challenge: bytes | str | None = None,
        sign_count: int | None = None,
        cross_origin: bool = False,
    ) -> dict[str, Any]:
        """Sign in; return the AuthenticationResponseJSON.

        ``options`` is PublicKeyCredentialRequestOptionsJSON (dict or JSON string).
        With an empty/absent ``allowCredentials`` the newest resident credential
        for the RP ID is used (discoverable sign-in); ``credential_id=`` or
        ``user_handle=`` pick another one, like a user choosing in the account
        picker. The stored counter is incremented before signing, unless
        ``sign_count=`` forces the reported value (stored counter untouched).
        """
        opts = _load_options(options)
        real_rp_id = opts.get("rpId") or _effective_domain(origin)
        uv = self._decide_uv(opts.get("userVerification", "preferred"), user_verified)

        candidates = self.credentials_for(real_rp_id)
        allowed = opts.get("allowCredentials") or []
        if allowed:
            allowed_ids = {b64url_decode(d["id"]) for d in allowed}
            candidates = [c for c in candidates if c.credential_id in allowed_ids]
        if credential_id is not None:
            raw = b64url_decode(credential_id) if isinstance(credential_id, str) else credential_id
            candidates = [c for c in candidates if c.credential_id == raw]
        if user_handle is not None:
            candidates = [c for c in candidates if c.user_handle == user_handle]
        if not candidates:
            raise NotAllowedError(f"no credential for RP ID {real_rp_id!r} on this authenticator")
        cred = candidates[0]

        if sign_count is None:
            if self.counter:
                cred.sign_count += 1
            reported = cred.sign_count
        else:
            reported = sign_count

        client_data_json = self._client_data(
            "webauthn.get",
            opts["challenge"] if challenge is None else challenge,
            origin,
            cross_origin,
        )
        auth_data = self._auth_data(
            rp_id_hash=self._rp_id_hash(real_rp_id, rp_id, rp_id_hash),
            up=user_present,
            uv=uv,
            sign_count=reported,
        )
        signature = cred.private_key.sign(
            auth_data + _sha256(client_data_json), ec.ECDSA(hashes.SHA256())
        )

        response = {
            "id": b64url_encode(cred.credential_id),
            "rawId": b64url_encode(cred.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url_encode(client_data_json),
                "authenticatorData": b64url_encode(auth_data),
                "signature": b64url_encode(signature),
                "userHandle": b64url_encode(cred.user_handle),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }
        self.last_assertion = copy.deepcopy(response)
        return response

    # ------------------------------------------------------------------ #
    # Internals
    # ------------------------------------------------------------------ #

    def _decide_uv(self, requirement: str | None, forced: bool | None) -> bool:
        if forced is not None:
            return forced
        if requirement == "required" and not self.user_verification:
            raise NotAllowedError("user verification required but this authenticator cannot verify")
        return self.user_verification

    @staticmethod
    def _rp_id_hash(real_rp_id: str, rp_id: str | None, rp_id_hash: bytes | None) -> bytes:
        if rp_id_hash is not None:
            return rp_id_hash
        return _sha256((rp_id if rp_id is not None else real_rp_id).encode("utf-8"))

    @staticmethod
    def _client_data(kind: str, challenge: bytes | str, origin: str, cross_origin: bool) -> bytes:
        # Browsers decode the challenge and re-encode it as unpadded base64url.
        raw = b64url_decode(challenge) if isinstance(challenge, str) else challenge
        data = {
            "type": kind,
            "challenge": b64url_encode(raw),
            "origin": origin,
            "crossOrigin": cross_origin,
        }
        return json.dumps(data, separators=(",", ":")).encode("utf-8")

    def _auth_data(
        self,
        *,
        rp_id_hash: bytes,
        up: bool,
        uv: bool,
        sign_count: int,
        attested: bytes | None = None,
    ) -> bytes:
        flags = 0
        if up:
            flags |= FLAG_UP
        if uv:
            flags |= FLAG_UV
        if self.backup_eligible:
            flags |= FLAG_BE
        if self.backed_up:
            flags |= FLAG_BS
        if attested is not None:
            flags |= FLAG_AT
        out = rp_id_hash + bytes([flags]) + struct.pack(">I", sign_count & 0xFFFFFFFF)
        if attested is not None:
            out += attested
        return out

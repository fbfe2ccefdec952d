"""The software authenticator against py_webauthn directly (no server code)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import cbor2
import pytest
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from harness.authenticator import (
    DEFAULT_AAGUID,
    InvalidStateError,
    NotAllowedError,
    SoftAuthenticator,
    b64url_decode,
    b64url_encode,
)

RP_ID = "motcua.example"
RP_NAME = "Một cửa"
ORIGIN = "https://motcua.example"
USER_ID = b"user-0001-handle"


@dataclass
class Stored:
    credential_id: bytes
    public_key: bytes
    sign_count: int


def registration_options(**overrides):
    kwargs = dict(
        rp_id=RP_ID,
        rp_name=RP_NAME,
        user_id=USER_ID,
        user_name="nguyen.van.a",
        user_display_name="Nguyễn Văn A",
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
    )
    kwargs.update(overrides)
    options = generate_registration_options(**kwargs)
    return options, json.loads(options_to_json(options))


def authentication_options(**overrides):
    kwargs = dict(rp_id=RP_ID, user_verification=UserVerificationRequirement.REQUIRED)
    kwargs.update(overrides)
    options = generate_authentication_options(**kwargs)
    return options, json.loads(options_to_json(options))


def verify_reg(options, credential, **overrides):
    kwargs = dict(
        credential=credential,
        expected_challenge=options.challenge,
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        require_user_verification=True,
    )
    kwargs.update(overrides)
    return verify_registration_response(**kwargs)


def verify_auth(options, credential, stored: Stored, **overrides):
    kwargs = dict(
        credential=credential,
        expected_challenge=options.challenge,
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        credential_public_key=stored.public_key,
        credential_current_sign_count=stored.sign_count,
        require_user_verification=True,
    )
    kwargs.update(overrides)
    return verify_authentication_response(**kwargs)


@pytest.fixture
def authenticator() -> SoftAuthenticator:
    return SoftAuthenticator()


@pytest.fixture
def stored(authenticator: SoftAuthenticator) -> Stored:
    options, options_json = registration_options()
    verified = verify_reg(options, authenticator.create(options_json, ORIGIN))
    return Stored(verified.credential_id, verified.credential_public_key, verified.sign_count)


# --------------------------------------------------------------------------- #
# Happy paths
# --------------------------------------------------------------------------- #


def test_b64url_round_trip() -> None:
    for raw in (b"", b"\x00", b"\xff\xfe", b"abc", bytes(range(64))):
        encoded = b64url_encode(raw)
        assert "=" not in encoded and "+" not in encoded and "/" not in encoded
        assert b64url_decode(encoded) == raw
        assert b64url_decode(encoded + "=" * (-len(encoded) % 4)) == raw


def test_registration_verifies(authenticator: SoftAuthenticator) -> None:
    options, options_json = registration_options()
    credential = authenticator.create(options_json, ORIGIN)

    assert credential["type"] == "public-key"
    assert credential["id"] == credential["rawId"]
    assert credential["authenticatorAttachment"] == "platform"

    verified = verify_reg(options, credential)
    assert verified.user_verified is True
    assert verified.sign_count == 0
    assert verified.fmt == "none"
    assert verified.aaguid == str(DEFAULT_AAGUID)
    assert verified.credential_id == b64url_decode(credential["id"])

    # The authenticator kept it as a resident key for that RP and user.
    (resident,) = authenticator.credentials_for(RP_ID)
    assert resident.user_handle == USER_ID
    assert resident.credential_id == verified.credential_id
    assert resident.cose_public_key == verified.credential_public_key


def test_attestation_object_layout(authenticator: SoftAuthenticator) -> None:
    _, options_json = registration_options()
    credential = authenticator.create(options_json, ORIGIN)
    attestation = cbor2.loads(b64url_decode(credential["response"]["attestationObject"]))
    assert attestation["fmt"] == "none" and attestation["attStmt"] == {}
    auth_data = attestation["authData"]
    flags = auth_data[32]
    assert flags & 0x01 and flags & 0x04 and flags & 0x40  # UP, UV, AT
    client_data = json.loads(b64url_decode(credential["response"]["clientDataJSON"]))
    assert client_data == {
        "type": "webauthn.create",
        "challenge": options_json["challenge"],
        "origin": ORIGIN,
        "crossOrigin": False,
    }


def test_packed_self_attestation_verifies() -> None:
    authenticator = SoftAuthenticator(attestation_format="packed")
    options, options_json = registration_options(attestation=AttestationConveyancePreference.DIRECT)
    verified = verify_reg(options, authenticator.create(options_json, ORIGIN))
    assert verified.fmt == "packed"


def test_discoverable_sign_in(authenticator: SoftAuthenticator, stored: Stored) -> None:
    options, options_json = authentication_options()
    assert options_json["allowCredentials"] == []

    assertion = authenticator.get(options_json, ORIGIN)
    assert b64url_decode(assertion["response"]["userHandle"]) == USER_ID

    verified = verify_auth(options, assertion, stored)
    assert verified.credential_id == stored.credential_id
    assert verified.user_verified is True
    assert verified.new_sign_count == 1
    stored.sign_count = verified.new_sign_count

    # A second sign-in moves the counter on again.
    options, options_json = authentication_options()
    verified = verify_auth(options, authenticator.get(options_json, ORIGIN), stored)
    assert verified.new_sign_count == 2


def test_allow_list_sign_in(authenticator: SoftAuthenticator, stored: Stored) -> None:
    options, options_json = authentication_options(
        allow_credentials=[PublicKeyCredentialDescriptor(id=stored.credential_id)]
    )
    verified = verify_auth(options, authenticator.get(options_json, ORIGIN), stored)
    assert verified.credential_id == stored.credential_id


def test_synced_passkey_without_counter() -> None:
    authenticator = SoftAuthenticator(counter=False, backup_eligible=True, backed_up=True)
    options, options_json = registration_options()
    reg = verify_reg(options, authenticator.create(options_json, ORIGIN))
    assert reg.credential_backed_up is True
    stored = Stored(reg.credential_id, reg.credential_public_key, reg.sign_count)
    for _ in range(2):
        options, options_json = authentication_options()
        verified = verify_auth(options, authenticator.get(options_json, ORIGIN), stored)
        assert verified.new_sign_count == 0


def test_options_accepted_as_json_string(authenticator: SoftAuthenticator) -> None:
    options = generate_registration_options(rp_id=RP_ID, rp_name=RP_NAME, user_name="b")
    verify_reg(
        options,
        authenticator.create(options_to_json(options), ORIGIN),
        require_user_verification=False,
    )


# --------------------------------------------------------------------------- #
# Client/authenticator-side refusals
# --------------------------------------------------------------------------- #


def test_no_resident_credential_for_rp() -> None:
    _, options_json = authentication_options()
    with pytest.raises(NotAllowedError):
        SoftAuthenticator().get(options_json, ORIGIN)


def test_exclude_credentials(authenticator: SoftAuthenticator, stored: Stored) -> None:
    _, options_json = registration_options(
        exclude_credentials=[PublicKeyCredentialDescriptor(id=stored.credential_id)]
    )
    with pytest.raises(InvalidStateError):
        authenticator.create(options_json, ORIGIN)


def test_uv_required_but_not_capable() -> None:
    _, options_json = registration_options()
    with pytest.raises(NotAllowedError):
        SoftAuthenticator(user_verification=False).create(options_json, ORIGIN)


# --------------------------------------------------------------------------- #
# Negative cases: py_webauthn must reject the tampered responses
# --------------------------------------------------------------------------- #


def test_registration_wrong_origin(authenticator: SoftAuthenticator) -> None:
    options, options_json = registration_options()
    credential = authenticator.create(options_json, "https://evil.example")
    with pytest.raises(InvalidRegistrationResponse, match="origin"):
        verify_reg(options, credential)


def test_registration_wrong_rp_id(authenticator: SoftAuthenticator) -> None:
    options, options_json = registration_options()
    credential = authenticator.create(options_json, ORIGIN, rp_id="evil.example")
    with pytest.raises(InvalidRegistrationResponse, match="RP ID hash"):
        verify_reg(options, credential)


def test_registration_uv_missing(authenticator: SoftAuthenticator) -> None:
    options, options_json = registration_options()
    credential = authenticator.create(options_json, ORIGIN, user_verified=False)
    with pytest.raises(InvalidRegistrationResponse, match="User verification"):
        verify_reg(options, credential)


def test_registration_wrong_challenge(authenticator: SoftAuthenticator) -> None:
    options, _ = registration_options()
    _, other_json = registration_options()
    credential = authenticator.create(other_json, ORIGIN)
    with pytest.raises(InvalidRegistrationResponse, match="challenge"):
        verify_reg(options, credential)


def test_authentication_wrong_origin(authenticator: SoftAuthenticator, stored: Stored) -> None:
    options, options_json = authentication_options()
    assertion = authenticator.get(options_json, "https://evil.example")
    with pytest.raises(InvalidAuthenticationResponse, match="origin"):
        verify_auth(options, assertion, stored)


def test_authentication_wrong_rp_id(authenticator: SoftAuthenticator, stored: Stored) -> None:
    options, options_json = authentication_options()
    assertion = authenticator.get(options_json, ORIGIN, rp_id_hash=b"\x00" * 32)
    with pytest.raises(InvalidAuthenticationResponse, match="RP ID hash"):
        verify_auth(options, assertion, stored)


def test_authentication_uv_missing(authenticator: SoftAuthenticator, stored: Stored) -> None:
    options, options_json = authentication_options()
    assertion = authenticator.get(options_json, ORIGIN, user_verified=False)
    with pytest.raises(InvalidAuthenticationResponse, match="User verification"):
        verify_auth(options, assertion, stored)
    # The same response passes when the RP does not require UV: the flag is the only difference.
    verify_auth(options, assertion, stored, require_user_verification=False)


def test_authentication_replay_against_new_challenge(
    authenticator: SoftAuthenticator, stored: Stored
) -> None:
    options, options_json = authentication_options()
    verified = verify_auth(options, authenticator.get(options_json, ORIGIN), stored)
    stored.sign_count = verified.new_sign_count
    old = authenticator.last_assertion
    assert old is not None

    new_options, _ = authentication_options()
    with pytest.raises(InvalidAuthenticationResponse, match="challenge"):
        verify_auth(new_options, old, stored)
    # Even against the original challenge the replay fails on the counter.
    with pytest.raises(InvalidAuthenticationResponse, match="sign count"):
        verify_auth(options, old, stored)


def test_authentication_counter_regression(
    authenticator: SoftAuthenticator, stored: Stored
) -> None:
    for _ in range(3):
        options, options_json = authentication_options()
        stored.sign_count = verify_auth(
            options, authenticator.get(options_json, ORIGIN), stored
        ).new_sign_count
    assert stored.sign_count == 3

    # Forced lower value for one response...
    options, options_json = authentication_options()
    assertion = authenticator.get(options_json, ORIGIN, sign_count=2)
    with pytest.raises(InvalidAuthenticationResponse, match="sign count"):
        verify_auth(options, assertion, stored)

    # ...or a rewound stored counter (a cloned authenticator): equal is rejected too.
    authenticator.set_sign_count(stored.credential_id, 2)
    options, options_json = authentication_options()
    assertion = authenticator.get(options_json, ORIGIN)
    with pytest.raises(InvalidAuthenticationResponse, match="sign count"):
        verify_auth(options, assertion, stored)


def test_authentication_unknown_credential(stored: Stored) -> None:
    stranger = SoftAuthenticator()
    _, reg_json = registration_options()
    stranger.create(reg_json, ORIGIN)  # never shown to the server

    options, options_json = authentication_options()
    assertion = stranger.get(options_json, ORIGIN)
    assert b64url_decode(assertion["rawId"]) != stored.credential_id
    # A server looks the id up and finds nothing; verifying against another
    # credential's public key fails on the signature.
    with pytest.raises(InvalidAuthenticationResponse, match="signature"):
        verify_auth(options, assertion, stored)


def test_authentication_tampered_signature(
    authenticator: SoftAuthenticator, stored: Stored
) -> None:
    options, options_json = authentication_options()
    assertion = authenticator.get(options_json, ORIGIN)
    auth_data = bytearray(b64url_decode(assertion["response"]["authenticatorData"]))
    auth_data[-1] ^= 0x01  # bump the counter without re-signing
    assertion["response"]["authenticatorData"] = b64url_encode(bytes(auth_data))
    with pytest.raises(InvalidAuthenticationResponse, match="signature"):
        verify_auth(options, assertion, stored)

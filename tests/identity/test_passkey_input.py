"""Passkeys the WebAuthn library refuses in ways it does not list for the call (backup
flags that contradict each other, a public key of an unknown type), and a credential id
past WebAuthn's bound: each was a 500 or, on PostgreSQL, a 400 for the whole request.
Each is now the passkey's own refusal."""

from __future__ import annotations

import struct
from typing import Any

import cbor2
import httpx

from harness.authenticator import SoftAuthenticator, b64url_decode, b64url_encode
from tests.identity.conftest import ORIGIN, Browser


def refused(r: httpx.Response) -> None:
    assert r.status_code == 400, r.text
    assert r.json()["type"] == "/problems/passkey_rejected", r.text
    assert r.json()["errors"][0]["path"] == "credential", r.text


async def _registration(browser: Browser, rewrite: Any) -> httpx.Response:
    """A passkey registered with its authenticator data rewritten by `rewrite(auth)`."""
    options = (await browser.post("/api/me/passkeys/options")).json()
    credential = SoftAuthenticator().create(options["options"], ORIGIN)
    attestation = cbor2.loads(b64url_decode(credential["response"]["attestationObject"]))
    attestation["authData"] = rewrite(attestation["authData"])
    credential["response"]["attestationObject"] = b64url_encode(
        cbor2.dumps(attestation, canonical=True)
    )
    body = {"challenge_id": options["challenge_id"], "credential": credential, "name": "x"}
    return await browser.post("/api/me/passkeys", body)


def _parts(auth: bytes) -> tuple[bytes, bytes, bytes]:
    """Authenticator data: what precedes the credential id, the id, the public key."""
    (length,) = struct.unpack(">H", auth[53:55])
    return auth[:53], auth[55 : 55 + length], auth[55 + length :]


async def test_backed_up_but_not_eligible_is_refused_at_registration(browser: Browser) -> None:
    await browser.activated_citizen("flags@example.vn")
    phone = SoftAuthenticator(backup_eligible=True, backed_up=True)
    phone.backup_eligible = False
    refused(await browser.add_passkey(phone))


async def test_backed_up_but_not_eligible_is_refused_at_sign_in(
    browser: Browser, other_browser: Browser
) -> None:
    await browser.activated_citizen("flags2@example.vn")
    phone = SoftAuthenticator()
    assert (await browser.add_passkey(phone)).status_code == 201
    phone.backed_up = True  # signed by the real key, flags that contradict each other
    refused(await other_browser.passkey_sign_in(phone))


async def test_a_public_key_of_an_unknown_type_is_refused(browser: Browser) -> None:
    await browser.activated_citizen("cose@example.vn")

    def unknown_key(auth: bytes) -> bytes:
        head, credential_id, _key = _parts(auth)
        return (
            head
            + struct.pack(">H", len(credential_id))
            + credential_id
            + cbor2.dumps({1: 99, 3: -7})
        )

    refused(await _registration(browser, unknown_key))


async def test_a_credential_id_past_webauthns_bound_is_refused(browser: Browser) -> None:
    await browser.activated_citizen("longid@example.vn")

    def long_id(auth: bytes) -> bytes:
        head, _id, key = _parts(auth)
        return head + struct.pack(">H", 2000) + b"\x01" * 2000 + key

    refused(await _registration(browser, long_id))

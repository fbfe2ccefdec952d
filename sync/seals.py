"""Seals: the server's signature on what it told a device, so that after a restore it
can take back from the device what it said before and lost: that a dossier of an account
was given a code, that a code was reserved to a device, that it had confirmed a device's
seqs up to a number in a generation, that an account sent a file's bytes (sync/README.md §9).

HMAC-SHA256 under the database's seal key, cut to 128 bits (22 characters of base64url).
The key never leaves the server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

SEAL_CHARS = 22


def _seal(key: bytes, *parts: str) -> str:
    message = "\x1f".join(parts).encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def dossier_seal(key: bytes, dossier_id: uuid.UUID, account_id: uuid.UUID, code: str) -> str:
    return _seal(key, "motcua dossier code v1", str(dossier_id), str(account_id), code)


def reservation_seal(key: bytes, code: str, device_id: uuid.UUID) -> str:
    return _seal(key, "motcua reserved code v1", code, str(device_id))


def receipt_seal(key: bytes, device_id: uuid.UUID, last_seq: int, generation: int) -> str:
    """The server's word that it confirmed `last_seq` to the device in `generation`: the
    device sends it back, and only with it does a device's claim to know more than the
    database prove a restore (a forged claim would reset every device's sync)."""
    return _seal(key, "motcua device receipt v1", str(device_id), str(last_seq), str(generation))


def file_seal(key: bytes, account_id: uuid.UUID, sha256: str) -> str:
    """The server holds, verified, the bytes of `sha256` this account sent."""
    return _seal(key, "motcua file sent v1", str(account_id), sha256)


def sealed(expected: str, given: str | None) -> bool:
    # A seal is base64url. `compare_digest` raises on text outside ASCII, and a phone
    # resends unchanged a request that failed so: such text is simply no seal.
    return given is not None and given.isascii() and hmac.compare_digest(expected, given)

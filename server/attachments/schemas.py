"""Wire types of the attachments API (msgspec)."""

from __future__ import annotations

from typing import Annotated

import msgspec

MAX_HASHES = 1000


class MissingRequest(msgspec.Struct, forbid_unknown_fields=True):
    # SHA-256 hex digests of the files the device is about to send.
    hashes: Annotated[list[str], msgspec.Meta(max_length=MAX_HASHES)]


class MissingResponse(msgspec.Struct):
    # The hashes the server holds no verified file for, in the order asked:
    # upload these (and only these) to `upload_url` with tus.
    missing: list[str]
    upload_url: str
    # Send PATCH bodies of at most this many bytes.
    chunk_size: int
    max_file_bytes: int
    max_dossier_bytes: int
    # For each asked hash this account has sent, verified: the server's seal on
    # (account, hash). Keep it with the file: after a restore the device puts the file
    # back with it, without its bytes (sync/README.md §9.2).
    seals: dict[str, str] = {}

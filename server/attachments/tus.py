"""The tus 1.0 resumable upload protocol: the small core this server needs.

`litestar-tus` would be the library for this, but it requires Python >= 3.13 and
the project runs on 3.11, so the core is written here on Litestar: creation (and
creation-with-upload), HEAD/PATCH resume by offset with 409 carrying the server's
offset, the checksum extension (sha256 per chunk), expiration and termination.
Conformance is shown by driving it with the real tus-js-client under Node
(tests/attachments/test_tus_js.py) and from Python (harness/tus_client.py).
Spec: https://tus.io/protocols/resumable-upload (1.0.0)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from email.utils import format_datetime

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,expiration,checksum,termination"
CHECKSUM_ALGORITHMS = "sha256"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
# tus's own status for a chunk whose Upload-Checksum does not match.
CHECKSUM_MISMATCH = 460
MAX_METADATA = 4096

_KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_INT = re.compile(r"^[0-9]{1,15}$")


class TusHeaderError(ValueError):
    """A tus header that cannot be parsed; the message names it."""


def base_headers() -> dict[str, str]:
    return {"Tus-Resumable": TUS_VERSION}


def http_date(moment: dt.datetime) -> str:
    return format_datetime(moment.astimezone(dt.UTC), usegmt=True)


def parse_int(name: str, raw: str | None) -> int:
    if raw is None or not _INT.match(raw.strip()):
        raise TusHeaderError(f"{name}: expected a non-negative integer, got {raw!r}")
    return int(raw.strip())


def parse_metadata(raw: str | None) -> dict[str, bytes]:
    """`Upload-Metadata: key base64,key2 base64,key3` → {key: bytes}."""
    if not raw:
        return {}
    if len(raw) > MAX_METADATA:
        raise TusHeaderError(f"Upload-Metadata: longer than {MAX_METADATA} characters")
    out: dict[str, bytes] = {}
    for pair in raw.split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, value = pair.partition(" ")
        if not _KEY.match(key) or key in out:
            raise TusHeaderError(f"Upload-Metadata: bad or repeated key {key[:64]!r}")
        try:
            out[key] = base64.b64decode(value.strip(), validate=True) if value.strip() else b""
        except (binascii.Error, ValueError):
            raise TusHeaderError(f"Upload-Metadata: the value of {key!r} is not base64") from None
    return out


def encode_metadata(values: dict[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def parse_checksum(raw: str) -> tuple[str, bytes]:
    """`Upload-Checksum: sha256 <base64 digest>`."""
    algorithm, _, value = raw.strip().partition(" ")
    algorithm = algorithm.lower()
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise TusHeaderError("Upload-Checksum: the digest is not base64") from None
    if algorithm != "sha256":
        raise TusHeaderError(f"Upload-Checksum: unsupported algorithm {algorithm!r} (use sha256)")
    if len(digest) != 32:
        raise TusHeaderError("Upload-Checksum: a sha256 digest has 32 bytes")
    return algorithm, digest

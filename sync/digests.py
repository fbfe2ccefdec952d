"""A file is named by the SHA-256 of its bytes: 64 lower-case hex digits, nothing
around them. Matched with `^…$`, a digest followed by a newline passes (`$` matches
before a final newline): no 64-character column holds it, and on PostgreSQL the whole
request failed on it."""

import re
from typing import Annotated, TypeGuard

import msgspec

SHA256_HEX = re.compile(r"[0-9a-f]{64}")

# The same at a msgspec boundary: msgspec searches its pattern, so the length bound is
# what leaves the trailing newline out (and keeps the published schema plain).
Sha256Digest = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{64}$", max_length=64)]


def is_sha256(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and SHA256_HEX.fullmatch(value) is not None

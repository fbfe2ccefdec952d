"""The Subject header as RFC 2047 encoded-words that hold every character.

Python 3.11's header folder can put the space before a fold outside the encoded-words,
and decoders drop white space between encoded-words ("đã đượctiếp nhận"). Here every
character, spaces included, goes inside an encoded-word, so the reader gets the subject
as written. The standard library offers no folder without that flaw on this Python
(email.header.Header folds with line breaks that EmailMessage refuses)."""

from __future__ import annotations

import base64
from typing import Any

_NAME = "Subject"
# Each encoded-word at most 75 characters (RFC 2047 §2): "=?utf-8?b?" + base64 + "?=",
# and 45 bytes of UTF-8 make 60 of base64; a line is then at most 9 + 72 = 81 on the
# first line, so 42 bytes (56 of base64) keep every line within 78.
_BYTES_PER_WORD = 42


def _chunks(text: str) -> list[bytes]:
    """UTF-8 of `text` in pieces of whole characters, each at most _BYTES_PER_WORD."""
    chunks: list[bytes] = []
    current = b""
    for char in text:
        encoded = char.encode("utf-8")
        if current and len(current) + len(encoded) > _BYTES_PER_WORD:
            chunks.append(current)
            current = b""
        current += encoded
    if current:
        chunks.append(current)
    return chunks


def encoded_words(text: str) -> list[str]:
    return [f"=?utf-8?b?{base64.b64encode(chunk).decode('ascii')}?=" for chunk in _chunks(text)]


class Subject(str):
    """A subject the message folds itself: EmailMessage takes a header value with a
    `name` and a `fold` as it is (email.policy.EmailPolicy)."""

    name = _NAME

    def fold(self, *, policy: Any) -> str:
        linesep = policy.linesep
        return f"{_NAME}: " + f"{linesep} ".join(encoded_words(str(self))) + linesep

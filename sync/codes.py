"""Dossier codes: 16 characters a person can read aloud and type back.

    CCCCC YY SSSSSSSS K
    commune (5 digits) · year (2 digits) · sequence (8, Crockford base32) · check (1)

The server counts per commune and year, so codes are unique in the whole country
while each commune counts on its own; but the sequence part is not the count: it is
the count through a keyed permutation (sync/code_permutation.py), so that no one can
count their way to other people's dossiers. This module is the layout and the
check, which the phone shares (pwa/src/codes.ts, tests/vectors/codes.json).

The check character is Luhn mod 32 over the Crockford alphabet: every single
mistyped character and most swapped neighbours are caught before the database is
asked. Lookup forgives case, spaces, dashes and
the O/0, I/L/1 confusions (Crockford's alphabet has no I, L, O or U)."""

from __future__ import annotations

import re

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_N = len(ALPHABET)
SEQUENCE_LENGTH = 8
MAX_SEQUENCE = _N**SEQUENCE_LENGTH - 1
CODE_LENGTH = 16
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})
_SHAPE = re.compile(r"^[0-9]{7}[0-9A-HJKMNP-TV-Z]{9}$")


class InvalidCode(ValueError):
    """Not a dossier code; `reason` is `format` or `check`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_character(body: str) -> str:
    """Luhn mod N: from the right, every second value is doubled and folded."""
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * _VALUE[char]
        factor = 1 if factor == 2 else 2
        total += addend // _N + addend % _N
    return ALPHABET[(_N - total % _N) % _N]


def encode_sequence(n: int) -> str:
    if not 0 <= n <= MAX_SEQUENCE:
        raise ValueError(f"sequence {n} out of range")
    digits: list[str] = []
    for _ in range(SEQUENCE_LENGTH):
        n, r = divmod(n, _N)
        digits.append(ALPHABET[r])
    return "".join(reversed(digits))


def sequence_of(code: str) -> int:
    """The value of a well-formed code's sequence part (the inverse of encode_sequence)."""
    value = 0
    for char in code[7 : 7 + SEQUENCE_LENGTH]:
        value = value * _N + _VALUE[char]
    return value


# A commune's code in the administrative units' list: five digits.
COMMUNE_CODE = re.compile(r"[0-9]{5}")


def make_code(commune_code: str, year: int, sequence: int) -> str:
    if not COMMUNE_CODE.fullmatch(commune_code):
        raise ValueError(f"commune code {commune_code!r} is not five digits")
    body = f"{commune_code}{year % 100:02d}{encode_sequence(sequence)}"
    return body + check_character(body)


def normalize_code(text: str) -> str:
    """Upper-case, drop spaces and dashes, undo the look-alike letters."""
    return re.sub(r"[\s\-_.]", "", text).upper().translate(_CONFUSABLE)


def parse_code(text: str) -> str:
    """The canonical code, or InvalidCode before anything is looked up."""
    code = normalize_code(text)
    if len(code) != CODE_LENGTH or not _SHAPE.match(code):
        raise InvalidCode("format")
    if check_character(code[:-1]) != code[-1]:
        raise InvalidCode("check")
    return code


def commune_of(code: str) -> str:
    return code[:5]


def display(code: str) -> str:
    """Groups of four, as printed on receipts: 0007 0260 0000 01KX."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))

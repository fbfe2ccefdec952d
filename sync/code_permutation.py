"""A keyed permutation of a dossier code's sequence part, so that codes cannot be
counted: the server's n-th code of a commune and year says nothing about its
(n+1)-th, nor about any other commune's.

The counter (1, 2, 3… per commune and year, from one atomic upsert) is mapped by a
balanced Feistel network of ROUNDS rounds whose round function is HMAC-SHA256 under
the server's code key, tweaked by commune and year. Feistel networks are bijections
whatever the round function, so distinct counters give distinct values. The network
works on 2×20 bits; cycle-walking (apply it again until the value is in range) keeps
the result inside [0, size) and is still a bijection there.

Values below FLOOR are never issued: they are the sequence values of codes issued
before the permutation, when the counter was the sequence itself (no commune has
issued a million codes in a year), so old and new codes can never meet."""

from __future__ import annotations

import hashlib
import hmac

from sync.codes import MAX_SEQUENCE, make_code, sequence_of

# 10 rounds, as NIST's FF1 uses over small domains; 4 already suffice in theory.
ROUNDS = 10
# Sequence values 0 .. 32^4 - 1 ("0000xxxx"): the counted codes issued before.
FLOOR = 32**4
SEQUENCE_SPACE = MAX_SEQUENCE + 1 - FLOOR
KEY_BYTES = 32
_DOMAIN = b"motcua dossier code v1"


class KeyedPermutation:
    """A bijection of [0, size) chosen by key and tweak (format-preserving)."""

    def __init__(self, key: bytes, tweak: bytes, size: int) -> None:
        if len(key) < 16:
            raise ValueError("the code key must have at least 16 bytes")
        if size < 2:
            raise ValueError("a permutation needs at least two values")
        self.size = size
        half = max(1, ((size - 1).bit_length() + 1) // 2)
        self._half_bits = half
        self._mask = (1 << half) - 1
        self._width = (half + 7) // 8
        # One HMAC state per permutation; each round copies it (cheaper than rekeying).
        self._mac = hmac.new(key, _DOMAIN + len(tweak).to_bytes(2, "big") + tweak, hashlib.sha256)

    def _round(self, index: int, half: int) -> int:
        mac = self._mac.copy()
        mac.update(bytes((index,)) + half.to_bytes(self._width, "big"))
        return int.from_bytes(mac.digest()[:8], "big") & self._mask

    def _feistel(self, x: int) -> int:
        left, right = x >> self._half_bits, x & self._mask
        for index in range(ROUNDS):
            left, right = right, left ^ self._round(index, right)
        return (left << self._half_bits) | right

    def _feistel_inverse(self, y: int) -> int:
        left, right = y >> self._half_bits, y & self._mask
        for index in reversed(range(ROUNDS)):
            left, right = right ^ self._round(index, left), left
        return (left << self._half_bits) | right

    def forward(self, x: int) -> int:
        if not 0 <= x < self.size:
            raise ValueError(f"{x} is outside 0..{self.size - 1}")
        x = self._feistel(x)
        while x >= self.size:  # cycle-walking: on average once in a while, never forever
            x = self._feistel(x)
        return x

    def backward(self, y: int) -> int:
        if not 0 <= y < self.size:
            raise ValueError(f"{y} is outside 0..{self.size - 1}")
        y = self._feistel_inverse(y)
        while y >= self.size:
            y = self._feistel_inverse(y)
        return y


class CodeIssuer:
    """Codes of one commune and year under one key: counter -> code and back."""

    def __init__(self, key: bytes, commune_code: str, year: int) -> None:
        self.commune_code = commune_code
        self.year = year
        tweak = f"{commune_code}/{year}".encode()
        self._permutation = KeyedPermutation(key, tweak, SEQUENCE_SPACE)

    def code(self, counter: int) -> str:
        return make_code(self.commune_code, self.year, FLOOR + self._permutation.forward(counter))

    def counter(self, code: str) -> int:
        """Which counter gave this (well-formed, issued-by-permutation) code."""
        return self._permutation.backward(sequence_of(code) - FLOOR)

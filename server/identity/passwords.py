"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106).

argon2 is slow and memory-hard on purpose (about half a second and 64 MiB each), so
the server hashes and verifies in a small pool of threads of its own: never on the
event loop, which would stall every other request of the process, and never more at
once than the pool has threads, which bounds the memory a burst of sign-ins takes.
A check with no hash to compare with (an unknown address, an official without a
password) verifies against a stand-in hash, so every refusal costs the same work and
the time taken tells nobody whether an account exists.

The cost of new hashes comes from the settings (`use_settings`, called when the app or
a command starts); a hash records its own parameters, so verification needs none."""

from __future__ import annotations

import asyncio
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.settings import Settings

_hasher = PasswordHasher()
# argon2-cffi releases the GIL while it works, so these threads run in parallel.
_pool = ThreadPoolExecutor(
    max_workers=max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="argon2"
)


def use_settings(settings: Settings) -> None:
    """Hash new passwords with the settings' argon2 cost (one per process: the last
    app or command started sets it)."""
    global _hasher
    wanted = (settings.argon2_time_cost, settings.argon2_memory_kib, settings.argon2_parallelism)
    if (_hasher.time_cost, _hasher.memory_cost, _hasher.parallelism) == wanted:
        return
    _hasher = PasswordHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )
    _stand_in_hash.cache_clear()  # unknown addresses must cost what known ones do


def hash_password(password: str) -> str:
    """Blocking: for commands and tests. Request handlers await `hashed`."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Blocking: for commands and tests. Request handlers await `matches`."""
    try:
        return _hasher.verify(password_hash or _stand_in_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _stand_in_hash() -> str:
    # The hash of a secret nobody knows, made with the same parameters as real ones.
    return _hasher.hash(secrets.token_urlsafe(32))


async def hashed(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool, hash_password, password)


async def matches(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one hashed in `password_hash`; with no hash (no
    account, or none with a password) the same work is done and the answer is no."""
    return await asyncio.get_running_loop().run_in_executor(
        _pool, verify_password, password_hash or "", password
    )

"""Minting dossier codes: the next counters of a commune and year, each turned into
a code by the database's code key (sync/code_permutation.py), so that no one can
count their way to other people's dossiers. Runs in the caller's write transaction."""

from __future__ import annotations

from server.recovery.keys import CODE_KEY_ROW, key
from server.sql import ALLOCATE_CODE_COUNTERS, TAKEN_CODES, Sql
from sync.code_permutation import CodeIssuer


async def code_key(sql: Sql) -> bytes:
    """The key every process mints from (server/recovery/keys.py)."""
    return await key(sql, CODE_KEY_ROW)


async def allocate_counters(sql: Sql, commune_code: str, year: int, count: int) -> int:
    """The first of `count` consecutive counters for the commune and year.
    One atomic upsert: concurrent processes never get the same counter. With `count`
    0 it takes the counter's row until the transaction ends and uses no counter."""
    after = await sql.fetch_value(
        ALLOCATE_CODE_COUNTERS, commune_code=commune_code, year=year, after=1 + count, count=count
    )
    return int(after) - count


async def _taken(sql: Sql, codes: list[str]) -> set[str]:
    return {r["code"] for r in await sql.fetch(TAKEN_CODES, codes=codes)}


async def mint_codes(sql: Sql, commune_code: str, year: int, count: int) -> list[str]:
    """`count` new codes of the commune and year, never issued before.

    Distinct counters give distinct codes under one key, and codes from before the
    permutation lie below its floor; a code found taken all the same (a database
    restored without its key row) is passed over, so a submit never fails on it."""
    issuer = CodeIssuer(await code_key(sql), commune_code, year)
    codes: list[str] = []
    while len(codes) < count:
        wanted = count - len(codes)
        first = await allocate_counters(sql, commune_code, year, wanted)
        fresh = [issuer.code(first + i) for i in range(wanted)]
        taken = await _taken(sql, fresh)
        codes.extend(c for c in fresh if c not in taken)
    return codes

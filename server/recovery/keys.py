"""The database's two secrets: the code key (sync/code_permutation.py) and the seal key
(sync/seals.py). `motcua migrate` makes both, so that every backup holds them: a
database restored from a backup taken before a key was made would mint from a new key
and could not check the seals its phones hold."""

from __future__ import annotations

import secrets

from piccolo.engine.base import Engine

from server.clock import utcnow
from server.sql import CODE_KEY, INSERT_CODE_KEY, Sql
from sync.code_permutation import KEY_BYTES

CODE_KEY_ROW = 1
SEAL_KEY_ROW = 2


async def key(sql: Sql, row: int) -> bytes:
    """The key of `row`, made at first use: of two processes that race, one insert wins
    and both read the winner's row. Read on each use rather than kept in memory, so that
    no process can hold a key whose row rolled back."""
    value = await sql.fetch_value(CODE_KEY, id=row)
    if value is None:
        await sql.execute(
            INSERT_CODE_KEY, id=row, key=secrets.token_hex(KEY_BYTES), created_at=utcnow()
        )
        value = await sql.fetch_value(CODE_KEY, id=row)
    return bytes.fromhex(str(value))


async def seal_key(sql: Sql) -> bytes:
    return await key(sql, SEAL_KEY_ROW)


async def make_keys(engine: Engine) -> None:
    sql = Sql(engine)
    for row in (CODE_KEY_ROW, SEAL_KEY_ROW):
        await key(sql, row)

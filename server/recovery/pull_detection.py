"""What a pull can tell of a restore (sync/README.md §9.1).

A cursor this database never handed out gets a full resend, and proves nothing more:
anyone can write a cursor. The database's own feed can prove a restore: on PostgreSQL,
a feed row naming a transaction the cluster has not reached yet (restored into a new
cluster, whose transaction counter starts lower) would wait behind the horizon for ever;
a generation puts such rows first and every device starts again.

A cursor is the position of the last feed row a device was handed. The feed never
moves back over it: the newest row of the feed is never deleted (publish_changes
inserts a dossier's new row before it deletes the older ones), and a row a device
was handed is only ever deleted by a later change, whose own row sorts after it
(on PostgreSQL its transaction was still running when the row was handed out, so its
txid is at or past that reader's horizon). So a cursor of the current epoch beyond
the feed's newest row, or on PostgreSQL naming a transaction the horizon has not yet
passed, can only come from history this database no longer holds: it was restored
without a generation being begun."""

from __future__ import annotations

import logging
import uuid

from piccolo.engine.base import Engine

from server.database import write_transaction
from server.recovery.generation import FEED_EPOCH, GenerationsExhausted, begin_generation
from server.sql import Dialect, Sql, Statement, transient_errors
from sync.cursor import START, Position

# The feed's newest row (the change_feed_position index, read backwards).
FEED_END = Statement(
    "feed_end",
    "SELECT txid, id FROM change_feed ORDER BY txid DESC, id DESC LIMIT 1",
)
# A feed row of a transaction this cluster has not reached (PostgreSQL).
FEED_AHEAD = Statement(
    "feed_ahead",
    "SELECT 1 FROM change_feed "
    "WHERE txid >= pg_snapshot_xmax(pg_current_snapshot())::text::bigint LIMIT 1",
)
# The epoch row, held until the transaction ends: a generation deletes it, so a
# second detector waits for the first and then finds its epoch gone.
LOCK_FEED_EPOCH = Statement(
    "lock_feed_epoch",
    "SELECT etag FROM reference_dataset WHERE name = :name {for_update}",
)
ATTEMPTS = 3
log = logging.getLogger("motcua.recovery")


async def feed_end(sql: Sql) -> Position | None:
    rows = await sql.fetch(FEED_END)
    return Position(int(rows[0]["txid"]), int(rows[0]["id"])) if rows else None


async def lost_position(sql: Sql, position: Position, horizon: int | None) -> str | None:
    """Why `position`, a cursor of the current epoch, cannot have come from this
    database's feed; None when it can."""
    if position == START:
        return None
    if horizon is not None and position.txid >= horizon:
        # Every txid a cursor names was below the horizon when handed out, and the
        # horizon never goes back: here the transaction counter did.
        return f"its transaction {position.txid} is not yet finished here (horizon {horizon})"
    end = await feed_end(sql)
    if end is None:
        return "the change feed is empty"
    if position > end:
        return f"the change feed ends at ({end.txid}, {end.change_id})"
    return None


async def feed_ahead_of_transactions(sql: Sql) -> bool:
    if sql.dialect is not Dialect.POSTGRES:
        return False  # SQLite's feed rows carry no transaction
    return bool(await sql.fetch(FEED_AHEAD))


async def begin_detected_generation(
    engine: Engine, epoch: str, device_id: uuid.UUID | None
) -> None:
    """Begins a generation for the restore the feed proves, unless another process
    already began one since `epoch` was read. With no generation left, the device still
    gets its resend; an operator must act."""
    sql = Sql(engine)
    detail = (
        f"the change feed names transactions the database has not reached "
        f"(seen by device {device_id}'s pull)"
    )
    for attempt in range(ATTEMPTS):
        try:
            async with write_transaction(engine):
                if await sql.fetch_value(LOCK_FEED_EPOCH, name=FEED_EPOCH) != epoch:
                    return
                await begin_generation(engine, "detected", detail=detail)
                return
        except GenerationsExhausted:
            log.error("no generation left to begin for a detected loss: %s", detail)
            return
        except transient_errors(sql.dialect):
            # Another writer began a generation at the same moment (both took the
            # same number, or crossed on the epoch row): look again.
            if attempt == ATTEMPTS - 1:
                raise

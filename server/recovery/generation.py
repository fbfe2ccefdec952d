"""The server's generations (sync/README.md §9). A database restored from a backup has
forgotten what happened after the backup, but the phones have not: a new generation
tells every device to put back what it holds, hands every device a fresh pull cursor
(a new feed epoch: a restored PostgreSQL reuses transaction ids the cursors passed), and
starts every code counter above anything the lost history may have handed out."""

from __future__ import annotations

import datetime as dt

from piccolo.engine.base import Engine

from server.clock import utcnow
from server.recovery.tables import ServerGeneration
from server.reference.tables import ReferenceDataset
from server.sql import CURRENT_GENERATION, Dialect, Sql, dialect_of
from sync.messages import MAX_GENERATION

FEED_EPOCH = "feed_epoch"
# Codes of one commune and year a generation may hand out (sql.py _COUNTER_FLOOR).
COUNTERS_PER_GENERATION = 2**32


class GenerationsExhausted(RuntimeError):
    pass


async def current_generation(engine: Engine) -> int:
    return int(await Sql(engine).fetch_value(CURRENT_GENERATION))


async def begin_generation(
    engine: Engine,
    cause: str,
    *,
    backup_taken_at: dt.datetime | None = None,
    detail: str = "",
    after: int = 0,
) -> int:
    """Starts the next generation, in the caller's transaction if there is one:
    numbered past both the database's current one and `after` (a generation a device
    knew, which the restored database never saw). Returns its number."""
    number = max(await current_generation(engine), after) + 1
    if number > MAX_GENERATION:
        raise GenerationsExhausted(f"at most {MAX_GENERATION} generations")
    await ServerGeneration.insert(
        ServerGeneration(
            number=number,
            started_at=utcnow(),
            cause=cause,
            backup_taken_at=backup_taken_at,
            detail=detail,
        )
    )
    # Every cursor names the old epoch: every device's next pull starts from the top.
    await ReferenceDataset.delete().where(ReferenceDataset.name == FEED_EPOCH)
    if dialect_of(engine) is Dialect.POSTGRES:
        # Restored into a new cluster, whose transaction counter starts lower: feed rows
        # naming transactions it has not reached would wait behind the horizon for ever.
        # Every cursor starts again anyway, so they go first.
        await ServerGeneration.raw(
            "UPDATE change_feed SET txid = 0 "
            "WHERE txid >= pg_snapshot_xmax(pg_current_snapshot())::text::bigint"
        )
    floor = (number - 1) * COUNTERS_PER_GENERATION
    await ServerGeneration.raw(
        "UPDATE code_counter SET next_value = {} WHERE next_value <= {}", floor + 1, floor
    )
    return number


async def generation_started_at(engine: Engine, number: int) -> dt.datetime | None:
    row = (
        await ServerGeneration.select(ServerGeneration.started_at)
        .where(ServerGeneration.number == number)
        .first()
    )
    return row["started_at"] if row else None

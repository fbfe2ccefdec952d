"""The change feed: every change visible to the caller since the cursor.

PostgreSQL: a change is only handed out once every transaction older than the
reader's snapshot has finished (txid < xmin), so a slow transaction that commits
after a faster, younger one is never skipped. SQLite: one writer at a time, so the
change id is commit order.

Every answer names the server's generation (sync/README.md §9). A cursor that lies
beyond the feed proves the database was restored behind the device's back: a
generation begins, and the device gets a resend from the start."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from server.clock import utcnow
from server.dossiers.access import readable_where, works_the_desk
from server.dossiers.tables import ChangeFeed
from server.dossiers.views import dossier_views
from server.identity.principal import Principal
from server.observability.metrics import PULL_CHANGES, PULL_LAG
from server.recovery.generation import FEED_EPOCH, current_generation
from server.recovery.keys import SEAL_KEY_ROW, seal_key
from server.recovery.pull_detection import (
    begin_detected_generation,
    feed_ahead_of_transactions,
    lost_position,
)
from server.reference.tables import ReferenceDataset
from server.reference.versions import dataset_version
from server.sql import CURRENT_GENERATION, Sql, Statement
from sync.cursor import START, Position, decode_cursor, encode_cursor
from sync.messages import PullResponse

MAX_PAGE = 500
# What every pull asks first, in one statement (on SQLite each statement outside a
# transaction opens a connection of its own): the generation, and the seal key the
# owner's views are sealed with (made by `motcua migrate`; None before).
PULL_START = Statement(
    "pull_start",
    "SELECT g.number AS generation, (SELECT key FROM code_key WHERE id = :seal_row) AS seal_key "
    f"FROM ({CURRENT_GENERATION.template}) g",
)


class FeedEpoch:
    """One application's copy of its database's feed epoch (server.app_state). Only
    a new generation changes the epoch (it deletes the row), and another process or
    `motcua restore` may begin one while this one runs: the copy is kept with the
    generation it was read in, and read again in a new one."""

    def __init__(self) -> None:
        self.generation: int | None = None
        self.value: str | None = None


async def feed_epoch(known: FeedEpoch, generation: int) -> str:
    """This database's feed epoch in `generation`, made by whichever process asks first."""
    if known.value is None or known.generation != generation:
        await ReferenceDataset.raw(
            "INSERT INTO reference_dataset (name, etag, updated_at) VALUES ({}, {}, {}) "
            "ON CONFLICT (name) DO NOTHING",
            FEED_EPOCH,
            secrets.token_hex(4),
            utcnow(),
        )
        known.value = (await dataset_version(FEED_EPOCH)) or ""
        known.generation = generation
    return known.value


class Page(msgspec.Struct):
    rows: list[dict[str, Any]]
    more: bool
    pending: bool
    # PostgreSQL: the reader's xmin, below which every transaction has finished.
    horizon: int | None


async def read_page(engine: Engine, principal: Principal, position: Position, limit: int) -> Page:
    visible, args = readable_where(principal)
    if isinstance(engine, PostgresEngine):
        # One horizon for both questions: read apart, an older transaction ending in
        # between made a committed change neither handed out nor reported pending.
        horizon = (
            await ChangeFeed.raw(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin"
            )
        )[0]["xmin"]
        sql = (
            "SELECT id, txid, dossier_id, at FROM change_feed "
            "WHERE (txid, id) > ({}, {}) AND txid < {} "
            f"AND {visible} ORDER BY txid, id LIMIT {{}}"
        )
        rows = await ChangeFeed.raw(
            sql, position.txid, position.change_id, horizon, *args, limit + 1
        )
        pending = False
        if len(rows) <= limit:
            waiting = (
                "SELECT 1 FROM change_feed WHERE (txid, id) > ({}, {}) AND txid >= {} "
                f"AND {visible} LIMIT 1"
            )
            pending = bool(
                await ChangeFeed.raw(waiting, position.txid, position.change_id, horizon, *args)
            )
    else:
        pending, horizon = False, None
        sql = f"SELECT id, txid, dossier_id, at FROM change_feed WHERE id > {{}} AND {visible} ORDER BY id LIMIT {{}}"
        rows = await ChangeFeed.raw(sql, position.change_id, *args, limit + 1)
    return Page(rows=rows[:limit], more=len(rows) > limit, pending=pending, horizon=horizon)


def observe_lag(rows: list[dict[str, Any]]) -> None:
    """How far behind the feed this pull started: the age of the oldest change it hands
    out (0 when it was up to date). Full resends are left out: their age is the
    dossier's, not the device's lag."""
    if not rows:
        PULL_LAG.observe(0)
        return
    at = rows[0]["at"]
    if isinstance(at, str):  # SQLite may hand a raw query's timestamp back as text
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    PULL_LAG.observe(max(0.0, (utcnow() - at).total_seconds()))


async def pull(
    engine: Engine, principal: Principal, cursor: str | None, limit: int, known_epoch: FeedEpoch
) -> PullResponse:
    limit = max(1, min(limit, MAX_PAGE))
    sql = Sql(engine)
    [start] = await sql.fetch(PULL_START, seal_row=SEAL_KEY_ROW)
    generation = int(start["generation"])
    key = bytes.fromhex(str(start["seal_key"])) if start["seal_key"] else await seal_key(sql)
    epoch = await feed_epoch(known_epoch, generation)
    position = decode_cursor(cursor, epoch)
    page = await read_page(engine, principal, position or START, limit)
    # Nothing after the cursor: a cheap look at where the feed ends. A cursor this
    # database never handed out (a restore nobody declared, or one made up) gets the
    # full resend; it proves nothing by itself, since anyone can write one: the device
    # proves a restore with its receipt (server/recovery/detection.py).
    lost = position is not None and not page.rows and not page.pending
    if lost and await lost_position(sql, position or START, page.horizon) is not None:
        position = None
        page = await read_page(engine, principal, START, limit)
    if page.pending and await feed_ahead_of_transactions(sql):
        # The feed names transactions this database has not reached: restored into a
        # new PostgreSQL cluster, whose counter started lower. Those rows would wait
        # for ever; a generation puts them back in order, and everyone starts again.
        await begin_detected_generation(engine, epoch, principal.device_id)
        generation = await current_generation(engine)
        epoch = await feed_epoch(known_epoch, generation)
        position = None
        page = await read_page(engine, principal, START, limit)
    reset = position is None
    PULL_CHANGES.inc(len(page.rows))
    if not reset:
        observe_lag(page.rows)
    position = position or START
    if page.rows:
        last = page.rows[-1]
        position = Position(int(last["txid"]), int(last["id"]))
    ids = [
        r["dossier_id"]
        if isinstance(r["dossier_id"], uuid.UUID)
        else uuid.UUID(str(r["dossier_id"]))
        for r in page.rows
    ]
    views = await dossier_views(
        ids, desk=works_the_desk(principal.role), viewer=principal.account_id, seal_key=key
    )
    return PullResponse(
        dossiers=views,
        cursor=encode_cursor(epoch, position),
        more=page.more,
        reset=reset,
        pending=page.pending,
        generation=generation,
    )

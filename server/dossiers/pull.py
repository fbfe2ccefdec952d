"""The change feed: every change visible to the caller since the cursor.

PostgreSQL: a change is only handed out once every transaction older than the
reader's snapshot has finished (txid < xmin), so a slow transaction that commits
after a faster, younger one is never skipped. SQLite: one writer at a time, so the
change id is commit order."""

from __future__ import annotations

import secrets
import uuid

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from server.clock import utcnow
from server.dossiers.access import readable_where, works_the_desk
from server.dossiers.tables import ChangeFeed
from server.dossiers.views import dossier_views
from server.identity.principal import Principal
from server.recovery.generation import current_generation
from server.reference.tables import ReferenceDataset
from server.reference.versions import dataset_version
from sync.cursor import START, Position, decode_cursor, encode_cursor
from sync.messages import PullResponse

MAX_PAGE = 500
_EPOCH = "feed_epoch"


class FeedEpoch:
    """One application's copy of its database's feed epoch (server.app_state): the
    epoch never changes once made, so it is read once."""

    def __init__(self) -> None:
        self.value: str | None = None


async def feed_epoch(known: FeedEpoch) -> str:
    """This database's feed epoch, made once by whichever process asks first."""
    if known.value is None:
        await ReferenceDataset.raw(
            "INSERT INTO reference_dataset (name, etag, updated_at) VALUES ({}, {}, {}) "
            "ON CONFLICT (name) DO NOTHING",
            _EPOCH,
            secrets.token_hex(4),
            utcnow(),
        )
        known.value = (await dataset_version(_EPOCH)) or ""
    return known.value


async def pull(
    engine: Engine, principal: Principal, cursor: str | None, limit: int, known_epoch: FeedEpoch
) -> PullResponse:
    limit = max(1, min(limit, MAX_PAGE))
    epoch = await feed_epoch(known_epoch)
    position = decode_cursor(cursor, epoch)
    reset = position is None
    position = position or START
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
            "SELECT id, txid, dossier_id FROM change_feed "
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
        pending = False
        sql = f"SELECT id, txid, dossier_id FROM change_feed WHERE id > {{}} AND {visible} ORDER BY id LIMIT {{}}"
        rows = await ChangeFeed.raw(sql, position.change_id, *args, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    if rows:
        last = rows[-1]
        position = Position(int(last["txid"]), int(last["id"]))
    ids = [
        r["dossier_id"]
        if isinstance(r["dossier_id"], uuid.UUID)
        else uuid.UUID(str(r["dossier_id"]))
        for r in rows
    ]
    views = await dossier_views(
        ids, desk=works_the_desk(principal.role), viewer=principal.account_id
    )
    return PullResponse(
        dossiers=views,
        cursor=encode_cursor(epoch, position),
        more=more,
        reset=reset,
        pending=pending,
        # A device that meets another generation here puts back before it applies a view (§9.3).
        generation=await current_generation(engine),
    )

"""The change feed: every change visible to the caller since the cursor.

PostgreSQL: a change is only handed out once every transaction older than the
reader's snapshot has finished (txid < xmin), so a slow transaction that commits
after a faster, younger one is never skipped. SQLite: one writer at a time, so the
change id is commit order."""

from __future__ import annotations

import uuid

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from server.dossiers.tables import ChangeFeed
from server.dossiers.views import dossier_views, is_official
from server.identity.principal import Principal
from server.identity.roles import Role
from sync.cursor import START, Position, decode_cursor, encode_cursor
from sync.messages import PullResponse

MAX_PAGE = 500


def _visibility(principal: Principal) -> tuple[str, list]:
    if principal.role is Role.admin:
        return "TRUE", []
    if principal.role in (Role.desk, Role.agency_admin):
        return "(owner_id = {} OR commune_code = {})", [principal.account_id, principal.commune_code]
    return "owner_id = {}", [principal.account_id]


async def pull(engine: Engine, principal: Principal, cursor: str | None, limit: int) -> PullResponse:
    limit = max(1, min(limit, MAX_PAGE))
    position = decode_cursor(cursor)
    reset = position is None
    position = position or START
    visible, args = _visibility(principal)
    if isinstance(engine, PostgresEngine):
        sql = (
            "SELECT id, txid, dossier_id FROM change_feed "
            "WHERE (txid, id) > ({}, {}) "
            "AND txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
            f"AND {visible} ORDER BY txid, id LIMIT {{}}"
        )
        rows = await ChangeFeed.raw(sql, position.txid, position.change_id, *args, limit + 1)
        pending = False
        if len(rows) <= limit:
            waiting = (
                "SELECT 1 FROM change_feed WHERE (txid, id) > ({}, {}) "
                "AND txid >= pg_snapshot_xmin(pg_current_snapshot())::text::bigint "
                f"AND {visible} LIMIT 1"
            )
            pending = bool(await ChangeFeed.raw(waiting, position.txid, position.change_id, *args))
    else:
        pending = False
        sql = f"SELECT id, txid, dossier_id FROM change_feed WHERE id > {{}} AND {visible} ORDER BY id LIMIT {{}}"
        rows = await ChangeFeed.raw(sql, position.change_id, *args, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    if rows:
        last = rows[-1]
        position = Position(int(last["txid"]), int(last["id"]))
    ids = [r["dossier_id"] if isinstance(r["dossier_id"], uuid.UUID) else uuid.UUID(str(r["dossier_id"]))
           for r in rows]
    views = await dossier_views(ids, official=is_official(principal.role))
    return PullResponse(dossiers=views, cursor=encode_cursor(position), more=more, reset=reset, pending=pending)

"""The pull cursor: opaque to the device, orderable, and never skipping a change.

A change is positioned by (transaction id, change id). On PostgreSQL the reader
only takes changes from transactions older than every transaction still running
(the snapshot's xmin), so a change committed late by an older transaction cannot
slip behind a cursor that has already moved on. On SQLite writers are serialized,
so the change id alone is commit order and the transaction id is 0.

The cursor also names the feed's epoch, a random value fixed when the database's
feed began: a cursor from another database (a restore, a new server) is unknown
here and gets a full resend instead of silently missing changes."""

from __future__ import annotations

import re

import msgspec

_BIGINT_MAX = 2**63 - 1
_FORMAT = re.compile(r"^v1\.([0-9a-f]{8})\.([0-9a-f]{16})\.([0-9a-f]{16})$")


class Position(msgspec.Struct, frozen=True, order=True):
    txid: int
    change_id: int


START = Position(0, 0)


def encode_cursor(epoch: str, position: Position) -> str:
    # Fixed-width hex: within an epoch, cursors compare as strings in position order.
    return f"v1.{epoch}.{position.txid:016x}.{position.change_id:016x}"


def decode_cursor(cursor: str | None, epoch: str) -> Position | None:
    """None for a missing, unknown, damaged or foreign cursor: the caller resends everything."""
    if not cursor:
        return None
    match = _FORMAT.match(cursor)
    if not match or match.group(1) != epoch:
        return None
    position = Position(int(match.group(2), 16), int(match.group(3), 16))
    if max(position.txid, position.change_id) > _BIGINT_MAX:
        return None  # no BIGINT holds it: forged or damaged
    return position

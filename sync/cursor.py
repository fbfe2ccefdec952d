"""The pull cursor: opaque to the device, orderable, and never skipping a change.

A change is positioned by (transaction id, change id). On PostgreSQL the reader
only takes changes from transactions older than every transaction still running
(the snapshot's xmin), so a change committed late by an older transaction cannot
slip behind a cursor that has already moved on. On SQLite writers are serialized,
so the change id alone is commit order and the transaction id is 0."""

from __future__ import annotations

import re

import msgspec

_FORMAT = re.compile(r"^v1\.([0-9a-f]{16})\.([0-9a-f]{16})$")


class Position(msgspec.Struct, frozen=True, order=True):
    txid: int
    change_id: int


START = Position(0, 0)


def encode_cursor(position: Position) -> str:
    # Fixed-width hex: cursors compare as strings in the same order as positions.
    return f"v1.{position.txid:016x}.{position.change_id:016x}"


def decode_cursor(cursor: str | None) -> Position | None:
    """None for a missing, unknown or damaged cursor: the caller resends everything."""
    if not cursor:
        return None
    match = _FORMAT.match(cursor)
    if not match:
        return None
    return Position(int(match.group(1), 16), int(match.group(2), 16))

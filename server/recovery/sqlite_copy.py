"""SQLite copies through SQLite's online backup API: a consistent snapshot of a
database that servers keep writing (the WAL's committed content included), and a
restore that writes through the target's own connection, so a -wal file left by a
stopped server is replayed and then superseded rather than left to corrupt the copy."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def copy_online(source: Path, target: Path, busy_timeout: float) -> None:
    """Copy `source` into the new file `target`. One backup step (pages=-1) reads
    every page in a single read transaction: WAL readers do not block writers, and
    no write can restart or tear the copy."""
    src = sqlite3.connect(source, timeout=busy_timeout)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=-1)
            # The copy inherits WAL mode from the source's header; one self-contained
            # file is easier to move around.
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    finally:
        src.close()


def restore_over(backup: Path, target: Path, busy_timeout: float) -> None:
    """Replace the database at `target` (created if absent) with `backup`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target, timeout=busy_timeout)
        try:
            src.backup(dst, pages=-1)
            # Fold the WAL into the file; closing the last connection then removes
            # the -wal and -shm files.
            if dst.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            dst.close()
    finally:
        src.close()

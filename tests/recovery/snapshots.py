"""Last night's backup, taken and put back by the product's own commands, as a test of
what the server does after a restore needs them."""

from __future__ import annotations

from pathlib import Path

from server.recovery.backup import take_backup
from server.recovery.restore import restore_backup, restore_data
from server.settings import Settings


async def take(settings: Settings, directory: Path) -> Path:
    await take_backup(settings, directory)
    return directory


async def put_back(settings: Settings, backup: Path, declare: bool = False) -> None:
    """Every server stopped, the data as `backup` holds it: with `declare`, as
    `motcua restore` does (a new generation); without, as a restore done some other way
    (point-in-time recovery, a disk snapshot) that nobody declared."""
    if declare:
        await restore_backup(settings, backup)
    else:
        await restore_data(settings, backup)

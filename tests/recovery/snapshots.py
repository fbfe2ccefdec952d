"""Last night's backup, taken and put back by the product's own commands, as a test of
what the server does after a restore needs them."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from harness.server_process import server_env
from server.recovery.restore import restore_backup, restore_data
from server.settings import Settings

MOTCUA = Path(sys.executable).parent / "motcua"


async def take(settings: Settings, directory: Path) -> Path:
    """`motcua backup`, in its own process as an operator runs it, while the server in
    this one keeps serving (in one process, a command's engine would stand in for the
    server's while it runs)."""
    process = await asyncio.create_subprocess_exec(
        str(MOTCUA),
        "backup",
        str(directory),
        env=server_env(settings),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    return directory


async def put_back(settings: Settings, backup: Path, declare: bool = False) -> None:
    """Every server stopped, the data as `backup` holds it: with `declare`, as
    `motcua restore` does (a new generation); without, as a restore done some other way
    (point-in-time recovery, a disk snapshot) that nobody declared."""
    if declare:
        await restore_backup(settings, backup)
    else:
        await restore_data(settings, backup)

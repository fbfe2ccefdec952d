"""The app running in this process, as a server's lives: started, backed up while it
serves (`motcua backup`'s own code), stopped, restored (`motcua restore`'s own code) and
started again. Clients reach it through ASGI, so a drill of many phones costs no
sockets; used by tests/recovery/test_restore_drill.py and bench/restore_drill.py."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import httpx
import msgspec
from asgi_lifespan import LifespanManager

from harness.server_process import PASSWORD, REPO, insert_accounts
from server.app import create_app
from server.recovery.restore import restore_backup, restore_data
from server.settings import Settings

BASE_URL = "http://localhost:8000"
CLIENT_ADDRESS = ("198.51.100.9", 40000)


class AppInProcess:
    """One server at a time over `settings`' database; `client()` reaches the current one."""

    password = PASSWORD

    def __init__(self, settings: Settings, backups: Path, declared: bool = True) -> None:
        self.settings = msgspec.structs.replace(settings, demo_mode=True)
        self.backups = backups
        # False: restored some other way (a disk snapshot) and nobody ran `motcua
        # restored`; the server must learn it from the phones (§9.1).
        self.declared = declared
        self.app: Any = None
        self._lifespan: LifespanManager | None = None
        self._backup: Path | None = None

    async def start(self) -> None:
        self.app = create_app(self.settings)
        self._lifespan = LifespanManager(self.app)
        await self._lifespan.__aenter__()

    async def stop(self) -> None:
        if self._lifespan is not None:
            await self._lifespan.__aexit__(None, None, None)
        self._lifespan, self.app = None, None

    def client(self) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app, client=CLIENT_ADDRESS)
        return httpx.AsyncClient(transport=transport, base_url=BASE_URL, timeout=60)

    async def accounts(self, roles: list[tuple[str, str]]) -> list[str]:
        """Accounts (role, commune) that sign in with `password`."""
        return await insert_accounts(roles)

    async def backup(self) -> None:
        """Last night's backup, taken by `motcua backup` beside the serving app (in
        this process it would point the app's tables at its own engine meanwhile)."""
        self.backups.mkdir(parents=True, exist_ok=True)
        self._backup = self.backups / f"backup-{len(list(self.backups.glob('backup-*')))}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
        env |= {
            "MOTCUA_DATABASE_URL": self.settings.database_url,
            "MOTCUA_DATA_DIR": str(self.settings.data_dir),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "server.cli",
            "backup",
            str(self._backup),
            cwd=REPO,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"motcua backup failed: {output.decode(errors='replace')}")

    async def restore(self) -> None:
        """The server stopped, the last backup put back (a new generation), started again."""
        assert self._backup is not None, "no backup taken"
        await self.stop()
        if self.declared:
            await restore_backup(self.settings, self._backup)
        else:
            await restore_data(self.settings, self._backup)
        await self.start()

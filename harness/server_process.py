"""Real `motcua serve` processes for tests: started on a free port of 127.0.0.1,
waited for until /health answers, killed with SIGKILL when a test wants a crash,
and always stopped (terminate, wait, kill) with their log kept for failures."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from server.identity.passwords import hash_password
from server.identity.tables import Account
from server.settings import Settings

REPO = Path(__file__).resolve().parents[1]  # harness/ sits at the top of the repository
PASSWORD = "tiến trình thử 2026"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    env.update(
        {
            "MOTCUA_DATABASE_URL": settings.database_url,
            "MOTCUA_DATA_DIR": str(settings.data_dir),
            "MOTCUA_HOST": "127.0.0.1",
            "MOTCUA_DEMO": "1",  # demo officials may sign in with a password
            "MOTCUA_DEMO_OIDC": "0",  # no local VNeID provider per server (server/demo_oidc.py)
            "MOTCUA_DB_POOL_MAX": "4",
            "MOTCUA_ARGON2_TIME_COST": str(settings.argon2_time_cost),
            "MOTCUA_ARGON2_MEMORY_KIB": str(settings.argon2_memory_kib),
            "MOTCUA_ARGON2_PARALLELISM": str(settings.argon2_parallelism),
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    return env


class ServerProcess:
    def __init__(
        self, env: dict[str, str], log_dir: Path, name: str, preexec_fn=None, port: int = 0
    ) -> None:
        self.env = env
        self.preexec_fn = preexec_fn  # run in the child before exec (e.g. resource limits)
        self.log_dir = log_dir
        self.name = name
        # A fixed port (behind nginx, whose upstream list names it) is kept across
        # restarts; without one each start takes a free port.
        self.fixed_port = port
        self.port = port
        self.process: subprocess.Popen | None = None
        self.logs: list[Path] = []
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        self.port = self.fixed_port or free_port()
        self.starts += 1
        log = self.log_dir / f"{self.name}-{self.starts}.log"
        self.logs.append(log)
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "serve", "--port", str(self.port)],
                cwd=REPO,
                env={**self.env, "MOTCUA_PORT": str(self.port)},
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=self.preexec_fn,
            )
        return self

    async def wait_ready(self, rounds: int = 600) -> None:
        async with httpx.AsyncClient(timeout=2) as http:
            for _ in range(rounds):
                if self.process is None or self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited early:\n{self.log_text()}")
                try:
                    if (await http.get(self.url + "/health")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise RuntimeError(f"{self.name} never answered /health:\n{self.log_text()}")

    def kill9(self) -> None:
        """A crash: no shutdown, no flush, no rollback by the process itself."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)

    def log_text(self) -> str:
        parts = []
        for log in self.logs:
            text = log.read_text(errors="replace") if log.exists() else ""
            parts.append(f"----- {log.name} -----\n{text[-20000:]}")
        return "\n".join(parts)


def print_logs(servers: list[ServerProcess]) -> None:
    for server in servers:
        print(server.log_text())


async def insert_accounts(roles: list[tuple[str, str]]) -> list[str]:
    """Accounts that may sign in with PASSWORD (demo, so officials may too);
    the tables must be bound to the test database. Returns their emails."""
    password_hash = hash_password(PASSWORD)  # one hash for all: argon2 is slow on purpose
    now = dt.datetime.now(dt.UTC)
    emails, rows = [], []
    for role, commune in roles:
        email = f"{role}-{uuid.uuid4().hex[:10]}@example.vn"
        emails.append(email)
        rows.append(
            Account(
                id=uuid.uuid4(),
                email=email,
                full_name="Người Thử Nghiệm",
                role=role,
                commune_code=commune,
                password_hash=password_hash,
                activated_at=now,
                created_at=now,
                is_demo=True,
            )
        )
    await Account.insert(*rows)
    return emails

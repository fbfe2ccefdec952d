"""PostgreSQL copies through pg_dump and pg_restore, connected as the server is
(MOTCUA_DATABASE_URL), the password passed in the environment rather than on a
command line other users can list."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg

from server.recovery.manifest import BackupFailed, BackupRefused


def tool(name: str) -> str:
    """The program's path; BackupRefused when it is missing (checked before anything is
    written)."""
    path = shutil.which(name)
    if path is None:
        raise BackupRefused(
            f"{name} not found on PATH: install the PostgreSQL client tools "
            "(e.g. apt install postgresql-client), of the server's major version or newer"
        )
    return path


def _connection(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and an environment carrying it."""
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        netloc = parts.netloc.rsplit("@", 1)
        user = netloc[0].split(":", 1)[0]
        parts = parts._replace(netloc=f"{user}@{netloc[1]}")
    return parts._replace(scheme="postgresql").geturl(), env


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        detail = "; ".join(lines[:3]) or f"exit status {result.returncode}"
        raise BackupFailed(f"{Path(args[0]).name} failed: {detail}")


def dump(url: str, target: Path) -> None:
    connection, env = _connection(url)
    _run([tool("pg_dump"), "--format=custom", f"--file={target}", f"--dbname={connection}"], env)


def restore(url: str, source: Path) -> None:
    """Into the configured database, in one transaction: all of it or nothing."""
    connection, env = _connection(url)
    _run(
        [
            tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={connection}",
            str(source),
        ],
        env,
    )


# A line of `pg_restore --list`: "245; 1259 25128 SEQUENCE public applied_mutation_id_seq postgres".
_LISTED = re.compile(
    r"^\d+; \d+ \d+ (TABLE|SEQUENCE|VIEW|MATERIALIZED VIEW|FUNCTION) public ([^ (]+)"
)


def dumped_objects(source: Path) -> set[tuple[str, str]]:
    """The (kind, name) of each table, sequence, view and function in the dump."""
    result = subprocess.run(
        [tool("pg_restore"), "--list", str(source)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupFailed(f"pg_restore --list failed: {result.stderr.strip()[:300]}")
    found: set[tuple[str, str]] = set()
    for line in result.stdout.splitlines():
        match = _LISTED.match(line)
        if match:
            found.add((match.group(1), match.group(2)))
    return found


async def refuse_while_connected(url: str) -> None:
    """A restore under a running server would let it count codes from the restored
    counters before the new generation begins: refused while anything else is connected."""
    connection = await asyncpg.connect(url)
    try:
        others = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    if others:
        raise BackupRefused(
            f"{others} other connection(s) to the database: stop every motcua server "
            "(on every host) before restoring"
        )

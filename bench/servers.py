"""Real `motcua serve` processes for the benchmarks.

Each server gets a fresh database: SQLite in a new temporary data dir, or a new
PostgreSQL database. Both are clones of a template this process builds once with
`motcua migrate` and `motcua seed` (so a run pays for seeding once per engine).
Servers run with MOTCUA_DEMO=1 on free ports of 127.0.0.1; several processes can
share one database (PostgreSQL scale-out). Accounts are inserted with the server's
own modules, as tests/sync/conftest.py does, then signed in over HTTP to register a
device, whose credential alone signs the sync requests.

`python -m bench.servers` is a smoke check: start each engine, register a device,
print the server's memory, stop."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import REPO
from bench.devices import Device
from bench.workload import attachment_pool

# The source tree whose server is measured: this repository unless MOTCUA_BENCH_TREE
# names another checkout (e.g. `git archive HEAD` unpacked while the tree is mid-edit).
TREE = Path(os.environ.get("MOTCUA_BENCH_TREE") or REPO).resolve()
PG_ADMIN_URL = os.environ.get(
    "MOTCUA_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PASSWORD = "bench password 1"
ENGINES = ("sqlite", "postgres")


class BenchSetupError(RuntimeError):
    """Something the benchmark needs is missing (a database, a command)."""


# -- commands -----------------------------------------------------------------


def motcua_command() -> list[str]:
    """The installed `motcua` script beside this interpreter, else the module."""
    script = Path(sys.executable).parent / "motcua"
    if script.exists() and TREE == REPO:
        return [str(script)]
    return [sys.executable, "-m", "server.cli"]


def _env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    env.update(
        {
            "MOTCUA_DATABASE_URL": database_url,
            "MOTCUA_DATA_DIR": str(data_dir),
            "MOTCUA_DEMO": "1",
            "MOTCUA_DEMO_OIDC": "0",  # no local VNeID provider per server (server/demo_oidc.py)
            "PYTHONUNBUFFERED": "1",
        }
    )
    if TREE != REPO:
        env["PYTHONPATH"] = str(TREE)
    env.update(extra)
    return env


def _motcua(args: list[str], env: dict[str, str], timeout: float = 300) -> str:
    result = subprocess.run(
        motcua_command() + args, cwd=TREE, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise BenchSetupError(
            f"motcua {' '.join(args)} failed: {(result.stderr or result.stdout).strip()}"
        )
    return result.stdout


# -- PostgreSQL administration -------------------------------------------------


async def _pg_admin(sql: str) -> Any:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


def pg_admin(sql: str) -> Any:
    return asyncio.run(_pg_admin(sql)) if not _loop_running() else _in_thread(sql)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
        return True
    except RuntimeError:
        return False


def _in_thread(sql: str) -> Any:
    # Called from inside a running event loop: run the admin query on its own loop.
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(_pg_admin(sql))).result()


def pg_url(database: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{database}"


_pg_problem: list[str | None] = []


def postgres_problem() -> str | None:
    """None when PostgreSQL answers, else why not (asked once per process)."""
    if not _pg_problem:
        try:
            pg_admin("SELECT 1")
            _pg_problem.append(None)
        except Exception as exc:  # any failure to connect means unavailable
            _pg_problem.append(f"{type(exc).__name__}: {exc}")
    return _pg_problem[0]


def postgres_version() -> str:
    try:
        return str(pg_admin("SHOW server_version"))
    except Exception:
        return "unavailable"


# -- templates: migrated and seeded once per engine per process ---------------------

_scratch: list[Path] = []
_templates: dict[str, str] = {}
_pg_databases: set[str] = set()


def scratch_dir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=f"motcua-bench-{prefix}-"))
    _scratch.append(path)
    return path


def _cleanup() -> None:
    for name in list(_pg_databases):
        # Best effort at exit: a database left behind is dropped by the next run's name.
        with contextlib.suppress(Exception):
            pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _pg_databases.discard(name)
    for path in _scratch:
        shutil.rmtree(path, ignore_errors=True)
    _scratch.clear()
    _templates.clear()


atexit.register(_cleanup)


def _template(engine: str) -> str:
    """A migrated, seeded database: a file path (SQLite) or a database name."""
    if engine in _templates:
        return _templates[engine]
    started = time.perf_counter()
    if engine == "sqlite":
        directory = scratch_dir("template")
        path = directory / "motcua.db"
        env = _env(f"sqlite:///{path}", directory)
        _motcua(["migrate"], env)
        _motcua(["seed"], env)
        _register_blobs(env)
        # Fold the WAL into the main file so a plain copy is complete.
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        _templates[engine] = str(path)
    else:
        problem = postgres_problem()
        if problem:
            raise BenchSetupError(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {problem}")
        name = f"motcua_bench_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        pg_admin(f'CREATE DATABASE "{name}"')
        _pg_databases.add(name)
        env = _env(pg_url(name), scratch_dir("template"))
        _motcua(["migrate"], env)
        _motcua(["seed"], env)
        _register_blobs(env)
        _templates[engine] = name
    print(
        f"  [{engine}: migrated and seeded a template in {time.perf_counter() - started:.1f} s]",
        flush=True,
    )
    return _templates[engine]


def _register_blobs(env: dict[str, str]) -> None:
    """Mark the benchmarks' attachment files as already uploaded and verified (blob
    rows with no bytes, as the tests do), so that a submit naming them is accepted.
    Uploading is not what these benchmarks measure. A server without an attachments
    service accepts any hash, and then nothing is inserted."""
    result = subprocess.run(
        [sys.executable, "-c", _INSERT_BLOBS],
        input=json.dumps(attachment_pool()),
        cwd=TREE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise BenchSetupError(
            f"registering attachment blobs failed: {result.stderr.strip()[-2000:]}"
        )


_INSERT_BLOBS = r"""
import asyncio, datetime as dt, json, sys
from server.database import bind_engine, build_engine, close_engine, open_engine
from server.settings import load_settings

async def main(hashes):
    try:
        from server.attachments.tables import Blob
    except ImportError:
        print(0)
        return
    settings = load_settings()
    engine = build_engine(settings)
    bind_engine(engine)
    await open_engine(engine, settings)
    try:
        now = dt.datetime.now(dt.timezone.utc)
        for k in range(0, len(hashes), 500):
            await Blob.insert(*[Blob(sha256=h, size=150_000, media_type="image/jpeg", created_at=now)
                                for h in hashes[k:k + 500]]).on_conflict(action="DO NOTHING")
    finally:
        await close_engine(engine)
    print(len(hashes))

asyncio.run(main(json.loads(sys.stdin.read())))
"""


@dataclass
class Database:
    engine: str
    url: str
    data_dir: Path
    pg_name: str | None = None

    @classmethod
    def fresh(cls, engine: str) -> Database:
        if engine not in ENGINES:
            raise ValueError(engine)
        template = _template(engine)
        data_dir = scratch_dir(engine)
        if engine == "sqlite":
            path = data_dir / "motcua.db"
            shutil.copyfile(template, path)
            return cls(engine, f"sqlite:///{path}", data_dir)
        name = f"motcua_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        _pg_databases.add(name)
        return cls(engine, pg_url(name), data_dir, name)

    def drop(self) -> None:
        if self.pg_name:
            pg_admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
            _pg_databases.discard(self.pg_name)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def insert_accounts(self, count: int, role: str = "citizen", commune: str = "") -> list[str]:
        """Accounts with PASSWORD, activated and is_demo, inserted by the server's own
        modules in a subprocess (the way tests/sync/conftest.py make_account does)."""
        env = _env(self.url, self.data_dir)
        result = subprocess.run(
            [sys.executable, "-c", _INSERT_ACCOUNTS, str(count), role, commune, PASSWORD],
            cwd=TREE,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            raise BenchSetupError(f"inserting accounts failed: {result.stderr.strip()[-2000:]}")
        return json.loads(result.stdout.strip().splitlines()[-1])


_INSERT_ACCOUNTS = r"""
import asyncio, datetime as dt, json, sys, uuid
from server.database import bind_engine, build_engine, close_engine, open_engine
from server.identity.passwords import hash_password
from server.identity.tables import Account
from server.settings import load_settings

async def main(count, role, commune, password):
    settings = load_settings()
    engine = build_engine(settings)
    bind_engine(engine)
    await open_engine(engine, settings)
    try:
        password_hash = hash_password(password)
        now = dt.datetime.now(dt.timezone.utc)
        emails = [f"bench-{role}-{uuid.uuid4().hex[:10]}@example.vn" for _ in range(count)]
        ids = [uuid.uuid4() for _ in emails]
        await Account.insert(*[Account(
            id=i, email=e, full_name="Người Đo Thử", role=role, commune_code=commune,
            password_hash=password_hash, activated_at=now, created_at=now, is_demo=True)
            for i, e in zip(ids, emails)])
        try:
            from server.attachments.tables import Blob, BlobUploader
        except ImportError:
            Blob = None
        if Blob is not None:
            # These accounts "sent" the pooled attachment files (a submit needs the
            # owner to have sent each file's bytes).
            hashes = [r["sha256"] for r in await Blob.select(Blob.sha256)]
            rows = [BlobUploader(sha256=h, account_id=i, at=now) for i in ids for h in hashes]
            for k in range(0, len(rows), 500):
                await BlobUploader.insert(*rows[k:k + 500]).on_conflict(action="DO NOTHING")
    finally:
        await close_engine(engine)
    print(json.dumps(emails))

asyncio.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]))
"""


# -- devices ------------------------------------------------------------------------


async def sign_in_device(
    base_url: str,
    email: str,
    name: str = "bench phone",
    client: httpx.AsyncClient | None = None,
) -> Device:
    """Signs in as `email` and registers a device; `client` (default: a plain one to
    `base_url`) is closed afterwards."""
    async with client or httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        r = await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        if r.status_code != 200:
            raise BenchSetupError(f"login failed: {r.status_code} {r.text[:300]}")
        device_id = uuid.uuid4()
        r = await http.post(
            "/api/devices",
            json={"id": str(device_id), "name": name},
            headers={"X-CSRF-Token": r.json()["csrf_token"]},
        )
        if r.status_code != 201:
            raise BenchSetupError(f"device registration failed: {r.status_code} {r.text[:300]}")
        return Device(base_url, device_id, r.json()["credential"], email)


# -- servers ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_of(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) in KiB, from /proc/<pid>/status."""
    out: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    except (OSError, ValueError):
        pass
    return out


@dataclass
class Server:
    database: Database
    port: int = 0
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    start_seconds: float = 0.0
    extra_env: dict[str, str] = field(default_factory=dict)  # settings for this process (MOTCUA_*)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 90) -> Server:
        self.port = self.port or free_port()
        self.log_path = self.database.data_dir / f"server-{self.port}.log"
        env = _env(
            self.database.url,
            self.database.data_dir,
            MOTCUA_HOST="127.0.0.1",
            MOTCUA_PORT=str(self.port),
            MOTCUA_BASE_URL=f"http://127.0.0.1:{self.port}",
            **self.extra_env,
        )
        started = time.perf_counter()
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [*motcua_command(), "serve"],
                cwd=TREE,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchSetupError(
                    f"motcua serve exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                if httpx.get(self.base_url + "/health", timeout=2).status_code == 200:
                    self.start_seconds = time.perf_counter() - started
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise BenchSetupError(
            f"motcua serve did not answer /health in {timeout:.0f} s:\n{self.log_tail()}"
        )

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None:
            return ""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def memory(self) -> dict[str, int]:
        return memory_of(self.pid) if self.process and self.process.poll() is None else {}

    def reset_peak(self) -> None:
        """Restart VmHWM from the current RSS (Linux: 5 > /proc/<pid>/clear_refs), so the
        peak reported afterwards is the peak under the load, not at start-up."""
        with contextlib.suppress(OSError):
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")

    def stop(self, timeout: float = 15) -> None:
        """SIGINT (uvicorn's clean shutdown: the pool closes), then SIGKILL if stuck."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    async def devices(
        self, count: int, role: str = "citizen", commune: str = "", per_account: int = 1
    ) -> list[Device]:
        """`count` signed-in devices, `per_account` of them on each new account."""
        accounts = -(-count // per_account)
        emails = self.database.insert_accounts(accounts, role, commune)
        wanted = [emails[i // per_account] for i in range(count)]
        return list(await asyncio.gather(*[sign_in_device(self.base_url, e) for e in wanted]))


@dataclass
class Cluster:
    """One fresh database and the server processes sharing it."""

    database: Database
    servers: list[Server] = field(default_factory=list)

    @property
    def engine(self) -> str:
        return self.database.engine

    @property
    def label(self) -> str:
        name = "SQLite" if self.engine == "sqlite" else "PostgreSQL"
        return name if len(self.servers) == 1 else f"{name} ×{len(self.servers)} processes"

    async def devices(self, count: int, per_account: int = 1) -> list[Device]:
        """Devices spread over the processes round-robin."""
        emails = self.database.insert_accounts(-(-count // per_account))
        jobs = [
            sign_in_device(self.servers[i % len(self.servers)].base_url, emails[i // per_account])
            for i in range(count)
        ]
        return list(await asyncio.gather(*jobs))

    def memory(self) -> list[dict[str, int]]:
        return [s.memory() for s in self.servers]

    def reset_peak(self) -> None:
        for server in self.servers:
            server.reset_peak()

    def rss_mb(self) -> float:
        """The largest VmRSS among the processes now, in MiB."""
        return max((m.get("VmRSS", 0) for m in self.memory()), default=0) / 1024

    def peak_rss_mb(self) -> float:
        """The largest VmHWM among the processes, in MiB."""
        peaks = [m.get("VmHWM", 0) for m in self.memory()]
        return max(peaks, default=0) / 1024


@contextmanager
def motcua(engine: str, processes: int = 1, env: dict[str, str] | None = None) -> Iterator[Cluster]:
    database = Database.fresh(engine)
    cluster = Cluster(database)
    try:
        for _ in range(processes):
            cluster.servers.append(Server(database, extra_env=dict(env or {})).start())
        yield cluster
    except BaseException:
        # The logs go with the data dir: show what the servers said first.
        for server in cluster.servers:
            print(
                f"--- last lines of motcua serve on port {server.port}:\n{server.log_tail(60)}",
                file=sys.stderr,
                flush=True,
            )
        raise
    finally:
        for server in cluster.servers:
            server.stop()
        database.drop()


def available_engines() -> list[str]:
    """The engines this machine can run, saying why PostgreSQL is skipped."""
    engines = ["sqlite"]
    problem = postgres_problem()
    if problem:
        print(f"  [PostgreSQL skipped: {problem}]", flush=True)
    else:
        engines.append("postgres")
    return engines


async def _smoke() -> None:
    for engine in available_engines():
        with motcua(engine) as cluster:
            server = cluster.servers[0]
            [device] = await server.devices(1)
            async with device.client() as http:
                r = await http.get("/api/devices/current")
            mem = server.memory()
            print(
                f"{cluster.label}: pid {server.pid}, started in {server.start_seconds:.1f} s, "
                f"device {device.device_id} -> {r.status_code}, "
                f"VmRSS {mem.get('VmRSS', 0) / 1024:.0f} MiB, VmHWM {mem.get('VmHWM', 0) / 1024:.0f} MiB"
            )


if __name__ == "__main__":
    asyncio.run(_smoke())

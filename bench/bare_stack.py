"""The bare stack: what uvicorn, msgspec and asyncpg carry with none of motcua's work.

A floor for the push (issue #21): a minimal ASGI app that takes the same push
envelope as `POST /api/sync/push`, decodes it with msgspec into typed mutations,
and stores each batch in ONE asyncpg transaction: an upsert of the device's
sequence row, then COPY of the mutations (payload as jsonb) into one table. No
validation, merge, history, audit, feed or recorded outcomes. It answers with an
outcome per mutation, so the clients of pouchdb_compare count it as they count
motcua. Every figure motcua reaches on PostgreSQL can be read against it.

`BareStack` runs it as its own uvicorn process (as `motcua serve` runs motcua, one
worker, on a free port) over a new PostgreSQL database, dropped when it stops.
pouchdb_compare drives it with the same drafts and clients and prints motcua ÷ floor."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from typing import Any

import msgspec

DATABASE_URL = os.environ.get("BARE_STACK_DATABASE_URL", "")

SCHEMA = """
CREATE TABLE IF NOT EXISTS device_sequence (device_id uuid PRIMARY KEY, last_seq bigint NOT NULL);
CREATE TABLE IF NOT EXISTS mutation (
    device_id uuid NOT NULL, seq bigint NOT NULL, id uuid NOT NULL, dossier_id uuid NOT NULL,
    kind text NOT NULL, payload jsonb NOT NULL, base_version bigint NOT NULL,
    PRIMARY KEY (device_id, seq));
"""
UPSERT_SEQUENCE = (
    "INSERT INTO device_sequence (device_id, last_seq) VALUES ($1, $2) "
    "ON CONFLICT (device_id) DO UPDATE SET last_seq = EXCLUDED.last_seq"
)
COLUMNS = ("device_id", "seq", "id", "dossier_id", "kind", "payload", "base_version")


class Mutation(msgspec.Struct):
    seq: int
    id: uuid.UUID
    dossier_id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    base_version: int = 0


class Envelope(msgspec.Struct):
    device_id: uuid.UUID
    mutations: list[Mutation]


class Outcome(msgspec.Struct):
    seq: int
    mutation_id: uuid.UUID
    status: str = "applied"


class Answer(msgspec.Struct):
    outcomes: list[Outcome]
    last_seq: int


_decode = msgspec.json.Decoder(Envelope).decode
_encode_payload = msgspec.json.Encoder().encode
_encode = msgspec.json.Encoder().encode


class App:
    """The ASGI app: POST (any path) takes a push envelope; GET answers 200."""

    def __init__(self) -> None:
        self.pool: Any = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["method"] != "POST":
            await _answer(send, 200, b"{}")
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        try:
            envelope = _decode(b"".join(chunks))
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            await _answer(send, 422, _encode({"detail": str(exc)}))
            return
        device, mutations = envelope.device_id, envelope.mutations
        last = max((m.seq for m in mutations), default=0)
        records = [
            (
                device,
                m.seq,
                m.id,
                m.dossier_id,
                m.kind,
                _encode_payload(m.payload).decode(),
                m.base_version,
            )
            for m in mutations
        ]
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute(UPSERT_SEQUENCE, device, last)
            await connection.copy_records_to_table("mutation", records=records, columns=COLUMNS)
        body = Answer([Outcome(m.seq, m.id) for m in mutations], last)
        await _answer(send, 200, _encode(body))

    async def _lifespan(self, receive: Any, send: Any) -> None:
        import asyncpg

        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.pool = await asyncpg.create_pool(DATABASE_URL, min_size=2, max_size=10)
                async with self.pool.acquire() as connection:
                    await connection.execute(SCHEMA)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _answer(send: Any, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


app = App()


class BareStack:
    """The floor's uvicorn process on a free port of 127.0.0.1, over a new database."""

    label = "bare stack (PostgreSQL)"

    def __init__(self) -> None:
        from bench.servers import free_port, scratch_dir

        self.port = free_port()
        self.dir = scratch_dir("bare-stack")
        self.database = f"motcua_bench_bare_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> BareStack:
        import httpx

        from bench.common import REPO
        from bench.servers import _pg_databases, pg_admin, pg_url

        pg_admin(f'CREATE DATABASE "{self.database}"')
        _pg_databases.add(self.database)  # dropped at exit if stop() never runs
        env = {
            **os.environ,
            "BARE_STACK_DATABASE_URL": pg_url(self.database),
            "PYTHONPATH": str(REPO),
        }
        command = [sys.executable, "-m", "uvicorn", "bench.bare_stack:app"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        with open(self.dir / "uvicorn.log", "wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"bare stack exited: {(self.dir / 'uvicorn.log').read_text()[-800:]}"
                )
            try:
                if httpx.get(self.base_url + "/", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("the bare stack did not answer in time")

    async def stored(self) -> int:
        """The mutations in the table: what the answers said is what was committed."""
        import asyncpg

        from bench.servers import pg_url

        connection = await asyncpg.connect(pg_url(self.database), timeout=5)
        try:
            return int(await connection.fetchval("SELECT count(*) FROM mutation"))
        finally:
            await connection.close()

    def peak_rss_mb(self) -> float:
        from bench.servers import memory_of

        return memory_of(self.process.pid).get("VmHWM", 0) / 1024 if self.process else 0.0

    def reset_peak(self) -> None:
        import contextlib
        from pathlib import Path

        if self.process is not None:
            with contextlib.suppress(OSError):
                Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")

    def stop(self) -> None:
        from bench.servers import _pg_databases, pg_admin

        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        pg_admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        _pg_databases.discard(self.database)
        shutil.rmtree(self.dir, ignore_errors=True)

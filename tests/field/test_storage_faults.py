"""Storage faults against real `motcua serve` processes.

(a) The disk fills while an upload is finished (both engines): the server's uploads
    directory, where a finish copies the file out of the database to check it, is a
    small filesystem. Every chunk is committed to the database; the PATCH whose
    finish does not fit gets 507 with a problem document and Retry-After, not a 500;
    the upload stays as it was (every byte committed, offset = length, nothing
    stored, no copy left); a file stored earlier and the database are untouched;
    once space is freed the client's HEAD finishes the upload and the stored file's
    SHA-256 verifies. (A database that fills is answered 507 the same way:
    server/outages.py; the chunk's transaction never commits.)
(b) The database restarts during a push (PostgreSQL, a private cluster of the
    test's own, crash-stopped with `pg_ctl stop -m immediate`): while it is down
    the device gets 503 problems with Retry-After, never a 500; it retries until
    everything is confirmed; every mutation is applied exactly once and each
    dossier is as its mutations made it."""

from __future__ import annotations

import asyncio
import hashlib
import os
import resource
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path

import httpx
import msgspec
import pytest

from harness import samples
from harness.devices import sign_in_device_at
from harness.server_process import (
    PASSWORD,
    ServerProcess,
    insert_accounts,
    print_logs,
    server_env,
)
from harness.sync_client import SyncDevice, birth_answers, uuid7
from harness.tus_client import TusClient
from server.attachments.tables import Blob, Upload, UploadPart
from server.clock import vn_today
from server.database import bound_engine
from server.dossiers.tables import AppliedMutation, Dossier, DossierHistory
from server.migrate import migrate
from server.seed import seed_reference_data
from server.settings import Settings
from tests.conftest import IN_CI
from tests.support import databases as dbs
from tests.support.pg_cluster import ClusterUnavailable, PrivateCluster

# A full disk and a database restart under real server processes: tens of seconds each.
pytestmark = pytest.mark.slow

CHUNK = 256 * 1024


@asynccontextmanager
async def running(server: ServerProcess) -> AsyncIterator[None]:
    failed = True
    try:
        server.start()
        await server.wait_ready()
        yield
        failed = False
    finally:
        server.stop()
        if failed:
            print_logs([server])


async def signed_in(server: ServerProcess, http: httpx.AsyncClient) -> SyncDevice:
    [email] = await insert_accounts([("citizen", "")])
    return await sign_in_device_at(server.url, email, PASSWORD, http)


# -- (a) the disk fills during an upload ----------------------------------------------


class SmallDisk:
    """A small filesystem under the uploads directory (where a finish copies the
    file out of the database): a tmpfs mount when this
    process may mount (root in a container), else a per-process file-size limit
    (RLIMIT_FSIZE, EFBIG instead of ENOSPC) on the server — which only fits
    PostgreSQL, since SQLite's own database file is larger than the limit."""

    def __init__(self, directory: Path, engine: str) -> None:
        self.directory = directory
        self.mounted = False
        self.limit: int | None = None
        directory.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(directory)],
            capture_output=True,
            text=True,
        )
        if result.returncode == 0:
            self.mounted = True
        elif engine == "postgres":
            self.limit = CHUNK + CHUNK // 2  # the second chunk of a file does not fit
        else:
            pytest.skip(
                f"cannot mount a small filesystem ({result.stderr.strip()}) and a file-size "
                "limit would stop SQLite itself"
            )

    def preexec(self):
        if self.limit is None:
            return None
        limit = self.limit

        def apply() -> None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG rather than a kill
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))

        return apply

    def fill_leaving(self, free: int) -> None:
        """Take the space so that about `free` bytes remain."""
        if not self.mounted:
            return
        stat = os.statvfs(self.directory)
        available = stat.f_bavail * stat.f_frsize
        with open(self.directory / "filler", "wb") as f, suppress(OSError):
            f.write(b"\0" * max(0, available - free))

    def free(self, server: ServerProcess) -> None:
        if self.mounted:
            (self.directory / "filler").unlink(missing_ok=True)
        else:
            assert server.process is not None
            resource.prlimit(
                server.process.pid,
                resource.RLIMIT_FSIZE,
                (resource.RLIM_INFINITY, resource.RLIM_INFINITY),
            )

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.directory)], capture_output=True)


async def test_disk_full_while_finishing_is_507_and_resumes(
    settings: Settings, tmp_path: Path
) -> None:
    disk = SmallDisk(settings.data_dir / "uploads", settings.engine)
    server = ServerProcess(server_env(settings), tmp_path, "serve", preexec_fn=disk.preexec())
    earlier = samples.jpeg(320, 240, seed=11)  # stored before the disk fills
    data = samples.pdf(3 * CHUNK + 1000, seed=12)
    try:
        async with (
            bound_engine(settings),
            running(server),
            httpx.AsyncClient(base_url=server.url, timeout=60) as http,
        ):
            device = await signed_in(server, http)
            tus = TusClient(http, device.auth, chunk_size=CHUNK)
            assert (await tus.upload(earlier, filename="earlier.jpg")).ok

            disk.fill_leaving(CHUNK + CHUNK // 2)
            report = await tus.upload(data, filename="scan.pdf")
            assert report.status == 507, (report.status, report.problem)
            assert report.problem is not None
            assert report.problem["type"] == "/problems/storage_full"
            assert report.problem["status"] == 507 and report.problem["title"]
            assert report.url is not None

            # Every byte is committed (in the database), nothing is stored, no copy left.
            r = await http.head(report.url, headers={**device.auth, "Tus-Resumable": "1.0.0"})
            assert r.status_code == 507, r.text  # the HEAD tries to finish it again
            upload_id = report.url.rsplit("/", 1)[-1]
            row = await Upload.select().where(Upload.id == upload_id).first()
            assert row is not None and row["received"] == len(data) and row["completed_at"] is None
            chunks = -(-len(data) // CHUNK)
            assert await UploadPart.count().where(UploadPart.upload_id == upload_id) == chunks
            assert not await Blob.exists().where(Blob.sha256 == samples.sha(data))
            assert [p.name for p in disk.directory.iterdir()] in ([], ["filler"])

            # Retrying while the disk is still full: the same clear answer, nothing moves.
            report.resumes += 1  # told to retry, the client first asks where it stands (HEAD)
            again = await tus.upload(data, filename="scan.pdf", report=report)
            assert again.status == 507

            # The rest of the server still works: reading, and pushing to the database.
            r = await http.get(f"/api/blobs/{samples.sha(earlier)}", headers=device.auth)
            assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == samples.sha(
                earlier
            )
            dossier = uuid7()
            device.queue(
                "create_draft",
                dossier,
                {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
            )
            r = await http.post("/api/sync/push", json=device.body(), headers=device.auth)
            assert r.status_code == 200 and r.json()["outcomes"][0]["status"] == "applied", r.text

            # Space comes back: the client's HEAD finishes the upload; no byte is sent again.
            disk.free(server)
            sent_before = report.body_bytes_sent
            resumed = await tus.upload(data, filename="scan.pdf", report=report)
            assert resumed.ok, (resumed.status, resumed.problem)
            assert resumed.body_bytes_sent == sent_before == len(data)
            r = await http.get(f"/api/blobs/{samples.sha(data)}", headers=device.auth)
            assert r.status_code == 200, r.text
            assert hashlib.sha256(r.content).hexdigest() == samples.sha(data)
            assert await UploadPart.count().where(UploadPart.upload_id == upload_id) == 0
            assert [p.name for p in disk.directory.iterdir()] == []
        log = "\n".join(p.read_text(errors="replace") for p in server.logs)
        assert "Traceback" not in log, log[-5000:]
    finally:
        disk.close()


# -- (b) the database restarts during a push ------------------------------------------


@pytest.fixture
def private_cluster() -> Iterator[PrivateCluster]:
    try:
        cluster = PrivateCluster()
    except ClusterUnavailable as exc:
        if IN_CI:
            pytest.fail(f"a private PostgreSQL cluster is required under CI: {exc}")
        pytest.skip(str(exc))
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


async def create_database(cluster: PrivateCluster, tmp_path: Path) -> Settings:
    import asyncpg

    conn = await asyncpg.connect(cluster.admin_url)
    try:
        await conn.execute('CREATE DATABASE "motcua"')
    finally:
        await conn.close()
    settings = dbs.settings_for(cluster.url("motcua"), tmp_path / "data")
    async with bound_engine(settings) as engine:
        await migrate(engine)
        await seed_reference_data(engine)
    return settings


def draft_and_edits(device: SyncDevice, edits: int) -> uuid.UUID:
    dossier = uuid7()
    device.queue(
        "create_draft",
        dossier,
        {"procedure_code": "khai-sinh", "fields": birth_answers(vn_today())},
    )
    for i in range(edits):
        device.queue(
            "edit_draft", dossier, {"changes": {"child.hometown": f"Quê lần {i + 1}"}}, 1 + i
        )
    return dossier


async def test_database_restart_during_push_is_503_then_exactly_once(
    private_cluster: PrivateCluster, tmp_path: Path
) -> None:
    settings = await create_database(private_cluster, tmp_path)
    server = ServerProcess(server_env(settings), tmp_path, "serve")
    statuses: dict[int, int] = {}
    problems: list[dict] = []
    dossiers: list[uuid.UUID] = []
    outcomes: dict[int, dict] = {}
    restarted = asyncio.Event()
    some_confirmed = asyncio.Event()  # a few batches confirmed: time for the crash

    async with running(server):
        async with (
            bound_engine(settings),
            httpx.AsyncClient(base_url=server.url, timeout=60) as http,
        ):
            device = await signed_in(server, http)
        # From here the test holds no connection of its own: the restart cuts only the server's.

        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:

            async def pushing() -> None:
                """A phone's sync loop: queue 5 dossiers (4 mutations each), push what is
                unconfirmed, drop what is confirmed, back off on 503."""
                after_restart = 0
                for _ in range(2000):
                    if restarted.is_set() and not device.outbox:
                        after_restart += 1
                        if after_restart > 3:
                            return
                    if len(device.outbox) < 20:
                        for _ in range(5):
                            dossiers.append(draft_and_edits(device, 3))
                    try:
                        r = await http.post(
                            "/api/sync/push",
                            json=device.body(list(device.outbox)),
                            headers=device.auth,
                        )
                    except httpx.TransportError:
                        statuses[0] = statuses.get(0, 0) + 1
                        await asyncio.sleep(0.05)
                        continue
                    statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                    if r.status_code != 200:
                        problems.append(
                            {
                                **r.json(),
                                "retry_after": r.headers.get("retry-after"),
                                "content_type": r.headers.get("content-type"),
                            }
                        )
                        await asyncio.sleep(0.05)  # (a phone would wait Retry-After)
                        continue
                    for o in r.json()["outcomes"]:
                        assert outcomes.setdefault(o["seq"], o) == o  # a replay answers the same
                    if len(outcomes) >= 40:
                        some_confirmed.set()
                    confirmed = {o["seq"] for o in r.json()["outcomes"]}
                    device.outbox = [m for m in device.outbox if m["seq"] not in confirmed]
                raise AssertionError("the pushes never settled after the restart")

            async def restarting() -> None:
                await some_confirmed.wait()
                await asyncio.to_thread(private_cluster.stop, "immediate")
                await asyncio.sleep(1.0)  # down for a while, with the phone still pushing
                await asyncio.to_thread(private_cluster.start)
                restarted.set()

            try:
                await asyncio.gather(pushing(), restarting())
            except BaseException:
                print(private_cluster.log_text())
                raise

    # Clear answers while the database was gone: 503 problems, never a 500.
    assert set(statuses) <= {200, 503}, statuses
    assert statuses.get(503, 0) >= 1, statuses
    for problem in problems:
        assert problem["type"] == "/problems/database_unavailable" and problem["status"] == 503
        assert problem["content_type"].startswith("application/problem+json")
        assert int(problem["retry_after"]) > 0
    log = "\n".join(p.read_text(errors="replace") for p in server.logs)
    assert "unhandled error" not in log, log[-5000:]

    # Exactly once, nothing half-stored.
    async with bound_engine(settings):
        rows = (
            await AppliedMutation.select(AppliedMutation.seq)
            .where(AppliedMutation.device_id == device.device_id)
            .order_by(AppliedMutation.seq)
        )
        assert [r["seq"] for r in rows] == list(range(1, device.seq + 1)) == sorted(outcomes)
        assert all(o["status"] == "applied" for o in outcomes.values())
        found = {r["id"]: r for r in await Dossier.select().where(Dossier.id.is_in(dossiers))}
        assert len(found) == len(dossiers)
        for d, row in found.items():
            assert row["version"] == 4
            assert msgspec.json.decode(row["fields"])["child.hometown"] == "Quê lần 3"
            assert await DossierHistory.count().where(DossierHistory.dossier_id == d) == 4
    print(f"statuses {statuses}, {device.seq} mutations, {len(dossiers)} dossiers")

"""Real `motcua serve` processes: two on one host sharing PROMETHEUS_MULTIPROC_DIR,
either answering /metrics for both; their JSON logs carry each request's id."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import uuid
from pathlib import Path

import httpx
import pytest

from harness.devices import sign_in_device_at
from harness.samples import pdf
from harness.server_process import PASSWORD, ServerProcess, insert_accounts, server_env
from harness.sync_client import uuid7
from server.database import bound_engine
from server.dossiers.tables import AppliedMutation
from server.settings import Settings
from tests.observability.conftest import Scrape
from tests.sync.test_push_pull import birth_draft
from tests.sync.test_sync_processes import running

pytestmark = pytest.mark.slow

PUSH = {"method": "POST", "route": "/api/sync/push", "status": "200"}


def json_lines(server: ServerProcess) -> list[dict]:
    lines = []
    for log in server.logs:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))  # every object a line parses
    return lines


def _observed_env(settings: Settings, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Settings for processes logging JSON and serving metrics to this host, with the
    directory their metrics share."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = server_env(
        settings,
        MOTCUA_LOG_FORMAT="json",
        MOTCUA_METRICS_ALLOW="127.0.0.1",
        PROMETHEUS_MULTIPROC_DIR=str(shared),
    )
    return shared, env


async def test_two_processes_share_their_metrics_and_log_json(
    settings: Settings, tmp_path: Path
) -> None:
    shared, env = _observed_env(settings, tmp_path)
    a, b = (ServerProcess(env, tmp_path, name) for name in ("a", "b"))
    ours = "obs-" + uuid.uuid4().hex
    forged = "x" * 4000
    async with bound_engine(settings), running([a, b]):
        [email] = await insert_accounts([("citizen", "")])
        for server in (a, b):
            async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
                device = await sign_in_device_at(server.url, email, PASSWORD, http)
                birth_draft(device, uuid7())  # create_draft and attach
                await device.sync()
        async with httpx.AsyncClient(timeout=30) as http:
            r = await http.get(a.url + "/api/communes", headers={"X-Request-ID": ours})
            assert r.headers["x-request-id"] == ours
            r = await http.get(a.url + "/api/communes", headers={"X-Request-ID": forged})
            replaced = r.headers["x-request-id"]
            assert replaced != forged and len(replaced) == 32
            scrapes = [Scrape((await http.get(s.url + "/metrics")).text) for s in (a, b)]
        for scraped in scrapes:  # either process answers for both
            assert scraped.value("motcua_http_request_duration_seconds_count", **PUSH) == 2
            assert scraped.value("motcua_push_mutations_total", outcome="applied") == 4
            assert scraped.value("motcua_mutations_applied_total", kind="create_draft") == 2
            if settings.engine == "postgres":
                # Each refreshes its own at start; the sum is both pools' bound.
                limit = "motcua_db_pool_limit_connections"
                assert scraped.value(limit, bound="max") == 2 * int(env["MOTCUA_DB_POOL_MAX"])
        pids = [s.process.pid for s in (a, b) if s.process]
    # Stopped: the logs are complete, and their live gauges are out of the sums.
    await asyncio.sleep(0)
    assert not [p for p in shared.iterdir() if p.name.startswith("gauge_live")], list(
        shared.iterdir()
    )
    lines = json_lines(a)
    assert lines, a.log_text()
    for line in lines:
        assert {"time", "level", "logger", "message"} <= line.keys(), line
    mine = [line for line in lines if line.get("request_id") == ours]
    assert len(mine) == 1, mine  # one access line, not uvicorn's too
    [access] = mine
    assert access["logger"] == "motcua.access" and access["level"] == "INFO"
    assert access["method"] == "GET" and access["route"] == "/api/communes"
    assert access["status"] == 200 and isinstance(access["duration_ms"], float)
    assert any(line.get("request_id") == replaced for line in lines)
    assert forged not in a.log_text()
    assert not any(line["logger"] == "uvicorn.access" for line in lines)
    pushes = [line for line in lines if line.get("route") == "/api/sync/push"]
    assert len(pushes) == 1 and pushes[0]["status"] == 200
    assert all(p not in (None, 0) for p in pids)


async def _cut_mid_body(url: str, head: str, sent: bytes) -> None:
    """Send a request's head and part of its body, then close the connection."""
    address = httpx.URL(url)
    _, writer = await asyncio.open_connection(address.host, address.port)
    writer.write(head.encode() + b"\r\n" + sent)
    await writer.drain()
    await asyncio.sleep(0.5)  # the server is reading the body
    writer.close()
    await writer.wait_closed()


async def _access_line(server: ServerProcess, request_id: str) -> dict:
    for _ in range(200):
        lines = [line for line in json_lines(server) if line.get("request_id") == request_id]
        if lines:
            [line] = lines
            return line
        await asyncio.sleep(0.05)
    raise AssertionError(f"no access line for {request_id}: {server.log_text()}")


async def test_a_body_cut_by_the_client_is_logged_as_499_not_500(
    settings: Settings, tmp_path: Path
) -> None:
    """A phone losing signal halfway through sending a batch: Litestar cannot read the
    body and answers no one, so the line and the metric say 499 (nginx's "client
    closed the request"), not a 500 an operator would chase as a fault. A tus upload
    reads a cut body itself and keeps what came: that answer is recorded as it is."""
    _, env = _observed_env(settings, tmp_path)
    server = ServerProcess(env, tmp_path, "a")
    push_id, upload_id = "cut-" + uuid.uuid4().hex, "cut-" + uuid.uuid4().hex
    async with bound_engine(settings), running([server]):
        [email] = await insert_accounts([("citizen", "")])
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            device = await sign_in_device_at(server.url, email, PASSWORD, http)
            auth = device.auth["Authorization"]
            await _cut_mid_body(
                server.url,
                f"POST /api/sync/push HTTP/1.1\r\nHost: motcua\r\nAuthorization: {auth}\r\n"
                f"Content-Type: application/json\r\nContent-Length: 100000\r\n"
                f"X-Request-ID: {push_id}\r\n",
                b'{"device_id": "',
            )
            pushed = await _access_line(server, push_id)
            data = pdf(20_000)  # a kind of file the upload takes
            tus = {"Tus-Resumable": "1.0.0", "Authorization": auth}
            sha = base64.b64encode(hashlib.sha256(data).hexdigest().encode()).decode()
            r = await http.post(
                "/api/uploads",
                headers={
                    **tus,
                    "Upload-Length": str(len(data)),
                    "Upload-Metadata": f"sha256 {sha}",
                },
            )
            assert r.status_code == 201, r.text
            location = httpx.URL(r.headers["location"]).path
            await _cut_mid_body(
                server.url,
                f"PATCH {location} HTTP/1.1\r\nHost: motcua\r\nAuthorization: {auth}\r\n"
                "Tus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
                f"Content-Type: application/offset+octet-stream\r\nContent-Length: {len(data)}\r\n"
                f"X-Request-ID: {upload_id}\r\n",
                data[:1000],
            )
            uploaded = await _access_line(server, upload_id)
            kept = await http.head(location, headers=tus)
            scraped = Scrape((await http.get("/metrics")).text)
    assert pushed["logger"] == "motcua.access" and pushed["level"] == "INFO", pushed
    assert pushed["route"] == "/api/sync/push" and pushed["status"] == 499, pushed
    duration = "motcua_http_request_duration_seconds_count"
    assert scraped.value(duration, route="/api/sync/push", status="499") == 1
    assert scraped.value(duration, route="/api/sync/push", status="500") == 0
    # The upload kept the 1,000 bytes that came, and says so in its own line.
    assert kept.headers.get("upload-offset") == "1000", (kept.status_code, uploaded)
    assert uploaded["status"] == 204 and uploaded["level"] == "INFO", uploaded


async def test_serve_with_two_worker_processes_on_one_port(
    settings: Settings, tmp_path: Path
) -> None:
    """`motcua serve --processes 2` (MOTCUA_PROCESSES): two workers behind one port, one
    database (on SQLite one file), one metrics directory made in the data dir; pushes
    from devices at once all land once, and either worker answers /metrics for both."""
    env = server_env(settings, MOTCUA_PROCESSES="2", MOTCUA_METRICS_ALLOW="127.0.0.1")
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    server = ServerProcess(env, tmp_path, "serve")
    root = settings.data_dir / "metrics"
    async with bound_engine(settings), running([server]):
        emails = await insert_accounts([("citizen", "")] * 6)
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            devices = await asyncio.gather(
                *(sign_in_device_at(server.url, email, PASSWORD, http) for email in emails)
            )
            for device in devices:
                birth_draft(device, uuid7())  # create_draft and attach
            await asyncio.gather(*(device.sync() for device in devices))
            # Each worker writes its metrics under its own pid as it starts.
            assert server.process is not None
            [shared] = root.iterdir()  # this start's own, named after the supervisor
            assert shared.name == str(server.process.pid)
            for _ in range(100):
                pids = {p.stem.rsplit("_", 1)[-1] for p in shared.glob("*.db")}
                if len(pids) >= 2:
                    break
                await asyncio.sleep(0.1)
            assert len(pids) == 2, sorted(p.name for p in shared.iterdir())
            scrapes = [Scrape((await http.get("/metrics")).text) for _ in range(4)]
        for scraped in scrapes:
            assert scraped.value("motcua_push_mutations_total", outcome="applied") == 12
        assert await AppliedMutation.count() == 12
    assert server.process is not None and server.process.returncode == 0, server.log_text()

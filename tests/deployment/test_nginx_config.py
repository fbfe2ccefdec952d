"""deploy/nginx/motcua.conf itself, with small recording hosts behind it instead of
motcua (so what nginx does is seen from the host's side): the headers it adds, upload
chunks streamed rather than held, the body limits, and which requests it sends again
to another host when one breaks."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from harness.nginx import LISTEN_EXAMPLE, Nginx
from harness.server_process import free_port

MiB = 1024 * 1024
BODIES = ("POST", "PATCH")


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: int = 0  # body bytes received so far


@dataclass
class RecordingHost:
    """An HTTP/1.1 host that records each request; `drop` hosts read the request and
    close the connection without an answer, as a host killed at that moment does."""

    drop: bool = False
    seen: list[Seen] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    async def start(self) -> RecordingHost:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in self._writers:
            writer.close()
        await asyncio.sleep(0)  # the handlers see their connections closed and end

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                seen = Seen(method, path, headers)
                self.seen.append(seen)
                left = int(headers.get("content-length", "0"))
                while left:
                    data = await reader.read(min(left, 65536))
                    if not data:
                        return
                    seen.body += len(data)
                    left -= len(data)
                if self.drop:
                    return
                writer.write(
                    b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n"
                    b"X-Request-ID: made-by-the-host\r\n\r\n"
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


@asynccontextmanager
async def nginx_before(hosts: list[int], workdir: Path) -> AsyncIterator[Nginx]:
    nginx = Nginx(workdir, hosts).start()
    try:
        await nginx.wait_ready()
        yield nginx
    finally:
        nginx.stop()


@pytest.fixture
async def host(nginx_installed: None) -> AsyncIterator[RecordingHost]:
    recording = await RecordingHost().start()
    yield recording
    await recording.close()


async def test_the_host_learns_the_client_the_scheme_and_the_request_id(
    host: RecordingHost, tmp_path: Path
) -> None:
    async with (
        nginx_before([host.port], tmp_path) as nginx,
        httpx.AsyncClient(base_url=nginx.url) as http,
    ):
        forged = await http.get(
            "/api/x", headers={"X-Forwarded-For": "203.0.113.7", "Forwarded": "for=203.0.113.8"}
        )
        mine = await http.get("/api/x", headers={"X-Request-ID": "dien-thoai-42"})
        odd = await http.get("/api/x", headers={"X-Request-ID": "a b"})
    first, second, third = host.seen
    # nginx appends the address it saw: a client cannot put itself last.
    assert first.headers["x-forwarded-for"] == "203.0.113.7, 127.0.0.1"
    assert second.headers["x-forwarded-for"] == "127.0.0.1"
    assert "forwarded" not in first.headers  # only the header nginx keeps reaches the host
    assert first.headers["x-forwarded-proto"] == "http"
    assert first.headers["host"] == "127.0.0.1"  # $host: the name, without the port
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["x-request-id"])
    assert forged.headers["x-request-id"] == first.headers["x-request-id"]
    # A phone's own request id is kept, so one push can be followed across hosts.
    assert second.headers["x-request-id"] == mine.headers["x-request-id"] == "dien-thoai-42"
    # Anything else is replaced by nginx's own, and the answer carries one id only.
    assert re.fullmatch(r"[0-9a-f]{32}", third.headers["x-request-id"])
    assert odd.headers.get_list("x-request-id") == [third.headers["x-request-id"]]
    assert "nginx/" not in forged.headers.get("server", "")


async def test_an_upload_chunk_streams_to_the_host_as_it_arrives(
    host: RecordingHost, tmp_path: Path
) -> None:
    half = MiB
    arrived = asyncio.Event()

    async def chunk() -> AsyncIterator[bytes]:
        yield b"a" * half
        for _ in range(500):  # the second half waits until the host holds the first
            if host.seen and host.seen[-1].body >= half:
                arrived.set()
                break
            await asyncio.sleep(0.01)
        yield b"b" * half

    async with (
        nginx_before([host.port], tmp_path) as nginx,
        httpx.AsyncClient(base_url=nginx.url, timeout=30) as http,
    ):
        r = await http.patch(
            "/api/uploads/0123456789abcdef0123456789abcdef",
            content=chunk(),
            headers={"Content-Length": str(2 * half)},
        )
    assert r.status_code == 204
    assert arrived.is_set(), "nginx held the chunk instead of passing it on"
    assert host.seen[-1].body == 2 * half


async def test_body_limits(host: RecordingHost, tmp_path: Path) -> None:
    async with (
        nginx_before([host.port], tmp_path) as nginx,
        httpx.AsyncClient(base_url=nginx.url, timeout=30) as http,
    ):
        # A chunk as large as MOTCUA_UPLOAD_CHUNK_SIZE may be set (64 MiB) reaches the
        # host, which answers for its own limit.
        big_chunk = await http.patch("/api/uploads/x", content=b"u" * (64 * MiB))
        too_big_chunk = await http.patch("/api/uploads/x", content=b"u" * (64 * MiB + 1))
        # A put-back (8 MiB) passes; nothing else above 10 MB does.
        recover = await http.post("/api/sync/recover", content=b"r" * (8 * MiB))
        too_big = await http.post("/api/sync/push", content=b"p" * (10 * MiB + 1))
    assert (big_chunk.status_code, too_big_chunk.status_code) == (204, 413)
    assert (recover.status_code, too_big.status_code) == (204, 413)
    assert [s.body for s in host.seen] == [64 * MiB, 8 * MiB]


async def test_metrics_are_not_served_through_the_balancer(
    host: RecordingHost, tmp_path: Path
) -> None:
    async with (
        nginx_before([host.port], tmp_path) as nginx,
        httpx.AsyncClient(base_url=nginx.url) as http,
    ):
        metrics = await http.get("/metrics")
        # The host's router answers /metrics for these too (a trailing slash, an
        # encoded letter, a query).
        others = [
            await http.get(path)
            for path in ("/metrics/", "/metrics//", "/%6detrics", "/metrics?x=1", "/metrics/?x")
        ]
        health = await http.get("/health/ready")
    assert metrics.status_code == 404
    assert [r.status_code for r in others] == [404] * len(others)
    assert [s.path for s in host.seen] == ["/health/ready"]
    assert health.status_code == 204


@pytest.mark.parametrize(
    ("method", "path", "sent_again"),
    [
        ("GET", "/api/sync/pull", True),
        ("HEAD", "/api/uploads/0123456789abcdef0123456789abcdef", True),
        ("POST", "/api/sync/push", True),  # exactly once by the protocol
        ("POST", "/api/uploads", False),
        ("PATCH", "/api/uploads/0123456789abcdef0123456789abcdef", False),
        ("POST", "/api/auth/signin", False),
        ("POST", "/api/desk/dossiers/x/payments", False),
    ],
)
async def test_which_requests_go_to_another_host_when_one_breaks(
    method: str, path: str, sent_again: bool, nginx_installed: None, tmp_path: Path
) -> None:
    broken, sound = await RecordingHost(drop=True).start(), await RecordingHost().start()
    try:
        async with (
            nginx_before([broken.port, sound.port], tmp_path) as nginx,
            httpx.AsyncClient(base_url=nginx.url, timeout=30) as http,
        ):
            # Round robin: of two requests, one goes to the broken host first.
            answers = [
                (await http.request(method, path, content=b"{}" if method in BODIES else None))
                for _ in range(2)
            ]
    finally:
        await broken.close()
        await sound.close()
    assert len(broken.seen) == 1
    statuses = sorted(r.status_code for r in answers)
    if sent_again:
        assert statuses == [204, 204] and len(sound.seen) == 2
    else:
        assert statuses == [204, 502] and len(sound.seen) == 1


async def test_a_host_that_refuses_connections_is_skipped_for_every_request(
    host: RecordingHost, tmp_path: Path
) -> None:
    """A host that is down (killed, restarting) never saw the request: nginx sends even
    a POST or a PATCH to the next host, and leaves the dead one out for a while."""
    dead = free_port()
    async with (
        nginx_before([dead, host.port], tmp_path) as nginx,
        httpx.AsyncClient(base_url=nginx.url, timeout=30) as http,
    ):
        answers = [
            await http.post("/api/uploads", content=b""),
            await http.patch("/api/uploads/x", content=b"chunk"),
            await http.post("/api/auth/signin", content=b"{}"),
            await http.get("/api/sync/pull"),
        ]
    assert [r.status_code for r in answers] == [204] * 4
    assert [s.method for s in host.seen] == ["POST", "PATCH", "POST", "GET"]


def _self_signed(directory: Path) -> tuple[Path, Path]:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "motcua.example.gov.vn")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    chain, private = directory / "fullchain.pem", directory / "privkey.pem"
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return chain, private


def test_the_production_examples_pass_nginx_t(nginx_installed: None, tmp_path: Path) -> None:
    """The examples as an operator copies them (TLS on 443, HTTP/2 as nginx 1.22 spells
    it), with only the certificate and log paths pointed at this test's files."""
    chain, private = _self_signed(tmp_path / "tls")
    listen = LISTEN_EXAMPLE.read_text()
    listen = re.sub(r"/etc/letsencrypt/\S+/fullchain\.pem", str(chain), listen)
    listen = re.sub(r"/etc/letsencrypt/\S+/privkey\.pem", str(private), listen)
    listen = listen.replace("/var/log/nginx/", f"{tmp_path}/")
    assert str(chain) in listen and str(private) in listen and "listen 443 ssl" in listen
    output = Nginx(tmp_path / "nginx", [8000, 8001, 8002], listen=listen).check()
    assert "syntax is ok" in output and "warn" not in output


async def test_a_client_cannot_hide_behind_the_proxy_with_a_forwarded_header(
    host: RecordingHost, tmp_path: Path
) -> None:
    """nginx maintains X-Forwarded-For; a Forwarded header passed through as the client
    wrote it disagrees with it, and then the host believes neither and takes the
    proxy's own address: the client would leave its sign-in limit's bucket for the
    proxy's and the audit would name the proxy instead of it."""
    from server.client_address import client_address, trusted_networks

    client = "127.0.0.2"
    async with nginx_before([host.port], tmp_path) as nginx:
        transport = httpx.AsyncHTTPTransport(local_address=client)
        async with httpx.AsyncClient(transport=transport, base_url=nginx.url) as http:
            await http.get("/api/x", headers={"Forwarded": "for=203.0.113.7"})
            await http.get("/api/x", headers={"Forwarded": "for=unknown"})
            await http.get("/api/x", headers={"Forwarded": 'for="[::1]"; by=_x'})
    assert len(host.seen) == 3
    for seen in host.seen:
        scope = {
            "client": ("127.0.0.1", 50000),  # nginx, the trusted proxy
            "headers": [(k.encode(), v.encode()) for k, v in seen.headers.items()],
        }
        assert client_address(scope, trusted_networks("127.0.0.1")) == client, seen.headers

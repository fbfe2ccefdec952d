"""A provider that answers without end, a byte at a time, or with a compressed answer
that inflates, is given up on: every call to a provider (its configuration, its keys,
the token endpoint through Authlib, userinfo) reads at most a bounded answer, within
one deadline for the whole request, and says the provider is unavailable.

The provider here is a real HTTP server on a socket, written to misbehave."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from server.identity.oidc.client import exchange_code, userinfo
from server.identity.oidc.discovery import ProviderMetadata, fetch_json
from server.identity.oidc.provider_http import MAX_ANSWER_BYTES, ProviderUnavailable
from tests.identity.oidc_support import vneid

# Seconds the calls below may take for the whole of one request.
DEADLINE = 1.0
# The endless answer's length: far past the limit, and past what the sockets between
# the two ends can hold while nobody reads.
ENDLESS_BYTES = 64 * 1024 * 1024
# A byte every DRIP seconds: each read well inside the deadline, the whole far past it.
DRIP = 0.1
DRIPPED_BYTES = 40


def _token_json(pad: int) -> bytes:
    return json.dumps(
        {"access_token": "a", "token_type": "Bearer", "id_token": "x.y.z", "pad": "0" * pad}
    ).encode()


class HostileProvider:
    """Answers every request with the misbehaviour its path names, and counts what
    it managed to send."""

    def __init__(self) -> None:
        self.sent = 0
        self._server: asyncio.AbstractServer | None = None
        self.url = ""

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            await reader.readexactly(length)
            await self._answer(path.split("?")[0], writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _answer(self, path: str, writer: asyncio.StreamWriter) -> None:
        head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
        if path.endswith("/endless"):
            # Chunked, so only reading tells how long it is; or declaring its length.
            chunked = path.endswith("/chunked/endless")
            framing = (
                "Transfer-Encoding: chunked" if chunked else f"Content-Length: {ENDLESS_BYTES}"
            )
            writer.write(f"{head}{framing}\r\n\r\n".encode())
            chunk = b" " * 65536
            for _ in range(ENDLESS_BYTES // len(chunk)):
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
                await writer.drain()
                self.sent += len(chunk)
        elif path.endswith("/fine"):
            body = _token_json(0)
            writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
            await writer.drain()
            self.sent += len(body)
        elif path.endswith("/dripping"):
            body = b" " * (DRIPPED_BYTES - 2) + b"{}"
            writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode())
            for byte in body:
                writer.write(bytes([byte]))
                await writer.drain()
                self.sent += 1
                await asyncio.sleep(DRIP)
        elif path.endswith("/inflating"):
            # A few kilobytes on the wire, well past the limit once inflated; a valid
            # answer of every call (a token response is a JSON object).
            body = gzip.compress(_token_json(4 * MAX_ANSWER_BYTES))
            writer.write(
                f"{head}Content-Encoding: gzip\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()
            self.sent += len(body)


@pytest.fixture
async def hostile() -> AsyncIterator[HostileProvider]:
    provider = HostileProvider()
    await provider.start()
    yield provider
    await provider.stop()


def _metadata(url: str) -> ProviderMetadata:
    return ProviderMetadata(
        issuer=url,
        authorization_endpoint=f"{url}/authorize",
        token_endpoint=url,
        jwks_uri=url,
        userinfo_endpoint=url,
    )


Call = Callable[[str], Awaitable[object]]


def _calls() -> dict[str, Call]:
    config = vneid("http://127.0.0.1", timeout_seconds=DEADLINE)

    async def keys_or_configuration(url: str) -> object:
        return await fetch_json(url, DEADLINE)

    async def token(url: str) -> object:
        return await exchange_code(config, _metadata(url), "http://app/cb", "code", "v" * 43)

    async def claims(url: str) -> object:
        return await userinfo(config, _metadata(url), "access-token")

    return {"configuration_or_keys": keys_or_configuration, "token": token, "userinfo": claims}


@pytest.mark.parametrize("framing", ["chunked", "declared"])
@pytest.mark.parametrize("call", ["configuration_or_keys", "token", "userinfo"])
async def test_an_endless_answer_is_read_no_further_than_the_limit(
    hostile: HostileProvider, call: str, framing: str
) -> None:
    with pytest.raises(ProviderUnavailable, match="larger than"):
        await _calls()[call](f"{hostile.url}/{framing}/endless")
    await asyncio.sleep(0.2)  # the provider notices the closed connection
    # What it sent past the limit sat in the sockets' buffers, unread.
    assert hostile.sent < ENDLESS_BYTES // 4


@pytest.mark.parametrize("call", ["configuration_or_keys", "token", "userinfo"])
async def test_an_answer_dripping_past_the_deadline_is_given_up(
    hostile: HostileProvider, call: str
) -> None:
    with pytest.raises(ProviderUnavailable, match="no whole answer"):
        await _calls()[call](f"{hostile.url}/dripping")
    # Given up while the provider was still sending.
    assert hostile.sent < DRIPPED_BYTES


@pytest.mark.parametrize("call", ["configuration_or_keys", "token", "userinfo"])
async def test_a_compressed_answer_is_refused(hostile: HostileProvider, call: str) -> None:
    with pytest.raises(ProviderUnavailable, match="encoded"):
        await _calls()[call](f"{hostile.url}/inflating")


class ForwardProxy:
    """A plain HTTP forward proxy (requests in absolute form, as a client sends them to
    a proxy for an http:// address), noting each address it relays."""

    def __init__(self) -> None:
        self.relayed: list[str] = []
        self._server: asyncio.AbstractServer | None = None
        self.url = ""

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        line, rest = head.split(b"\r\n", 1)
        method, target, _ = line.split(b" ", 2)
        self.relayed.append(target.decode())
        url = httpx.URL(target.decode())
        length = next(
            (
                int(h.split(b":", 1)[1])
                for h in rest.split(b"\r\n")
                if h.lower().startswith(b"content-length:")
            ),
            0,
        )
        body = await reader.readexactly(length)
        up_reader, up_writer = await asyncio.open_connection(url.host, url.port)
        up_writer.write(method + b" " + url.raw_path + b" HTTP/1.1\r\n" + rest + body)
        await up_writer.drain()
        while chunk := await up_reader.read(65536):
            writer.write(chunk)
            await writer.drain()
        up_writer.close()
        writer.close()


@pytest.mark.parametrize("call", ["configuration_or_keys", "token", "userinfo"])
async def test_a_proxy_the_environment_names_carries_every_call(
    hostile: HostileProvider, call: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deployment reaching its provider through a proxy (HTTP_PROXY and the like, as
    httpx reads them) keeps doing so with the bounded transport, and stays bounded."""
    proxy = ForwardProxy()
    await proxy.start()
    try:
        for name in ("NO_PROXY", "no_proxy", "http_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        assert await _calls()[call](f"{hostile.url}/fine")
        with pytest.raises(ProviderUnavailable, match="larger than"):
            await _calls()[call](f"{hostile.url}/chunked/endless")
        assert proxy.relayed == [f"{hostile.url}/fine", f"{hostile.url}/chunked/endless"]
    finally:
        await proxy.stop()

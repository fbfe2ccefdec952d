"""A link that holds chosen requests on their way, as a slow radio link does: a TCP proxy
on 127.0.0.1 in front of a server on this machine.

A browser test holds one kind of request (say `GET /api/sync/pull`) until it releases
it, to act while the request is still on its way. Playwright's routing cannot be
trusted for this in an installed app: a request the service worker's fetch handler
lets through to the network was, once in CI, never shown to the route and went
straight to the server. A proxy sees every byte the browser sends, whatever path the
request took inside Chromium.

Requests are read by their HTTP/1.1 framing (a head, then `Content-Length` bytes of
body); a chunked request body ends the parsing of that connection (its bytes pass
untouched), which no request the app sends uses."""

from __future__ import annotations

import asyncio
from contextlib import suppress


class Hold:
    """Every request whose path starts with `path_prefix` (of `method`, or of any when
    None) waits here until `release()`."""

    def __init__(self, path_prefix: str, method: str | None = None) -> None:
        self.method = method.encode() if method else None
        self.path_prefix = path_prefix.encode()
        self.reached = asyncio.Event()
        self.released = asyncio.Event()

    def takes(self, request_line: bytes) -> bool:
        method, _, rest = request_line.partition(b" ")
        target = rest.split(b" ", 1)[0]
        return self.method in (None, method) and target.startswith(self.path_prefix)

    def release(self) -> None:
        self.released.set()


def _body_length(head: bytes) -> int | None:
    """The body's length; None when the body is chunked (its end is not parsed)."""
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"transfer-encoding" and b"chunked" in value.lower():
            return None
        if name == b"content-length":
            length = int(value.strip() or 0)
    return length


class HoldingLink:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._holds: list[Hold] = []
        self._server: asyncio.base_events.Server | None = None
        self._connections: set[asyncio.Task] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hold(self, path_prefix: str, method: str | None = None) -> Hold:
        hold = Hold(path_prefix, method)
        self._holds.append(hold)
        return hold

    async def start(self) -> HoldingLink:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for hold in self._holds:
            hold.release()
        for task in list(self._connections):
            task.cancel()
        for task in list(self._connections):
            with suppress(BaseException):
                await task

    async def __aenter__(self) -> HoldingLink:
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def _wait_if_held(self, head: bytes) -> None:
        request_line = head.split(b"\r\n", 1)[0]
        for hold in self._holds:
            if not hold.released.is_set() and hold.takes(request_line):
                hold.reached.set()
                await hold.released.wait()

    async def _connection(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            self._connections.discard(task)
            return

        async def client_to_server() -> None:
            pending = b""
            body_left: int | None = 0  # None: chunked, pass everything as it comes
            while data := await client_reader.read(64 * 1024):
                if body_left is None:
                    upstream_writer.write(data)
                    await upstream_writer.drain()
                    continue
                pending += data
                while pending:
                    if body_left:
                        part, pending = pending[:body_left], pending[body_left:]
                        body_left -= len(part)
                        upstream_writer.write(part)
                        continue
                    end = pending.find(b"\r\n\r\n")
                    if end < 0:
                        break  # the rest of the head is still to come
                    head, pending = pending[: end + 4], pending[end + 4 :]
                    await upstream_writer.drain()
                    await self._wait_if_held(head)
                    upstream_writer.write(head)
                    body_left = _body_length(head)
                    if body_left is None:
                        upstream_writer.write(pending)
                        pending = b""
                await upstream_writer.drain()

        async def server_to_client() -> None:
            while data := await upstream_reader.read(64 * 1024):
                client_writer.write(data)
                await client_writer.drain()

        pumps = [asyncio.create_task(client_to_server()), asyncio.create_task(server_to_client())]
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in pumps:
                pump.cancel()
            for pump in pumps:
                with suppress(BaseException):
                    await pump
            upstream_writer.close()
            client_writer.close()
            self._connections.discard(task)

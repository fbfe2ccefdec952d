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
    None) waits here until `release()`; only the first `times` such requests when given
    (a link that stalls once)."""

    def __init__(
        self, path_prefix: str, method: str | None = None, times: int | None = None
    ) -> None:
        self.method = method.encode() if method else None
        self.path_prefix = path_prefix.encode()
        self.times = times
        self.taken = 0
        self.reached = asyncio.Event()
        self.released = asyncio.Event()

    def takes(self, request_line: bytes) -> bool:
        method, _, rest = request_line.partition(b" ")
        target = rest.split(b" ", 1)[0]
        if self.released.is_set() or (self.times is not None and self.taken >= self.times):
            return False
        if self.method in (None, method) and target.startswith(self.path_prefix):
            self.taken += 1
            return True
        return False

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

    def hold(self, path_prefix: str, method: str | None = None, times: int | None = None) -> Hold:
        hold = Hold(path_prefix, method, times)
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

    async def wait_if_held(self, head: bytes) -> None:
        request_line = head.split(b"\r\n", 1)[0]
        for hold in self._holds:
            if hold.takes(request_line):
                hold.reached.set()
                await hold.released.wait()

    async def _connection(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        relay = _Relay(self, client_reader, client_writer)
        try:
            await relay.run()
        finally:
            self._connections.discard(task)


class _Relay:
    """One browser connection. The server closing its side is passed on to the browser,
    except while a request of this connection is held: the server then closed a
    connection idle behind the hold (uvicorn keeps one 5 s), and passing that on would
    have Chromium send the request again on a new connection, past the hold. The held
    request goes on a new connection to the server once released."""

    def __init__(
        self, link: HoldingLink, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.link = link
        self.client_reader = reader
        self.client_writer = writer
        self.upstream: asyncio.StreamWriter | None = None
        self.holding = False
        self.done = asyncio.Event()
        self.tasks: set[asyncio.Task] = set()

    async def run(self) -> None:
        reading = asyncio.create_task(self._client_to_server())
        self.tasks.add(reading)
        reading.add_done_callback(lambda _: self.done.set())
        try:
            await self.done.wait()
        finally:
            for t in list(self.tasks):
                t.cancel()
            for t in list(self.tasks):
                with suppress(BaseException):
                    await t
            if self.upstream is not None:
                self.upstream.close()
            self.client_writer.close()

    async def _send(self, data: bytes) -> None:
        if self.upstream is None or self.upstream.is_closing():
            reader, self.upstream = await asyncio.open_connection(*self.link.target)
            pump = asyncio.create_task(self._server_to_client(reader, self.upstream))
            self.tasks.add(pump)
        self.upstream.write(data)
        await self.upstream.drain()

    async def _server_to_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while data := await reader.read(64 * 1024):
                self.client_writer.write(data)
                await self.client_writer.drain()
        except ConnectionError:
            pass
        writer.close()
        if self.upstream is writer:
            self.upstream = None
            if not self.holding:
                self.done.set()

    async def _client_to_server(self) -> None:
        pending = b""
        body_left: int | None = 0  # None: chunked, pass everything as it comes
        while data := await self.client_reader.read(64 * 1024):
            if body_left is None:
                await self._send(data)
                continue
            pending += data
            while pending:
                if body_left:
                    part, pending = pending[:body_left], pending[body_left:]
                    body_left -= len(part)
                    await self._send(part)
                    continue
                end = pending.find(b"\r\n\r\n")
                if end < 0:
                    break  # the rest of the head is still to come
                head, pending = pending[: end + 4], pending[end + 4 :]
                self.holding = True
                try:
                    await self.link.wait_if_held(head)
                finally:
                    self.holding = False
                body_left = _body_length(head)
                if body_left is None:
                    head, pending = head + pending, b""
                await self._send(head)

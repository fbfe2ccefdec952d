"""A TCP proxy on 127.0.0.1 that cuts connections, as a 2G link does.

It forwards to a server on this machine, counts what clients send (request headers
and bodies apart, by reading the HTTP/1.1 framing), and at each cut point — a
number of client→server body bytes forwarded so far — delivers the bytes up to
that point, then drops both sides of the connection mid-request."""

from __future__ import annotations

import asyncio
from contextlib import suppress


class _RequestCounter:
    """Splits one connection's client bytes into header and body bytes."""

    def __init__(self, proxy: CuttingProxy) -> None:
        self.proxy = proxy
        self.buffer = b""
        self.body_left = 0

    def feed(self, data: bytes) -> None:
        while data:
            if self.body_left:
                take = min(self.body_left, len(data))
                self.proxy.body_bytes += take
                self.body_left -= take
                data = data[take:]
                continue
            self.buffer += data
            data = b""
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head, rest = self.buffer[: end + 4], self.buffer[end + 4 :]
            self.buffer = b""
            self.proxy.header_bytes += len(head)
            self.proxy.requests += 1
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    self.body_left = int(value.strip() or 0)
            data = rest


class CuttingProxy:
    def __init__(
        self, target_port: int, cut_at: list[int] | None = None, target_host: str = "127.0.0.1"
    ) -> None:
        self.target = (target_host, target_port)
        self.cut_at = sorted(cut_at or [])  # cumulative forwarded body bytes
        self.forwarded_body = 0
        self.body_bytes = 0  # body bytes clients sent (forwarded or dropped at a cut)
        self.header_bytes = 0
        self.requests = 0
        self.cuts = 0
        self.port = 0
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task] = set()
        self._stops: set[asyncio.Event] = set()

    async def start(self) -> CuttingProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for stop in list(self._stops):
            stop.set()  # each connection winds itself down
        for task in list(self._tasks):
            with suppress(BaseException):
                await task

    async def __aenter__(self) -> CuttingProxy:
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def _handle(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            self._tasks.discard(task)
            return
        counter = _RequestCounter(self)
        cut = asyncio.Event()  # set when either side is done
        self._stops.add(cut)
        dropped = False

        async def client_to_server() -> None:
            while not cut.is_set():
                data = await client_reader.read(16 * 1024)
                if not data:
                    break
                body_before = self.body_bytes
                counter.feed(data)
                body_in_data = self.body_bytes - body_before
                if (
                    self.cut_at
                    and body_in_data
                    and self.forwarded_body + body_in_data >= self.cut_at[0]
                ):
                    # Deliver the headers and the body up to the cut point, then drop.
                    keep_body = self.cut_at.pop(0) - self.forwarded_body
                    header_part = len(data) - body_in_data  # body bytes come last in a read
                    upstream_writer.write(data[: header_part + keep_body])
                    with suppress(ConnectionError):
                        await upstream_writer.drain()
                    self.forwarded_body += keep_body
                    self.cuts += 1
                    nonlocal dropped
                    dropped = True
                    cut.set()
                    break
                self.forwarded_body += body_in_data
                upstream_writer.write(data)
                await upstream_writer.drain()
            cut.set()

        async def server_to_client() -> None:
            while not cut.is_set():
                data = await upstream_reader.read(64 * 1024)
                if not data:
                    break
                client_writer.write(data)
                await client_writer.drain()
            cut.set()

        pumps = [asyncio.create_task(client_to_server()), asyncio.create_task(server_to_client())]
        try:
            await cut.wait()
        finally:
            for pump in pumps:
                pump.cancel()
            for pump in pumps:
                with suppress(BaseException):
                    await pump
            # The server gets what was delivered, then the end of the stream; the
            # client, cut mid-request, gets a reset.
            upstream_writer.close()
            if dropped:
                client_writer.transport.abort()
            else:
                client_writer.close()
            self._tasks.discard(task)
            self._stops.discard(cut)

"""A pass-through TCP proxy on 127.0.0.1 that reads the HTTP/1.1 it carries: each
request and its answer, with the bytes each took on the wire (head and body), the
answer's Content-Encoding, and when the request reached the server. It adds no delay;
put it between a shaped link and the server to see what crossed the link, resource by
resource (bench/first_visit.py).

Bytes are kept per connection and parsed once the connection ends (or on `exchanges()`),
so the tap never slows the stream; a few MB per benchmark run."""

from __future__ import annotations

import asyncio
import bisect
import gzip
import zlib
from contextlib import suppress
from dataclasses import dataclass, field


@dataclass
class Exchange:
    method: str
    target: str  # path and query, as requested
    headers: dict[str, str]  # the request's, names in lower case
    request_bytes: int  # head and body on the wire
    at: float  # seconds since the tap opened: the request's first byte reached the server
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    response_head_bytes: int = 0
    response_body_bytes: int = 0  # as sent: compressed and chunk-framed if so
    body: bytes = b""  # the body as sent, chunk framing removed (still compressed)
    done: bool = False  # the whole answer crossed
    connection: int = 0

    @property
    def encoding(self) -> str:
        return self.response_headers.get("content-encoding", "")

    @property
    def wire_bytes(self) -> int:
        return self.request_bytes + self.response_head_bytes + self.response_body_bytes

    def decoded(self) -> bytes:
        if self.encoding == "gzip":
            with suppress(OSError, EOFError, zlib.error):
                return gzip.decompress(self.body)
        return self.body


class _Stream:
    """One direction of a connection: its bytes and when each chunk arrived."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.offsets: list[int] = []
        self.times: list[float] = []

    def add(self, t: float, chunk: bytes) -> None:
        self.offsets.append(len(self.data))
        self.times.append(t)
        self.data += chunk

    def time_at(self, offset: int) -> float:
        return self.times[max(0, bisect.bisect_right(self.offsets, offset) - 1)]


def _head(data: bytearray, start: int) -> tuple[str, dict[str, str], int] | None:
    end = data.find(b"\r\n\r\n", start)
    if end < 0:
        return None
    lines = bytes(data[start:end]).decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return lines[0], headers, end + 4


def _body(data: bytearray, start: int, headers: dict[str, str]) -> tuple[bytes, int, bool]:
    """(the body without chunk framing, the offset after it, complete?)"""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        out = bytearray()
        pos = start
        while True:
            line_end = data.find(b"\r\n", pos)
            if line_end < 0:
                return bytes(out), len(data), False
            size = int(bytes(data[pos:line_end]).split(b";")[0], 16)
            pos = line_end + 2
            if size == 0:
                trailer_end = data.find(b"\r\n", pos)
                while trailer_end > pos:  # trailers, if any
                    pos = trailer_end + 2
                    trailer_end = data.find(b"\r\n", pos)
                if trailer_end < 0:
                    return bytes(out), len(data), False
                return bytes(out), trailer_end + 2, True
            if pos + size + 2 > len(data):
                out += data[pos:]
                return bytes(out), len(data), False
            out += data[pos : pos + size]
            pos += size + 2
    length = int(headers.get("content-length", "0") or 0)
    end = min(start + length, len(data))
    return bytes(data[start:end]), end, end - start == length


def parse(up: _Stream, down: _Stream, connection: int) -> list[Exchange]:
    """The exchanges of one connection, in order (HTTP/1.1, no pipelining)."""
    out: list[Exchange] = []
    pos = 0
    while True:
        head = _head(up.data, pos)
        if head is None:
            break
        line, headers, body_start = head
        method, target = [*line.split(" "), "", ""][:2]
        _, end, _ = _body(up.data, body_start, headers)
        out.append(
            Exchange(method, target, headers, end - pos, up.time_at(pos), connection=connection)
        )
        pos = end
    pos = 0
    for exchange in out:
        head = _head(down.data, pos)
        if head is None:
            break
        line, headers, body_start = head
        exchange.status = int(line.split(" ")[1])
        exchange.response_headers = headers
        exchange.response_head_bytes = body_start - pos
        if exchange.method == "HEAD" or exchange.status in (204, 304):
            body, end, complete = b"", body_start, True
        else:
            body, end, complete = _body(down.data, body_start, headers)
        exchange.body = body
        exchange.response_body_bytes = end - body_start
        exchange.done = complete
        pos = end
    return out


class HttpTap:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.base_events.Server | None = None
        self._streams: list[tuple[_Stream, _Stream]] = []
        self._tasks: set[asyncio.Task] = set()
        self._opened = 0.0

    async def __aenter__(self) -> HttpTap:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        self._opened = asyncio.get_running_loop().time()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with suppress(BaseException):
                await task

    def reset(self) -> None:
        """Forget what was seen so far (e.g. before the measured part of a run)."""
        self._streams.clear()
        self._opened = asyncio.get_running_loop().time()

    def exchanges(self) -> list[Exchange]:
        found = [parse(up, down, i) for i, (up, down) in enumerate(self._streams)]
        return sorted((e for c in found for e in c), key=lambda e: e.at)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        up, down = _Stream(), _Stream()
        self._streams.append((up, down))
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            self._tasks.discard(task)
            return
        loop = asyncio.get_running_loop()

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter, seen: _Stream):
            try:
                while chunk := await src.read(65536):
                    seen.add(loop.time() - self._opened, chunk)
                    dst.write(chunk)
                    await dst.drain()
            except ConnectionError:
                pass
            finally:
                with suppress(Exception):
                    dst.close()

        try:
            await asyncio.gather(pipe(reader, server_writer, up), pipe(server_reader, writer, down))
        finally:
            for w in (writer, server_writer):
                with suppress(Exception):
                    w.close()
            self._tasks.discard(task)

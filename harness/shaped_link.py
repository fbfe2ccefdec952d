"""A slow radio link between a client and a server on this machine: a userspace TCP
proxy on 127.0.0.1 (`tc netem` is not available on these kernels).

- Bandwidth: one airtime schedule shared by both directions and every connection,
  as a phone's radio is shared; bytes go through it in slices of about a packet, so
  a long upload does not hold back a small answer for more than a slice.
- Delay: each slice reaches the far side `one_way` seconds after it left (a delay
  line per direction: pacing one slice never waits for the delivery of another).
  Opening a connection costs one round trip (the TCP handshake).
- Cuts: after a random number of bytes on the air (drawn, seeded, from `cut_every`)
  the radio drops: every open connection is reset on both sides, and what was in
  flight is lost.

It counts the bytes that used airtime each way — what a real link would have
carried — and keeps a timeline of them for plots. Used by bench/slow_link.py and
tests/field/test_slow_link.py."""

from __future__ import annotations

import asyncio
import random
from contextlib import suppress
from dataclasses import dataclass, field

# About one packet's payload: the unit the airtime schedule interleaves.
SLICE = 1460


@dataclass(frozen=True)
class LinkProfile:
    name: str
    bits_per_second: float
    rtt: float  # seconds, round trip
    cut_every: tuple[int, int] | None = None  # bytes on the air between two drops

    @property
    def bytes_per_second(self) -> float:
        return self.bits_per_second / 8

    @property
    def one_way(self) -> float:
        return self.rtt / 2

    def describe(self) -> str:
        cuts = (
            f", a drop every {self.cut_every[0] // 1000}–{self.cut_every[1] // 1000} KB"
            if self.cut_every
            else ""
        )
        return f"{self.name}: {self.bits_per_second / 1000:g} kbit/s, {self.rtt * 1000:.0f} ms round trip{cuts}"


# The profiles of issue #8: a rural 2G (EDGE) cell that drops every few hundred KB,
# and an ordinary 3G one.
EDGE_2G = LinkProfile("2G", 50_000, 0.600, (150_000, 450_000))
UMTS_3G = LinkProfile("3G", 750_000, 0.200)
PROFILES = {p.name: p for p in (EDGE_2G, UMTS_3G)}
# No shaping to speak of: for setting up before the slow part, still counting bytes.
LOOPBACK = LinkProfile("loopback", 10_000_000_000, 0.0)


class _Airtime:
    """The radio's schedule: each slice reserves the next free interval of the
    link; both directions and all connections queue on the same clock."""

    def __init__(self, bytes_per_second: float) -> None:
        self.rate = bytes_per_second
        self.free_at = 0.0

    async def transmit(self, size: int) -> float:
        """Wait until `size` bytes have left; the time their last byte left."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        self.free_at = max(now, self.free_at) + size / self.rate
        leave = self.free_at
        if leave > now:
            await asyncio.sleep(leave - now)
        return leave


@dataclass
class LinkStats:
    up: int = 0  # client → server bytes on the air
    down: int = 0
    cuts: int = 0
    connections: int = 0
    # (seconds since the link opened, up, down), sampled as bytes go by.
    timeline: list[tuple[float, int, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.up + self.down


class _Connection:
    def __init__(self, client: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
        self.client_reader, self.client_writer = client
        self.server_writer: asyncio.StreamWriter | None = None
        self.tasks: list[asyncio.Task] = []
        self.done = asyncio.Event()

    def abort(self) -> None:
        """A radio drop: reset both sides; nothing in flight arrives."""
        self.client_writer.transport.abort()
        if self.server_writer is not None:
            self.server_writer.transport.abort()
        for task in self.tasks:
            task.cancel()
        self.done.set()


class ShapedLink:
    def __init__(
        self, profile: LinkProfile, target_port: int, seed: int = 8, target_host: str = "127.0.0.1"
    ) -> None:
        self.profile = profile
        self.target = (target_host, target_port)
        self.rng = random.Random(seed)
        self.stats = LinkStats()
        self.port = 0
        self._airtime = _Airtime(profile.bytes_per_second)
        self._next_cut = self._draw_cut(0)
        self._connections: set[_Connection] = set()
        self._handlers: set[asyncio.Task] = set()
        self._server: asyncio.base_events.Server | None = None
        self._opened = 0.0
        self._last_sample = -1.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _draw_cut(self, after: int) -> int | None:
        if self.profile.cut_every is None:
            return None
        low, high = self.profile.cut_every
        return after + self.rng.randint(low, high)

    async def start(self) -> ShapedLink:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        self._opened = asyncio.get_running_loop().time()
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for connection in list(self._connections):
            connection.abort()
        for task in list(self._handlers):
            with suppress(BaseException):
                await task

    async def __aenter__(self) -> ShapedLink:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def reshape(self, profile: LinkProfile) -> None:
        """Another radio from now on (e.g. loopback speed while the app installs, then
        3G for the sync): the rate, the delay and the drops change; the counts go on."""
        self.profile = profile
        self._airtime.rate = profile.bytes_per_second
        self._next_cut = self._draw_cut(self.stats.total)

    def elapsed(self) -> float:
        return asyncio.get_running_loop().time() - self._opened

    def drop(self) -> None:
        """Cut every open connection now (also called by the byte counter)."""
        self.stats.cuts += 1
        for connection in list(self._connections):
            connection.abort()

    def _count(self, upward: bool, size: int) -> None:
        if upward:
            self.stats.up += size
        else:
            self.stats.down += size
        now = self.elapsed()
        if now - self._last_sample >= 0.1:
            self._last_sample = now
            self.stats.timeline.append((now, self.stats.up, self.stats.down))
        if self._next_cut is not None and self.stats.total >= self._next_cut:
            self._next_cut = self._draw_cut(self.stats.total)
            self.drop()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        connection = _Connection((reader, writer))
        self._connections.add(connection)
        self.stats.connections += 1
        try:
            await asyncio.sleep(self.profile.rtt)  # SYN, SYN-ACK: the client's bytes wait meanwhile
            if connection.done.is_set():  # dropped during the handshake
                return
            try:
                server_reader, server_writer = await asyncio.open_connection(*self.target)
            except OSError:
                writer.transport.abort()
                return
            connection.server_writer = server_writer
            up_line: asyncio.Queue = asyncio.Queue()
            down_line: asyncio.Queue = asyncio.Queue()
            connection.tasks = [
                asyncio.create_task(self._pace(reader, up_line, True)),
                asyncio.create_task(self._deliver(up_line, server_writer, connection)),
                asyncio.create_task(self._pace(server_reader, down_line, False)),
                asyncio.create_task(self._deliver(down_line, writer, connection)),
            ]
            await connection.done.wait()
        finally:
            for t in connection.tasks:
                t.cancel()
            for t in connection.tasks:
                with suppress(BaseException):
                    await t
            for w in (writer, connection.server_writer):
                if w is not None:
                    w.close()
            self._connections.discard(connection)
            self._handlers.discard(task)

    async def _pace(self, source: asyncio.StreamReader, line: asyncio.Queue, upward: bool) -> None:
        """Read one side, put each slice on the air, hand it to the delay line."""
        while True:
            try:
                data = await source.read(SLICE * 8)
            except ConnectionError:
                data = b""
            if not data:
                line.put_nowait((None, None))  # the end of the stream follows the last byte
                return
            for start in range(0, len(data), SLICE):
                piece = data[start : start + SLICE]
                left = await self._airtime.transmit(len(piece))
                line.put_nowait((left + self.profile.one_way, piece))
                self._count(upward, len(piece))

    async def _deliver(
        self, line: asyncio.Queue, sink: asyncio.StreamWriter, connection: _Connection
    ) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                arrive, piece = await line.get()
                if piece is None:
                    break
                wait = arrive - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                sink.write(piece)
                await sink.drain()
        except ConnectionError:
            pass
        # One side finished or broke: the connection ends (HTTP/1.1 clients never
        # half-close), after that side's last bytes crossed.
        connection.done.set()

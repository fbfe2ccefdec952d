"""A TCP relay between a client and PostgreSQL that reads what the client sends and
counts its round trips: the messages after which a client waits for the server
(Sync, Flush, and a simple Query). Byte-for-byte what passes; nothing is changed but
the answer to a TLS request (no: the relay reads the protocol in the clear)."""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass, field

_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104
# A client waits for the server after these: Sync (ReadyForQuery follows), Flush
# (after Parse/Describe: asyncpg waits for the description), a simple Query.
_WAITS = {b"S", b"H", b"Q"}


@dataclass
class WireConnection:
    """What one client connection sent: each message's type and, for a Query or a
    Parse, its SQL text."""

    messages: list[tuple[str, str]] = field(default_factory=list)

    def trips(self, start: int = 0) -> int:
        return sum(1 for kind, _ in self.messages[start:] if kind.encode() in _WAITS)

    def statements(self, start: int = 0) -> list[str]:
        return [text for kind, text in self.messages[start:] if kind in ("Q", "P")]


class CountingRelay:
    def __init__(self, host: str = "127.0.0.1", port: int = 5432) -> None:
        self.target = (host, port)
        self.connections: list[WireConnection] = []
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()

    def mark(self) -> list[int]:
        """Where each connection's record is now: trips after a mark are counted."""
        return [len(c.messages) for c in self.connections]

    def since(self, marks: list[int]) -> list[tuple[WireConnection, int]]:
        padded = marks + [0] * (len(self.connections) - len(marks))
        return list(zip(self.connections, padded, strict=True))

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        record = WireConnection()
        self.connections.append(record)
        server_r, server_w = await asyncio.open_connection(*self.target)
        try:
            # Startup: length-prefixed, no type byte; refuse TLS and GSS encryption.
            while True:
                head = await client_r.readexactly(8)
                length, code = struct.unpack("!ii", head)
                rest = await client_r.readexactly(length - 8)
                if code in (_SSL_REQUEST, _GSSENC_REQUEST):
                    client_w.write(b"N")
                    await client_w.drain()
                    continue
                server_w.write(head + rest)
                break
            back = asyncio.create_task(_pipe(server_r, client_w))
            self._tasks.add(back)
            while True:
                kind = await client_r.readexactly(1)
                (length,) = struct.unpack("!i", await client_r.readexactly(4))
                body = await client_r.readexactly(length - 4)
                record.messages.append((kind.decode(), _sql_of(kind, body)))
                server_w.write(kind + struct.pack("!i", length) + body)
                if kind in _WAITS:
                    await server_w.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            server_w.close()
            client_w.close()


def _sql_of(kind: bytes, body: bytes) -> str:
    if kind == b"Q":
        return body.rstrip(b"\0").decode()
    if kind == b"P":
        _name, _, rest = body.partition(b"\0")
        return rest.partition(b"\0")[0].decode()
    return ""


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()

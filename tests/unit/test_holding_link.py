"""The browser tests' holding link (harness/holding_link.py) holds only what it is told
to, keeps the requests of a kept-alive connection in order, and lets held requests go
on release, bodies intact."""

from __future__ import annotations

import asyncio

import httpx

from harness.holding_link import HoldingLink


async def _echo_server(
    keep_idle: float | None = None,
) -> tuple[asyncio.base_events.Server, list[str]]:
    """An HTTP/1.1 server answering each request with its method, path and body; it
    closes a connection idle for `keep_idle` seconds, as uvicorn does after 5."""
    seen: list[str] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), keep_idle)
            except (TimeoutError, asyncio.IncompleteReadError):
                writer.close()
                return
            lines = head.decode().split("\r\n")
            length = next(
                (
                    int(v)
                    for n, _, v in (x.partition(":") for x in lines)
                    if n.lower() == "content-length"
                ),
                0,
            )
            body = (await reader.readexactly(length)).decode() if length else ""
            answer = f"{lines[0].rsplit(' ', 1)[0]} {body}".encode()
            seen.append(answer.decode())
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer))
            await writer.drain()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, seen


async def test_a_held_request_waits_for_release_and_others_pass() -> None:
    server, seen = await _echo_server()
    port = server.sockets[0].getsockname()[1]
    async with HoldingLink(port) as link, httpx.AsyncClient(base_url=link.url) as client:
        pull = link.hold("/api/sync/pull", "GET")
        held = asyncio.create_task(client.get("/api/sync/pull?cursor=1"))
        await asyncio.wait_for(pull.reached.wait(), 5)
        # Another method on the same path, and another path, are not held.
        assert (await client.post("/api/sync/pull", content="x")).text == "POST /api/sync/pull x"
        assert (await client.get("/api/me")).text == "GET /api/me "
        await asyncio.sleep(0.2)
        assert not held.done() and "GET /api/sync/pull?cursor=1 " not in seen

        pull.release()
        assert (await asyncio.wait_for(held, 5)).text == "GET /api/sync/pull?cursor=1 "
        # Released: the same request goes straight through from now on.
        assert (await client.get("/api/sync/pull")).status_code == 200
    server.close()


async def test_requests_after_a_body_on_one_connection_are_read_in_turn() -> None:
    server, seen = await _echo_server()
    port = server.sockets[0].getsockname()[1]
    async with HoldingLink(port) as link, httpx.AsyncClient(base_url=link.url) as client:
        push = link.hold("/api/sync/push")
        body = "ệ" * 40_000  # past one read of the proxy
        assert (await client.post("/api/other", content=body)).text == f"POST /api/other {body}"
        held = asyncio.create_task(client.post("/api/sync/push", content="later"))
        await asyncio.wait_for(push.reached.wait(), 5)
        assert seen == [f"POST /api/other {body}"]
        push.release()
        assert (await held).text == "POST /api/sync/push later"
    server.close()


async def test_a_link_that_stalls_once_lets_the_next_one_through() -> None:
    server, _seen = await _echo_server()
    port = server.sockets[0].getsockname()[1]
    async with HoldingLink(port) as link, httpx.AsyncClient(base_url=link.url) as client:
        push = link.hold("/api/sync/push", "POST", times=1)
        first = asyncio.create_task(client.post("/api/sync/push", content="1"))
        await asyncio.wait_for(push.reached.wait(), 5)
        # The first is still held; the next one (on another connection) goes through.
        assert (await client.post("/api/sync/push", content="2")).text == "POST /api/sync/push 2"
        assert not first.done()
        push.release()
        assert (await first).text == "POST /api/sync/push 1"
    server.close()


async def test_a_hold_longer_than_the_server_keeps_an_idle_connection_still_holds() -> None:
    """The server closes the idle connection behind a held request; the browser's
    connection stays, and the request goes on a new one when released, sent once."""
    server, seen = await _echo_server(keep_idle=0.2)
    port = server.sockets[0].getsockname()[1]
    async with HoldingLink(port) as link, httpx.AsyncClient(base_url=link.url) as client:
        assert (await client.get("/api/me")).status_code == 200
        push = link.hold("/api/sync/push", "POST", times=1)
        held = asyncio.create_task(client.post("/api/sync/push", content="once"))
        await asyncio.wait_for(push.reached.wait(), 5)
        await asyncio.sleep(0.6)  # the server has closed its side meanwhile
        assert not held.done()
        push.release()
        assert (await held).text == "POST /api/sync/push once"
        assert seen.count("POST /api/sync/push once") == 1
    server.close()

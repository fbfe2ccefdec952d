"""Slow links (issue #8), CI-sized: an outreach phone syncs its day through the shaped
link (harness/shaped_link.py) with a drop every few dozen KB, and everything
arrives exactly once: each dossier submitted with its reserved code, each photo
stored whole under its hash, one applied mutation per seq. Bytes, not seconds, are
checked: what crossed the link beyond the payload stays within what the drops can
explain. The timing against the physical floor is bench/slow_link.py's job.

Also the link itself, with an echo server: exact byte counts each way, and a drop
at the seeded point that loses what was in flight."""

from __future__ import annotations

import asyncio
import hashlib
from contextlib import aclosing

import pytest

from harness.outreach_day import OutreachDevice, record_day
from harness.shaped_link import SLICE, LinkProfile, ShapedLink
from server.attachments.tables import Blob, Upload
from server.dossiers.tables import AppliedMutation, CodeReservation, Dossier, DossierHistory
from sync.states import State
from tests.attachments.conftest import serve
from tests.sync.conftest import app, device_for, make_account  # noqa: F401  (fixtures)

# Fast enough for CI (8 Mbit/s, 20 ms), dropping every 40–90 KB: a day of 3 births
# and 6 photos of ~60 KB crosses about 400 KB, so it is cut several times.
FLAKY = LinkProfile("flaky", 8_000_000, 0.020, (40_000, 90_000))
BIRTHS, PHOTOS, PHOTO_BYTES = 3, 6, 60_000


async def test_an_outreach_day_survives_drops_exactly_once(app) -> None:  # noqa: F811
    server, task, port = await serve(app)
    try:
        phone = await device_for(app, await make_account("outreach", "00070"))
        async with aclosing(phone.http):
            credential = phone.auth["Authorization"].removeprefix("Device ")
            device = OutreachDevice(f"http://127.0.0.1:{port}", credential, phone.device_id)
            codes = await device.reserve(BIRTHS)
            day = record_day(codes, BIRTHS, PHOTOS, PHOTO_BYTES, seed=3)
            async with ShapedLink(FLAKY, port, seed=11) as link:
                result = await device.sync(day, link.url)

            # The link really dropped, and every drop broke a request that was then sent again.
            stats = link.stats
            print(
                f"drops {stats.cuts}, upload resumes {result.upload_resumes}, other retries {result.retries}, "
                f"up {stats.up:,} B, down {stats.down:,} B, payload {result.payload_bytes:,} B"
            )
            assert stats.cuts >= 3
            assert result.upload_resumes + result.retries >= stats.cuts

            # Exactly once: one applied row per seq, every outcome applied.
            assert sorted(result.outcomes) == list(range(1, device.seq + 1))
            assert [o for o in result.outcomes.values() if o["status"] != "applied"] == []
            rows = (
                await AppliedMutation.select(AppliedMutation.seq)
                .where(AppliedMutation.device_id == phone.device_id)
                .order_by(AppliedMutation.seq)
            )
            assert [r["seq"] for r in rows] == list(range(1, device.seq + 1))

            # Each birth submitted once, with its reserved code, its photos attached.
            for birth in day:
                row = await Dossier.select().where(Dossier.id == birth.dossier_id).first()
                assert (row["state"], row["code"], row["version"]) == (
                    State.SUBMITTED,
                    birth.code,
                    2 + len(birth.photos),
                )
                actions = [
                    h["action"]
                    for h in await DossierHistory.select(DossierHistory.action).where(
                        DossierHistory.dossier_id == birth.dossier_id
                    )
                ]
                assert actions.count("submit") == 1 and actions.count("attach") == len(birth.photos)
                bound = (
                    await CodeReservation.select(CodeReservation.dossier_id)
                    .where(CodeReservation.code == birth.code)
                    .first()
                )
                assert bound["dossier_id"] == birth.dossier_id
                code = next(
                    o["code"]
                    for o in result.outcomes.values()
                    if o["dossier_id"] == str(birth.dossier_id)
                    and o.get("state") == State.SUBMITTED
                )
                assert code == birth.code

            # Each photo stored whole, under its hash, by one completed upload.
            photos = [p for b in day for p in b.photos]
            for p in photos:
                blob = await Blob.select().where(Blob.sha256 == p.sha256).first()
                assert (blob["size"], blob["media_type"]) == (len(p.data), "image/jpeg")
                r = await phone.http.get(f"/api/blobs/{p.sha256}", headers=phone.auth)
                assert r.status_code == 200 and hashlib.sha256(r.content).hexdigest() == p.sha256
                assert (
                    await Upload.count().where(
                        (Upload.sha256 == p.sha256) & Upload.completed_at.is_not_null()
                    )
                    == 1
                )

            # Bytes: everything crossed; beyond the payload, only what the drops and the
            # requests explain — at most each in-flight upload's PATCH and one push batch
            # lost per drop, and under 1.5 KB of headers and answers per request.
            requests = result.upload_requests + result.pushes + result.retries + 1
            largest = max(len(p.data) for p in photos)
            assert stats.up >= result.payload_bytes - result.record_bytes
            lost_per_drop = device.parallel_uploads * largest + 64_000
            assert (
                stats.total - result.payload_bytes <= stats.cuts * lost_per_drop + requests * 1_500
            )
            assert stats.down <= requests * 1_500
    finally:
        server.should_exit = True
        await task


_echoed: list[int] = []  # sizes of what the echo server received


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            _echoed.append(len(data))
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


@pytest.mark.parametrize("size", [1, SLICE + 7, 50_000])
async def test_the_link_counts_every_byte_each_way(size: int) -> None:
    _echoed.clear()
    echo = await asyncio.start_server(_echo, "127.0.0.1", 0)
    port = echo.sockets[0].getsockname()[1]
    try:
        async with ShapedLink(LinkProfile("fast", 80_000_000, 0.002), port) as link:
            reader, writer = await asyncio.open_connection("127.0.0.1", link.port)
            writer.write(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
            back = await reader.readexactly(size)
            writer.close()
        assert len(back) == size
        assert (link.stats.up, link.stats.down, link.stats.cuts, link.stats.connections) == (
            size,
            size,
            0,
            1,
        )
    finally:
        echo.close()


async def test_a_drop_cuts_every_connection_and_loses_what_was_in_flight() -> None:
    _echoed.clear()
    echo = await asyncio.start_server(_echo, "127.0.0.1", 0)
    port = echo.sockets[0].getsockname()[1]
    try:
        async with ShapedLink(
            LinkProfile("drops", 80_000_000, 0.002, (30_000, 30_000)), port
        ) as link:
            reader, writer = await asyncio.open_connection("127.0.0.1", link.port)
            writer.write(b"z" * 100_000)
            got = b""
            with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
                while True:
                    data = await reader.read(65536)
                    if not data:
                        raise asyncio.IncompleteReadError(got, None)
                    got += data
            writer.close()
        assert link.stats.cuts == 1
        # The drop came when 30,000 bytes had used airtime, both ways together: no more
        # reached the echo server, and less came back.
        assert link.stats.total <= 30_000 + SLICE
        assert sum(_echoed) <= 30_000 and len(got) < sum(_echoed) + 1
    finally:
        echo.close()


async def test_a_stale_patch_is_refused_without_its_body_crossing_the_link(app) -> None:  # noqa: F811
    """A browser re-sends a cut PATCH whole from its old offset; the server refuses it
    at once (409) and closes, so the rest of the chunk does not cross the radio for
    nothing (kept alive, the connection used to carry all of it)."""
    import base64

    import httpx

    from harness.outreach_day import photo

    server, task, port = await serve(app)
    try:
        phone = await device_for(app, await make_account("citizen"))
        async with aclosing(phone.http):
            data = photo(250_000, seed=5)
            sha = hashlib.sha256(data).hexdigest()
            tus = {"Tus-Resumable": "1.0.0"}
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", headers=phone.auth
            ) as http:
                r = await http.post(
                    "/api/uploads",
                    headers={
                        **tus,
                        "Upload-Length": str(len(data)),
                        "Upload-Metadata": f"sha256 {base64.b64encode(sha.encode()).decode()}",
                    },
                )
                url = r.headers["location"]
                r = await http.patch(
                    url,
                    content=data[:10_000],
                    headers={
                        **tus,
                        "Upload-Offset": "0",
                        "Content-Type": "application/offset+octet-stream",
                    },
                )
                assert r.status_code == 204
            async with ShapedLink(LinkProfile("3G-ish", 800_000, 0.050), port) as link:
                reader, writer = await asyncio.open_connection("127.0.0.1", link.port)
                writer.write(
                    (
                        f"PATCH {url} HTTP/1.1\r\nHost: motcua\r\n"
                        f"Authorization: {phone.auth['Authorization']}\r\nTus-Resumable: 1.0.0\r\n"
                        f"Upload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
                        f"Content-Length: {len(data)}\r\n\r\n"
                    ).encode()
                    + data
                )
                try:
                    # To the end: the server closes (kept alive, this would wait for ever).
                    answer = await asyncio.wait_for(reader.read(), 20)
                except ConnectionResetError:
                    # Closing with the body unread resets the connection, which may
                    # overtake the 409 itself: the client resumes with HEAD either way.
                    answer = b""
                writer.close()
            if answer:
                head = answer.split(b"\r\n\r\n")[0].decode().lower()
                assert head.startswith("http/1.1 409") and "connection: close" in head
            # 250 KB at 100 KB/s would take 2.5 s; the refusal comes after one round trip.
            assert link.stats.up < len(data) // 2
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", headers=phone.auth
            ) as http:
                r = await http.head(url, headers=tus)
                assert r.headers["upload-offset"] == "10000"
    finally:
        server.should_exit = True
        await task

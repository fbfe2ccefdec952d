"""An upload under way when the backup was taken, after a restore: its bytes and its
offset live in one database, so the restored pair agrees. HEAD reports the backup's
offset, the phone sends again from there, and the file is whole."""

from __future__ import annotations

from pathlib import Path

from harness import samples
from harness.tus_client import TusClient, metadata
from server.settings import Settings
from tests.recovery import snapshots
from tests.recovery.test_put_back import engine, serving  # noqa: F401  (engine: a fixture)
from tests.sync.conftest import device_for, make_account

OFFSET = "application/offset+octet-stream"


async def test_an_upload_under_way_at_the_backup_resumes_from_the_backups_offset(
    settings: Settings, tmp_path: Path
) -> None:
    data = samples.jpeg(seed=83)
    third = len(data) // 3
    async with serving(settings) as app:
        phone = await device_for(app, await make_account("citizen"))
        tus = TusClient(phone.http, phone.auth)
        headers = tus.headers
        r = await phone.http.post(
            tus.endpoint,
            headers={
                **headers,
                "Upload-Length": str(len(data)),
                "Upload-Metadata": metadata({"sha256": samples.sha(data), "filename": "a.jpg"}),
            },
        )
        assert r.status_code == 201, r.text
        url = r.headers["location"]

        async def patch(offset: int, end: int) -> int:
            r = await phone.http.patch(
                url,
                content=data[offset:end],
                headers={**headers, "Upload-Offset": str(offset), "Content-Type": OFFSET},
            )
            return r.status_code

        assert await patch(0, third) == 204
        copy = await snapshots.take(settings, tmp_path / "backup")
        assert await patch(third, 2 * third) == 204  # after the backup: lost by the restore
    await snapshots.put_back(settings, copy, declare=True)

    async with serving(settings, phone):
        head = await phone.http.head(url, headers=headers)
        assert head.status_code == 200, head.text
        assert int(head.headers["upload-offset"]) == third
        assert await patch(third, 2 * third) == 204
        assert await patch(2 * third, len(data)) == 204
        stored = await phone.http.get(f"/api/blobs/{samples.sha(data)}", headers=phone.auth)
        assert stored.status_code == 200 and stored.content == data

"""Refusals the hostile corpus (tests/hostile/corpus/uploads) found unclear: a header
at fault is named in the problem's errors, and a creation whose body has the wrong
Content-Type is refused before any upload is made (the refusal has no Location, so
an upload made first could never be resumed or cleaned up by the client)."""

from __future__ import annotations

from harness import samples
from harness.sync_client import SyncDevice
from harness.tus_client import TUS, metadata
from server.attachments.tables import Upload


async def test_header_problems_name_the_header(citizen: SyncDevice) -> None:
    h = {**citizen.auth, **TUS}
    r = await citizen.http.post("/api/uploads", headers={**h, "Upload-Length": "10"})
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["path"] for e in r.json()["errors"]] == ["Upload-Metadata"]
    r = await citizen.http.post(
        "/api/uploads",
        headers={**h, "Upload-Length": "10", "Upload-Metadata": metadata({"sha256": "z" * 64})},
    )
    assert r.status_code == 400 and [e["path"] for e in r.json()["errors"]] == ["Upload-Metadata"]
    r = await citizen.http.post(
        "/api/uploads",
        headers={
            **h,
            "Upload-Defer-Length": "1",
            "Upload-Metadata": metadata({"sha256": "0" * 64}),
        },
    )
    assert r.status_code == 400 and [e["path"] for e in r.json()["errors"]] == [
        "Upload-Defer-Length"
    ]


async def test_creation_with_a_body_of_the_wrong_type_makes_no_upload(citizen: SyncDevice) -> None:
    data = samples.pdf(2000)
    before = await Upload.count()
    r = await citizen.http.post(
        "/api/uploads",
        content=data,
        headers={
            **citizen.auth,
            **TUS,
            "Upload-Length": str(len(data)),
            "Content-Type": "application/json",
            "Upload-Metadata": metadata({"sha256": samples.sha(data)}),
        },
    )
    assert r.status_code == 415, r.text
    assert "location" not in r.headers
    assert await Upload.count() == before
    # Without a body (no Content-Type) the creation is the plain tus one, as before.
    r = await citizen.http.post(
        "/api/uploads",
        headers={
            **citizen.auth,
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": metadata({"sha256": samples.sha(data)}),
        },
    )
    assert r.status_code == 201 and await Upload.count() == before + 1

"""Fuzz corpus: every file under corpus/push and corpus/uploads, replayed against the
app with a real device credential, gets a 4xx RFC 9457 problem that names what is
wrong (never a 5xx), and nothing is stored. Then a hypothesis-driven mutator flips,
drops and truncates bytes of valid push envelopes (JSON and MessagePack): no answer
is a 5xx, and a refused envelope stores nothing. An input that breaks the rules is
saved into the corpus, so it is replayed from then on.

corpus/push: the file is the body; `.json` and `.bin` go as application/json,
`.msgpack` as application/x-msgpack, `.txt` as text/plain. The device id
d0d0d0d0-0000-4000-8000-000000000000 is replaced by the device's own (same length,
so MessagePack framing holds), so the envelope gets past the device check to what
is wrong with it.
corpus/uploads: one JSON request each (method, path, headers, body); "setup":
"upload" first creates a valid upload and sends the request to its Location.
corpus/push-rejected: push bodies whose envelope is sound but whose every mutation
carries a payload no column can hold (NUL, an integer past 64 bits, deep nesting):
answered 200 with each mutation rejected (`invalid_payload`), no dossier stored, so
a phone's queue moves on. Each goes from a new device (seq 1 again).
corpus/requests: one JSON request each (method, path, headers, body) to any other
endpoint, sent "as" anonymous, citizen, desk (a signed-in session), device or
outreach-device (a device credential)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing
from pathlib import Path

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.devices import register_device
from harness.sync_client import (
    SyncDevice,
    _register_fake_blobs,
    birth_answers,
    fake_sha256,
    uuid7,
)
from server.attachments.tables import Blob, BlobUploader, Upload
from server.clock import vn_today
from server.dossiers.tables import (
    AppliedMutation,
    ChangeFeed,
    DeviceSequence,
    Dossier,
    DossierHistory,
)
from tests.support.demo_accounts import client_for, signed_in
from tests.sync.conftest import app, device_for, make_account  # noqa: F401  (app: a fixture)

CORPUS = Path(__file__).parent / "corpus"
PLACEHOLDER = b"d0d0d0d0-0000-4000-8000-000000000000"
CONTENT_TYPES = {
    ".json": "application/json",
    ".bin": "application/json",
    ".msgpack": "application/x-msgpack",
    ".txt": "text/plain",
}
SAMPLE = b"%PDF-1.4\n" + b"0" * 1000  # the corpus' setup upload (1,009 bytes)
MUTATED_EXAMPLES = 150


@pytest.fixture
async def device(app) -> AsyncIterator[SyncDevice]:
    device = await device_for(app, await make_account("citizen"))
    async with aclosing(device.http):
        yield device


async def stored() -> tuple[int, ...]:
    return (
        await AppliedMutation.count(),
        await Dossier.count(),
        await DeviceSequence.count(),
        await DossierHistory.count(),
        await ChangeFeed.count(),
    )


async def stored_uploads() -> tuple:
    rows = await Upload.select(Upload.id, Upload.received, Upload.completed_at).order_by(Upload.id)
    return (
        tuple((r["id"], r["received"], r["completed_at"]) for r in rows),
        await Blob.count(),
        await BlobUploader.count(),
    )


def problem_fault(r: httpx.Response) -> str | None:
    """What is wrong with a refusal, or None for a proper 4xx problem."""
    if not 400 <= r.status_code < 500:
        return f"status {r.status_code}: {r.text[:300]}"
    if not r.headers.get("content-type", "").startswith("application/problem+json"):
        return f"{r.status_code} as {r.headers.get('content-type')!r}: {r.text[:200]}"
    body = r.json()
    if body.get("status") != r.status_code or not str(body.get("type", "")).startswith(
        "/problems/"
    ):
        return f"a problem without its type or status: {body}"
    if r.status_code in (400, 422) and not [
        e.get("path") for e in body.get("errors") or [] if e.get("path")
    ]:
        return f"{r.status_code} without the path of what is wrong: {body}"
    return None


def corpus_files(kind: str) -> list[Path]:
    return sorted(
        p for p in (CORPUS / kind).iterdir() if p.is_file() and not p.name.startswith(".")
    )


async def push_raw(device: SyncDevice, body: bytes, content_type: str) -> httpx.Response:
    return await device.http.post(
        "/api/sync/push", content=body, headers={**device.auth, "Content-Type": content_type}
    )


async def test_every_push_corpus_entry_is_refused_with_a_problem(device: SyncDevice) -> None:
    files = corpus_files("push")
    assert len(files) >= 40
    before = await stored()
    faults = []
    for path in files:
        body = path.read_bytes().replace(PLACEHOLDER, str(device.device_id).encode())
        r = await push_raw(device, body, CONTENT_TYPES.get(path.suffix, "application/json"))
        fault = problem_fault(r)
        if fault:
            faults.append(f"{path.name}: {fault}")
    assert not faults, "\n".join(faults)
    assert await stored() == before


async def _new_upload(device: SyncDevice) -> str:
    import base64

    digest = base64.b64encode(hashlib.sha256(SAMPLE).hexdigest().encode()).decode()
    r = await device.http.post(
        "/api/uploads",
        headers={
            **device.auth,
            "Tus-Resumable": "1.0.0",
            "Upload-Length": str(len(SAMPLE)),
            "Upload-Metadata": f"sha256 {digest}",
        },
    )
    assert r.status_code == 201, r.text
    return r.headers["Location"]


def upload_change(before: tuple, after: tuple, r: httpx.Response) -> str | None:
    """What the refused request stored, or None. A creation refused for its body may
    leave the (empty) upload behind only when the answer names it in Location, for
    the client to resume (tus creation-with-upload)."""
    if before[1:] != after[1:]:
        return "a blob changed"
    old, new = {i: (n, c) for i, n, c in before[0]}, {i: (n, c) for i, n, c in after[0]}
    if any(new.get(i) != v for i, v in old.items()):
        return "an upload's offset changed"
    for upload_id in set(new) - set(old):
        if new[upload_id][0] != 0 or not r.headers.get("location", "").endswith(upload_id):
            return f"upload {upload_id} was made and not handed back in Location"
    return None


async def test_every_upload_corpus_entry_is_refused_with_a_problem(device: SyncDevice) -> None:
    files = corpus_files("uploads")
    assert len(files) >= 30
    faults = []
    for path in files:
        entry = json.loads(path.read_text())
        request = entry["request"]
        location = await _new_upload(device) if entry.get("setup") == "upload" else ""
        before = await stored_uploads()
        # Header values as raw UTF-8 bytes: a hostile client is not bound to ASCII.
        headers = {k: v.encode() for k, v in {**device.auth, **request.get("headers", {})}.items()}
        r = await device.http.request(
            request["method"],
            request["path"].replace("{upload}", location),
            headers=headers,
            content=request.get("body", "").encode(),
        )
        fault = problem_fault(r)
        if fault:
            faults.append(f"{path.name}: {fault}")
        elif change := upload_change(before, await stored_uploads(), r):
            faults.append(f"{path.name}: {r.status_code}, yet {change}")
    assert not faults, "\n".join(faults)


async def test_every_rejected_push_corpus_entry_rejects_its_mutations_only(app) -> None:
    files = corpus_files("push-rejected")
    assert len(files) >= 10
    citizen, _, _ = await signed_in(app, "citizen")
    faults = []
    for path in files:
        device = await new_device(app, citizen)
        async with aclosing(device.http):
            before = await stored()
            body = path.read_bytes().replace(PLACEHOLDER, str(device.device_id).encode())
            r = await push_raw(device, body, CONTENT_TYPES.get(path.suffix, "application/json"))
            if r.status_code != 200:
                faults.append(f"{path.name}: status {r.status_code}: {r.text[:300]}")
                continue
            decode = msgspec.msgpack.decode if path.suffix == ".msgpack" else msgspec.json.decode
            outcomes = decode(r.content)["outcomes"]
            reasons = {
                (o["status"], o["reasons"][0]["code"] if o.get("reasons") else None)
                for o in outcomes
            }
            if not outcomes or reasons != {("rejected", "invalid_payload")}:
                faults.append(f"{path.name}: {outcomes}")
            # The outcomes are recorded (a resend is answered the same); nothing else is.
            after = await stored()
            if (after[1], after[3], after[4]) != (before[1], before[3], before[4]):
                faults.append(f"{path.name}: a dossier was stored")
    await citizen.aclose()
    assert not faults, "\n".join(faults)


async def new_device(app, session: httpx.AsyncClient) -> SyncDevice:
    """Another install of the signed-in account (one sign-in, not one per device)."""
    device_id, credential = await register_device(session, session.headers["X-CSRF-Token"])
    return SyncDevice(client_for(app), credential, device_id)


async def _caller(app, who: str, device: SyncDevice) -> tuple[httpx.AsyncClient, dict[str, str]]:
    """A client and its credentials for a `requests` entry; the caller closes the client."""
    if who in ("citizen", "desk"):
        client, _, _ = await signed_in(app, who)
        return client, {}
    if who == "device":
        return client_for(app), device.auth
    if who == "outreach-device":
        outreach = await device_for(app, await make_account("outreach", "00070"))
        return outreach.http, outreach.auth
    return client_for(app), {}


async def test_every_request_corpus_entry_is_refused_with_a_problem(
    app, device: SyncDevice
) -> None:
    files = corpus_files("requests")
    assert len(files) >= 20
    before = await stored()
    faults = []
    for path in files:
        entry = json.loads(path.read_text())
        request = entry["request"]
        client, auth = await _caller(app, entry.get("as", "anonymous"), device)
        async with aclosing(client):
            headers = {k: v.encode() for k, v in {**auth, **request.get("headers", {})}.items()}
            # The path as written: %00 and the like reach the server undecoded.
            url = httpx.URL(
                request["path"].split("?")[0], query=request["path"].partition("?")[2].encode()
            )
            r = await client.request(
                request["method"],
                url,
                headers=headers,
                content=request["body"].encode() if "body" in request else None,
            )
        fault = problem_fault(r)
        if fault:
            faults.append(f"{path.name}: {fault}")
    assert not faults, "\n".join(faults)
    assert await stored() == before


# -- the mutator --------------------------------------------------------------------


def valid_envelope(device: SyncDevice, seq0: int) -> dict:
    dossier = uuid7()
    answers = birth_answers(vn_today())
    return {
        "device_id": str(device.device_id),
        "mutations": [
            {
                "seq": seq0,
                "id": str(uuid7()),
                "dossier_id": str(dossier),
                "kind": "create_draft",
                "payload": {"procedure_code": "khai-sinh", "fields": answers},
                "base_version": 0,
            },
            {
                "seq": seq0 + 1,
                "id": str(uuid7()),
                "dossier_id": str(dossier),
                "kind": "attach",
                "payload": {
                    "path": "attachments.birth_certificate",
                    "sha256": fake_sha256("mutator"),
                },
                "base_version": 1,
            },
            {
                "seq": seq0 + 2,
                "id": str(uuid7()),
                "dossier_id": str(dossier),
                "kind": "submit",
                "payload": {},
                "base_version": 2,
            },
        ],
    }


@st.composite
def damage(draw, data: bytes) -> bytes:
    """A few byte flips, byte drops, insertions of a structural byte, or a cut."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        if not out:
            break
        # Positions drawn independently of the length (which varies run to run with the
        # ids), then folded in: hypothesis needs the same draws to replay an example.
        at = draw(st.integers(0, 2**20)) % len(out)
        how = draw(st.sampled_from(["flip", "drop", "insert", "truncate"]))
        if how == "flip":
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif how == "drop":
            del out[at]
        elif how == "insert":
            out[at:at] = draw(
                st.sampled_from(
                    [
                        b"{",
                        b"}",
                        b"[",
                        b"]",
                        b'"',
                        b",",
                        b":",
                        b"\\",
                        b"\xff",
                        b"\xc1",
                        b"\xdd",
                        b"\xcf",
                        b"-",
                        b"9" * 20,
                    ]
                )
            )
        else:
            del out[at:]
    return bytes(out)


def save_failure(body: bytes, suffix: str) -> Path:
    path = CORPUS / "push" / f"found-{hashlib.sha256(body).hexdigest()[:12]}{suffix}"
    path.write_bytes(body)
    return path


# The next seq each device may use: a damaged envelope that is still valid is applied.
_next_seq: dict[uuid.UUID, int] = {}


@pytest.mark.parametrize("encoding", ["json", "msgpack"])
@settings(
    max_examples=MUTATED_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
@pytest.mark.slow  # many generated envelopes: tens of seconds
async def test_mutated_envelopes_never_break_the_server(
    device: SyncDevice, encoding: str, data
) -> None:
    content_type = CONTENT_TYPES[f".{encoding}"]
    envelope = valid_envelope(device, _next_seq.get(device.device_id, 1))
    await _register_fake_blobs(envelope["mutations"], device.device_id)
    encode = msgspec.msgpack.encode if encoding == "msgpack" else msgspec.json.encode
    body = data.draw(damage(encode(envelope)), label="body")
    before = await stored()
    r = await push_raw(device, body, content_type)
    if r.status_code == 200:
        decode = msgspec.msgpack.decode if encoding == "msgpack" else msgspec.json.decode
        last = decode(r.content).get("last_seq", 0)
        _next_seq[device.device_id] = max(_next_seq.get(device.device_id, 1), last + 1)
        return
    fault = problem_fault(r)
    if fault is None and await stored() != before:
        fault = f"{r.status_code}, yet something was stored"
    if fault:
        # Kept for the corpus replay, with the placeholder device id.
        saved = save_failure(
            body.replace(str(device.device_id).encode(), PLACEHOLDER), f".{encoding}"
        )
        raise AssertionError(f"{fault} (saved as {saved.name})")

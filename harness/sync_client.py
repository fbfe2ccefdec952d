"""A protocol-level device for tests: an outbox of mutations with increasing seq,
pushed in batches, and a pull cursor — what the PWA does, without the browser."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import uuid
from typing import Any

import httpx
import msgspec

from sync.forms.date_words import date_in_words


def uuid7() -> uuid.UUID:
    """Time-ordered ids, as devices mint them."""
    ms = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    rand = uuid.uuid4().int & ((1 << 74) - 1)
    value = (
        (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    )
    return uuid.UUID(int=value)


# Stand-in attachments: hashes of labels, whose files "reached the server" (a
# verified blob row, no bytes) before the mutation naming them is pushed, so that
# protocol tests need not upload files. tests/attachments uploads real ones.
_FAKE_BLOBS: set[str] = set()


def fake_sha256(label: str) -> str:
    digest = hashlib.sha256(label.encode()).hexdigest()
    _FAKE_BLOBS.add(digest)
    return digest


def _named_fakes(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value} & _FAKE_BLOBS
    if isinstance(value, list):
        return set().union(*(_named_fakes(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set().union(*(_named_fakes(v) for v in value.values())) if value else set()
    return set()


async def _register_fake_blobs(mutations: list[dict[str, Any]], device_id: uuid.UUID) -> None:
    """As if this device had uploaded the named files: a verified blob row, and its
    account as one that sent the bytes (naming a hash alone proves nothing)."""
    from server.attachments.tables import Blob, BlobUploader
    from server.identity.tables import Device

    now = dt.datetime.now(dt.UTC)
    digests = sorted(_named_fakes([m.get("payload") for m in mutations]))
    if not digests:
        return
    device = await Device.select(Device.account_id).where(Device.id == device_id).first()
    for digest in digests:
        await Blob.insert(
            Blob(sha256=digest, size=1000, media_type="application/pdf", created_at=now)
        ).on_conflict(action="DO NOTHING")
        if device is not None:
            await BlobUploader.insert(
                BlobUploader(
                    sha256=digest, account_id=device["account_id"], device_id=device_id, at=now
                )
            ).on_conflict(action="DO NOTHING")


def birth_answers(
    today: dt.date, child: str = "Nguyễn Minh Khang", commune: str = "00070"
) -> dict[str, Any]:
    """A complete ordinary birth registration, the mother asking."""
    born = today - dt.timedelta(days=10)
    return {
        "agency.province": commune_province(commune),
        "agency.commune": commune,
        "requester.full_name": "Trần Thị Mai",
        "requester.id_number": "001190012345",
        "requester.residence": "Số 5 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội",
        "requester.relationship": "me",
        "child.full_name": child,
        "child.sex": "male",
        "child.birth_date": born.isoformat(),
        "child.birth_date_words": date_in_words(born),
        "child.birth_place": "Bệnh viện Phụ sản Hà Nội",
        "child.birth_place_kind": "co_so_y_te",
        "child.hometown": "Hà Nội",
        "child.ethnicity": "01",
        "child.nationality": "VN",
        "mother.birth_date": "1990-05-01",
        "mother.ethnicity": "01",
        "mother.nationality": "VN",
        "contact.phone": "0912345678",
        "contact.email": "mai@example.vn",
    }


def commune_province(commune: str) -> str:
    return {"00070": "01", "00004": "01", "26734": "79"}[commune]


class SyncDevice:
    def __init__(self, http: httpx.AsyncClient, credential: str, device_id: uuid.UUID) -> None:
        self.http = http
        self.credential = credential
        self.auth = {"Authorization": f"Device {credential}"}
        self.device_id = device_id
        self.seq = 0
        self.outbox: list[dict[str, Any]] = []
        self.cursor: str | None = None
        self.dossiers: dict[str, dict[str, Any]] = {}
        # What the server told it (sync/README.md §9): the highest last_seq of any push
        # answer, and the generation of its last answer.
        self.confirmed_seq = 0
        self.generation: int | None = None
        self.receipt: str | None = None
        # The generation the last pull answer named (a new one: put back first).
        self.server_generation: int | None = None

    def queue(
        self,
        kind: str,
        dossier_id: uuid.UUID,
        payload: dict[str, Any] | None = None,
        base_version: int = 0,
    ) -> dict[str, Any]:
        self.seq += 1
        mutation = {
            "seq": self.seq,
            "id": str(uuid7()),
            "dossier_id": str(dossier_id),
            "kind": kind,
            "payload": payload or {},
            "base_version": base_version,
        }
        self.outbox.append(mutation)
        return mutation

    def body(self, mutations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "device_id": str(self.device_id),
            "mutations": self.outbox if mutations is None else mutations,
            "confirmed_seq": self.confirmed_seq,
        }
        if self.generation is not None:
            body["generation"] = self.generation
        if self.receipt is not None:
            body["receipt"] = self.receipt
        return body

    async def push(
        self, mutations: list[dict[str, Any]] | None = None, msgpack: bool = False
    ) -> httpx.Response:
        body = self.body(mutations)
        await _register_fake_blobs(body["mutations"], self.device_id)
        if msgpack:
            return await self.http.post(
                "/api/sync/push",
                content=msgspec.msgpack.encode(body),
                headers={**self.auth, "Content-Type": "application/x-msgpack"},
            )
        return await self.http.post("/api/sync/push", json=body, headers=self.auth)

    async def sync(self) -> list[dict[str, Any]]:
        """Push the outbox; drop what the server confirmed (principle 2)."""
        r = await self.push()
        assert r.status_code == 200, r.text
        self.keep(r.json())
        answer = r.json()
        outcomes = answer["outcomes"]
        confirmed = {o["seq"] for o in outcomes}
        self.outbox = [m for m in self.outbox if m["seq"] not in confirmed]
        return outcomes

    def keep(self, answer: dict[str, Any]) -> None:
        """What a push or recover answer tells the device to keep (§9.1)."""
        if answer["last_seq"] >= self.confirmed_seq:
            self.confirmed_seq = answer["last_seq"]
            self.generation = answer.get("generation", self.generation)
            self.receipt = answer.get("receipt", self.receipt)

    async def recover(
        self,
        dossiers: list[dict[str, Any]],
        reservations: list[dict[str, Any]] | None = None,
        done: bool = True,
        files: list[dict[str, str]] | None = None,
    ) -> httpx.Response:
        """Put back what it holds (§9.2): dossiers, reserved codes, and the files it
        holds seals for (`{"sha256", "seal"}`); on the last page, keep the new generation
        and forget the cursor: the next pull is from the start."""
        body: dict[str, Any] = {
            "device_id": str(self.device_id),
            "confirmed_seq": self.confirmed_seq,
            "dossiers": dossiers,
            "reservations": reservations or [],
            "files": files or [],
            "done": done,
        }
        if self.generation is not None:
            body["generation"] = self.generation
        if self.receipt is not None:
            body["receipt"] = self.receipt
        r = await self.http.post("/api/sync/recover", json=body, headers=self.auth)
        if r.status_code == 200 and done:
            self.keep(r.json())
            self.generation = r.json()["generation"]
            self.cursor = None
        return r

    def held(self, dossier_id: str, **changes: Any) -> dict[str, Any]:
        """A pulled dossier as the device holds it, for a put-back (§9.2)."""
        view = self.dossiers[dossier_id]
        held = {
            "id": view["id"],
            "procedure_code": view["procedure_code"],
            "schema_version": view["schema_version"],
            "state": view["state"],
            "version": view["version"],
            "fields": dict(view["fields"]),
            "code": view.get("code"),
            "seal": view.get("seal"),
            "submitted_at": view.get("submitted_at"),
        }
        held.update(changes)
        return held

    async def pull_all(self) -> dict[str, dict[str, Any]]:
        waits = 0
        while True:
            params = {"cursor": self.cursor} if self.cursor else {}
            r = await self.http.get("/api/sync/pull", params=params, headers=self.auth)
            assert r.status_code == 200, r.text
            body = r.json()
            self.server_generation = body.get("generation")
            for view in body["dossiers"]:
                known = self.dossiers.get(view["id"])
                if known is None or known["version"] <= view["version"]:
                    self.dossiers[view["id"]] = view
            self.cursor = body["cursor"]
            if body.get("pending") and waits < 200:
                waits += 1  # an older transaction is still open elsewhere; it ends soon
                await asyncio.sleep(0.05)
                continue
            if not body["more"]:
                return self.dossiers

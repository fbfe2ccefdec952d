"""What the sync engine needs from storage. The server implements it on Piccolo
(server/dossiers/store.py); tests also run the engine over an in-memory one."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Protocol

import msgspec

from sync.forms import Context, FormSchema
from sync.messages import SupplementRequest


class DossierRecord(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    owner_id: uuid.UUID
    procedure_code: str
    family: str
    schema_version: int
    state: int
    version: int
    fields: dict[str, Any]
    # path -> the dossier version that last changed it, and the device that did
    field_versions: dict[str, int]
    field_devices: dict[str, str] = {}
    commune_code: str = ""
    code: str | None = None
    submitted_at: dt.datetime | None = None
    due_date: dt.date | None = None
    appointment_date: dt.date | None = None
    dup_key: str | None = None
    possible_duplicate_of: uuid.UUID | None = None
    supplement: SupplementRequest | None = None
    rating_stars: int | None = None
    rating_comment: str = ""
    created_by_device: uuid.UUID | None = None
    search_text: str = ""
    # Set when the person deleted the draft: the row stays as a tombstone for the feed.
    deleted_at: dt.datetime | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class Procedure(msgspec.Struct, frozen=True):
    code: str
    family: str
    version: int
    schema: FormSchema


class ConflictRecord(msgspec.Struct):
    id: int
    dossier_id: uuid.UUID
    path: str
    server_value: Any
    device_value: Any
    resolved: bool


class Actor(msgspec.Struct, frozen=True):
    account_id: uuid.UUID
    role: str
    commune_code: str
    device_id: uuid.UUID


class Store(Protocol):
    async def load_for_update(self, dossier_id: uuid.UUID) -> DossierRecord | None: ...
    async def insert(self, record: DossierRecord) -> None: ...
    async def update(self, record: DossierRecord) -> None: ...
    async def procedure(self, code: str, version: int | None) -> Procedure | None: ...
    async def form_context(self) -> Context: ...
    async def add_conflict(
        self,
        dossier_id: uuid.UUID,
        path: str,
        server_value: Any,
        device_value: Any,
        device_id: uuid.UUID,
    ) -> int: ...
    async def get_conflict(
        self, dossier_id: uuid.UUID, conflict_id: int
    ) -> ConflictRecord | None: ...
    async def resolve_conflict(self, conflict_id: int, value: Any, by: uuid.UUID) -> None: ...
    async def add_history(
        self,
        dossier_id: uuid.UUID,
        actor: Actor,
        action: str,
        from_state: int,
        to_state: int,
        message: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None: ...
    async def next_code(self, commune_code: str, year: int) -> str: ...
    async def bind_reserved_code(
        self, code: str, device_id: uuid.UUID, dossier_id: uuid.UUID
    ) -> bool: ...
    async def find_duplicate(self, dup_key: str, exclude: uuid.UUID) -> uuid.UUID | None: ...
    async def code_holder(self, code: str) -> uuid.UUID | None: ...
    async def open_conflicts_count(self, dossier_id: uuid.UUID) -> int: ...
    async def forget_conflicts(self, dossier_id: uuid.UUID) -> None: ...
    async def missing_blobs(self, hashes: list[str], account_id: uuid.UUID) -> list[str]: ...
    async def publish(self, record: DossierRecord) -> None: ...
    async def submitted(self, record: DossierRecord, by: Actor) -> None: ...

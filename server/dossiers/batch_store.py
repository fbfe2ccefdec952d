"""The store for a push batch: the same rules, fewer round trips.

A batch of 50 mutations mostly touches a few dossiers (create, attach, edit,
submit). Rows are loaded once and kept for the batch; dossier rows, history,
audit entries and feed positions are written once per batch at `flush()`, still
inside the batch's transaction, so what commits is exactly what the one-by-one
store would have committed."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from server.attachments.blobs import sent_sizes
from server.attachments.links import before_dossier_write, hashes_in, unsent_or_too_large
from server.audit.tables import AuditEvent
from server.clock import utcnow
from server.database import fetch_rows, insert_rows, update_rows
from server.dossiers.store import (
    PiccoloStore,
    StoreCaches,
    _row_values,
    publish_changes,
    record_from_row,
)
from server.dossiers.tables import Dossier, DossierHistory
from sync.store import Actor, DossierRecord, Procedure

_json = msgspec.json.encode


class BatchStore(PiccoloStore):
    def __init__(self, engine, base_url: str, caches: StoreCaches | None = None) -> None:
        super().__init__(engine, base_url, caches)
        # Procedure versions never change once written: one lookup per application.
        self._procedures = self.caches.procedures
        self._records: dict[uuid.UUID, DossierRecord] = {}
        self._new: set[uuid.UUID] = set()
        self._dirty: set[uuid.UUID] = set()
        self._hashes: dict[uuid.UUID, frozenset[str]] = {}
        self._history: list[dict[str, Any]] = []
        self._audit: list[dict[str, Any]] = []
        self._published: dict[uuid.UUID, DossierRecord] = {}
        self._current_versions: dict[str, int | None] = {}
        # Ids known not to exist when the batch began (their create_draft comes next).
        self._absent: set[uuid.UUID] = set()
        # The files the batch's account has sent, among those the batch may name.
        self._sent_by: uuid.UUID | None = None
        self._sent_asked: set[str] = set()
        self._sent: dict[str, int] = {}

    async def prefetch(self, dossier_ids: set[uuid.UUID]) -> None:
        """Load (and on PostgreSQL lock) every dossier the batch names, in one query."""
        if not dossier_ids:
            return
        ids = sorted(dossier_ids)
        rows = await fetch_rows(
            self.engine,
            "SELECT * FROM dossier WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
            f"SELECT * FROM dossier WHERE id IN ({', '.join('?' for _ in ids)})",
            *([ids] if self.postgres else ids),
        )
        for row in rows:
            record = record_from_row(row)
            self._records[record.id] = record
            self._hashes[record.id] = frozenset(hashes_in(record.fields))
        self._absent = dossier_ids - set(self._records)

    async def prefetch_sent(self, account_id: uuid.UUID, hashes: set[str]) -> None:
        """Which of `hashes` (those the batch names, and those its dossiers hold) this
        account has sent: one lookup for the batch instead of one per attach."""
        hashes = hashes | {h for known in self._hashes.values() for h in known}
        self._sent_by, self._sent_asked = account_id, hashes
        self._sent = await sent_sizes(account_id, hashes) if hashes else {}

    async def missing_blobs(self, hashes: list[str], account_id: uuid.UUID) -> list[str]:
        wanted = set(hashes)
        if account_id != self._sent_by or not wanted <= self._sent_asked:
            return await super().missing_blobs(hashes, account_id)
        return unsent_or_too_large(wanted, self._sent)

    async def load_for_update(self, dossier_id: uuid.UUID) -> DossierRecord | None:
        if dossier_id in self._records:
            return self._records[dossier_id]
        if dossier_id in self._absent:
            return None
        record = await super().load_for_update(dossier_id)
        if record is not None:
            self._records[dossier_id] = record
            self._hashes[dossier_id] = frozenset(hashes_in(record.fields))
        return record

    async def _blob_refs(self, record: DossierRecord) -> None:
        # Blob references only change when the attachments do.
        wanted = frozenset(hashes_in(record.fields))
        if wanted != self._hashes.get(record.id, frozenset()):
            await before_dossier_write(record.id, record.fields)
            self._hashes[record.id] = wanted

    async def insert(self, record: DossierRecord) -> None:
        await self._blob_refs(record)
        self._records[record.id] = record
        self._new.add(record.id)

    async def update(self, record: DossierRecord) -> None:
        await self._blob_refs(record)
        self._records[record.id] = record
        if record.id not in self._new:
            self._dirty.add(record.id)

    async def procedure(self, code: str, version: int | None) -> Procedure | None:
        if version is None:
            if code not in self._current_versions:
                found = await super().procedure(code, None)
                self._current_versions[code] = found.version if found else None
                if found is not None:
                    self._procedures[(code, found.version)] = found
            version = self._current_versions[code]
            if version is None:
                return None
        key = (code, version)
        if key not in self._procedures:
            found = await super().procedure(code, version)
            if found is None:
                return None
            self._procedures[key] = found
        return self._procedures[key]

    async def add_history(
        self, dossier_id, actor: Actor, action, from_state, to_state, message="", detail=None
    ) -> None:
        now = utcnow()
        self._history.append(
            dict(
                dossier_id=dossier_id,
                at=now,
                actor_id=actor.account_id,
                actor_role=actor.role,
                device_id=actor.device_id,
                action=action,
                from_state=int(from_state),
                to_state=int(to_state),
                message=message,
                detail=_json(detail or {}).decode(),
            )
        )
        self._audit.append(
            dict(
                at=now,
                actor_id=actor.account_id,
                device_id=actor.device_id,
                action=action,
                target_kind="dossier",
                target_id=str(dossier_id),
                ip="",
                detail=_json({"from": str(int(from_state)), "to": str(int(to_state))}).decode(),
            )
        )

    async def publish(self, record: DossierRecord) -> None:
        self._published[record.id] = record

    async def find_duplicate(self, dup_key: str, exclude: uuid.UUID) -> uuid.UUID | None:
        await self.flush()  # another dossier of this batch may be the match
        return await super().find_duplicate(dup_key, exclude)

    async def flush(self) -> None:
        if self._new:
            await insert_rows(
                self.engine,
                Dossier._meta.tablename,
                [{"id": i, **_row_values(self._records[i])} for i in sorted(self._new)],
            )
        await update_rows(
            self.engine,
            Dossier._meta.tablename,
            "id",
            [{"id": i, **_row_values(self._records[i])} for i in sorted(self._dirty)],
        )
        await insert_rows(self.engine, DossierHistory._meta.tablename, self._history)
        await insert_rows(self.engine, AuditEvent._meta.tablename, self._audit)
        if self._published:
            await publish_changes(self.engine, list(self._published.values()))
        self._new.clear()
        self._dirty.clear()
        self._history.clear()
        self._audit.clear()
        self._published.clear()

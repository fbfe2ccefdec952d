"""The store for a push batch: a write buffer in front of the one-by-one store.

A batch of 50 mutations mostly touches a few dossiers (create, attach, edit,
submit). Rows are loaded once and kept for the batch; dossier rows, history,
audit entries and feed positions are collected and written once per batch at
`flush()` through server/sql.py, still inside the batch's transaction, so what
commits is exactly what the one-by-one store would have committed. Everything
else (conflicts, codes, procedures, notifications) is the wrapped store's."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec

from server.attachments.blobs import sent_sizes
from server.attachments.links import before_dossier_write, hashes_in, unsent_or_too_large
from server.clock import utcnow
from server.dossiers.notifications import Confirmation, enqueue_confirmations
from server.dossiers.store import (
    PiccoloStore,
    feed_rows,
    older_feed_dossiers,
    record_from_row,
    row_values,
    write_feed_rows,
)
from server.sql import (
    CURRENT_PROCEDURE_VERSION,
    DOSSIER_DOCUMENTS,
    INSERT_APPLIED_MUTATION,
    INSERT_AUDIT_EVENT,
    INSERT_DOSSIER,
    INSERT_DOSSIER_HISTORY,
    LOCK_DOSSIERS,
    SET_DEVICE_SEQUENCE,
    UPDATE_DOSSIER,
    WRITE_BATCH,
    Dialect,
    Sql,
)
from sync.forms import Context
from sync.store import Actor, ConflictRecord, DossierRecord, Procedure

_json = msgspec.json.encode


def _json_text(rows: list[dict[str, Any]]) -> str:
    """Rows as a JSON array for WRITE_BATCH: UUIDs, dates and times as PostgreSQL
    reads them back (RFC 3339, with the zone of an aware time)."""
    return _json(rows).decode()


def _documents(parameter: str, rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    """WRITE_BATCH's text arrays of the dossier `rows`' DOSSIER_DOCUMENTS, taken out of
    the rows (their JSON then leaves them out)."""
    return {f"{parameter}_{c}": [row.pop(c) for row in rows] for c in DOSSIER_DOCUMENTS}


def write_batch_values(
    new: list[dict[str, Any]],
    changed: list[dict[str, Any]],
    history: list[dict[str, Any]],
    audit: list[dict[str, Any]],
    feed: list[dict[str, Any]],
    older_feed: list[uuid.UUID],
    applied: list[dict[str, Any]],
    device_seq: tuple[uuid.UUID, int] | None,
) -> dict[str, Any]:
    """WRITE_BATCH's values for a batch's rows (the dossier rows `new` and `changed` as
    row_values gives them, with their ids; their documents are taken out of them):
    each table's rows as a JSON array, the documents beside them as text arrays.
    Also what bench/write_ceiling.py sends, so it measures the statement as sent."""
    device_id, last_seq = device_seq or (None, None)
    documents = _documents("new_dossiers", new) | _documents("changed_dossiers", changed)
    return {
        "new_dossiers": _json_text(new),  # after their documents are taken out
        "changed_dossiers": _json_text(changed),
        **documents,
        "history": _json_text(history),
        "audit": _json_text(audit),
        "feed": _json_text(feed),
        "older_feed": older_feed,
        "applied": _json_text(applied),
        "device_id": device_id,
        "last_seq": last_seq,
    }


class BatchStore:
    """A `Store` (sync/store.py) for one batch, in the caller's transaction."""

    def __init__(
        self, store: PiccoloStore, sql: Sql, procedures: dict[tuple[str, int], Procedure]
    ) -> None:
        self._store = store
        self._sql = sql
        # Procedure versions never change once written: the application's copy.
        self._procedures = procedures
        self._context: Context | None = None
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
        # Whether the batch queued a message (a submission's confirmation) to send.
        self.queued_messages = False
        self._confirmations: list[Confirmation] = []

    # -- before the batch -----------------------------------------------------

    async def prefetch(self, dossier_ids: set[uuid.UUID]) -> None:
        """Load (and on PostgreSQL lock) every dossier the batch names, in one query."""
        if not dossier_ids:
            return
        self.loaded(dossier_ids, await self._sql.fetch(LOCK_DOSSIERS, ids=sorted(dossier_ids)))

    def loaded(self, dossier_ids: set[uuid.UUID], rows: list[dict[str, Any]]) -> None:
        """The rows of the dossiers of `dossier_ids` that exist, read (and locked) by
        the caller as LOCK_DOSSIERS does: the others are known not to exist."""
        for row in rows:
            record = record_from_row(row)
            self._records[record.id] = record
            self._hashes[record.id] = frozenset(hashes_in(record.fields))
        self._absent = dossier_ids - set(self._records)

    def current_versions(self, versions: dict[str, int | None]) -> None:
        """The current versions of procedures (None: none active), read by the caller
        in this transaction as CURRENT_PROCEDURE_VERSION does."""
        self._current_versions.update(versions)

    async def prefetch_sent(self, account_id: uuid.UUID, hashes: set[str]) -> None:
        """Which of `hashes` (those the batch names, and those its dossiers hold) this
        account has sent: one lookup for the batch instead of one per attach."""
        hashes = hashes | {h for known in self._hashes.values() for h in known}
        self._sent_by, self._sent_asked = account_id, hashes
        self._sent = await sent_sizes(account_id, hashes) if hashes else {}

    # -- dossiers: read once, written at flush ---------------------------------

    def loaded_commune(self, dossier_id: uuid.UUID) -> str | None:
        """The commune of a dossier the batch has loaded, as stored."""
        record = self._records.get(dossier_id)
        return record.commune_code if record is not None and record.commune_code else None

    async def load_for_update(self, dossier_id: uuid.UUID) -> DossierRecord | None:
        if dossier_id in self._records:
            return self._records[dossier_id]
        if dossier_id in self._absent:
            return None
        record = await self._store.load_for_update(dossier_id)
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

    async def add_history(
        self,
        dossier_id: uuid.UUID,
        actor: Actor,
        action: str,
        from_state: int,
        to_state: int,
        message: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        now = utcnow()
        self._history.append(
            {
                "dossier_id": dossier_id,
                "at": now,
                "actor_id": actor.account_id,
                "actor_role": actor.role,
                "device_id": actor.device_id,
                "action": action,
                "from_state": int(from_state),
                "to_state": int(to_state),
                "message": message,
                "detail": _json(detail or {}).decode(),
            }
        )
        # Every action on a dossier is also in the audit log, with its device.
        self._audit.append(
            {
                "at": now,
                "actor_id": actor.account_id,
                "device_id": actor.device_id,
                "action": action,
                "target_kind": "dossier",
                "target_id": str(dossier_id),
                "ip": "",
                "detail": _json({"from": str(int(from_state)), "to": str(int(to_state))}).decode(),
            }
        )

    async def publish(self, record: DossierRecord) -> None:
        self._published[record.id] = record

    async def flush(
        self,
        applied: list[dict[str, Any]] | None = None,
        device_seq: tuple[uuid.UUID, int] | None = None,
    ) -> None:
        """At the batch's end: its submissions' confirmations into the outbox, once its
        codes are minted (server/dossiers/notifications.py enqueue_confirmations says
        why then), and what it collected written (`_write`)."""
        confirmations, self._confirmations = self._confirmations, []
        await enqueue_confirmations(confirmations)
        await self._write(applied, device_seq)

    async def _write(
        self,
        applied: list[dict[str, Any]] | None = None,
        device_seq: tuple[uuid.UUID, int] | None = None,
    ) -> None:
        """Write what the batch collected so far, in the caller's transaction, with
        the batch's `applied` mutations (INSERT_APPLIED_MUTATION's rows) and the
        device's new last seq when given (at the end of the batch).

        The rows are described once; PostgreSQL takes them all in one statement
        (server/sql.py WRITE_BATCH: one trip to the server), SQLite one statement
        per table, each for all its rows (in the process: no trip to save)."""
        sql = self._sql
        new = [{"id": i, **row_values(self._records[i])} for i in sorted(self._new)]
        changed = [{"id": i, **row_values(self._records[i])} for i in sorted(self._dirty)]
        feed = feed_rows(list(self._published.values()), utcnow())
        applied = applied or []
        if sql.dialect is Dialect.POSTGRES:
            if new or changed or self._history or self._audit or feed or applied or device_seq:
                values = write_batch_values(
                    new,
                    changed,
                    self._history,
                    self._audit,
                    feed,
                    older_feed_dossiers(feed, self._new),
                    applied,
                    device_seq,
                )
                await sql.execute(WRITE_BATCH, **values)
        else:
            await sql.execute_many(INSERT_DOSSIER, new)
            await sql.execute_many(UPDATE_DOSSIER, changed)
            await sql.execute_many(INSERT_DOSSIER_HISTORY, self._history)
            await sql.execute_many(INSERT_AUDIT_EVENT, self._audit)
            await write_feed_rows(sql, feed, self._new)
            await sql.execute_many(INSERT_APPLIED_MUTATION, applied)
            if device_seq is not None:
                device_id, last_seq = device_seq
                await sql.execute(SET_DEVICE_SEQUENCE, last_seq=last_seq, device_id=device_id)
        self._new.clear()
        self._dirty.clear()
        self._history.clear()
        self._audit.clear()
        self._published.clear()

    # -- reads kept for the batch -------------------------------------------------

    async def procedure(self, code: str, version: int | None) -> Procedure | None:
        if version is None:
            if code not in self._current_versions:
                # Only the number: the version itself is most likely in the
                # application's cache already, parsed (decoding it is most of the cost).
                current = await self._sql.fetch_value(
                    CURRENT_PROCEDURE_VERSION, code=code, active=True
                )
                self._current_versions[code] = None if current is None else int(current)
            version = self._current_versions[code]
            if version is None:
                return None
        key = (code, version)
        if key not in self._procedures:
            found = await self._store.procedure(code, version)
            if found is None:
                return None
            self._procedures[key] = found
        return self._procedures[key]

    async def missing_blobs(self, hashes: list[str], account_id: uuid.UUID) -> list[str]:
        wanted = set(hashes)
        if account_id != self._sent_by or not wanted <= self._sent_asked:
            return await self._store.missing_blobs(hashes, account_id)
        return unsent_or_too_large(wanted, self._sent)

    async def code_holder(self, code: str) -> uuid.UUID | None:
        await self._write()  # a dossier of this batch may hold it
        return await self._store.code_holder(code)

    async def find_duplicate(self, dup_key: str, exclude: uuid.UUID) -> uuid.UUID | None:
        await self._write()  # another dossier of this batch may be the match
        return await self._store.find_duplicate(dup_key, exclude)

    # -- the wrapped store's, as they are --------------------------------------

    async def form_context(self) -> Context:
        # One look at the communes' dataset version per batch, not per validated form.
        if self._context is None:
            self._context = await self._store.form_context()
        return self._context

    async def add_conflict(
        self,
        dossier_id: uuid.UUID,
        path: str,
        server_value: Any,
        device_value: Any,
        device_id: uuid.UUID,
    ) -> int:
        return await self._store.add_conflict(
            dossier_id, path, server_value, device_value, device_id
        )

    async def get_conflict(self, dossier_id: uuid.UUID, conflict_id: int) -> ConflictRecord | None:
        return await self._store.get_conflict(dossier_id, conflict_id)

    async def resolve_conflict(self, conflict_id: int, value: Any, by: uuid.UUID) -> None:
        await self._store.resolve_conflict(conflict_id, value, by)

    async def open_conflicts_count(self, dossier_id: uuid.UUID) -> int:
        return await self._store.open_conflicts_count(dossier_id)

    async def forget_conflicts(self, dossier_id: uuid.UUID) -> None:
        await self._store.forget_conflicts(dossier_id)

    async def next_code(self, commune_code: str, year: int) -> str:
        return await self._store.next_code(commune_code, year)

    async def bind_reserved_code(
        self, code: str, device_id: uuid.UUID, dossier_id: uuid.UUID
    ) -> bool:
        return await self._store.bind_reserved_code(code, device_id, dossier_id)

    async def submitted(self, record: DossierRecord, by: Actor) -> None:
        # Counted and queued by `flush`, at the batch's end.
        self._confirmations += await self._store.confirmations(record, by)
        self.queued_messages = True

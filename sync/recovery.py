"""Putting back what a device holds after the server was restored (sync/README.md §9.2).

The caller (server/recovery/service.py) owns the transaction and records each put-back
once per (generation, device, dossier); this module decides what one put-back does."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import msgspec

from sync.codes import InvalidCode, parse_code
from sync.dupkeys import duplicate_key
from sync.engine import (
    Rejected,
    answered_commune,
    check_changes,
    new_draft,
    set_fields,
    usable_id,
)
from sync.merge import same
from sync.messages import (
    FieldConflict,
    HeldDossier,
    PutBackResult,
    PutBackStatus,
    Reason,
)
from sync.seals import dossier_seal, sealed
from sync.search import search_text
from sync.states import DEVICE_MUTATIONS, State
from sync.store import Actor, DossierRecord, Procedure, Store

# A phone's copy of a dossier the server lost: no dossier is changed a billion times, and
# the INTEGER version column leaves room for as many changes after it.
MAX_HELD_VERSION = 2**30

# Why a put-back is listed for the agency administrator (PutBack.note): officials redo
# what the restore lost (README, "Backups").
DESK_WORK_LOST = "desk_work_lost"  # the phone saw the dossier further on than submitted
ANSWERS_HELD = "answers_held"  # the phone holds answers the server's dossier lacks
WITHDRAWAL_REAPPLIED = "withdrawal_reapplied"
CODE_TAKEN = "code_taken"
SEAL_INVALID = "seal_invalid"
DRAFT_CHANGED_AFTER_RESTORE = "draft_changed_after_restore"
# No dossier was submitted before the product existed: an earlier date is a phone's error.
EARLIEST_SUBMISSION = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
# Every note, each of which the desk's screen explains in a sentence (pwa/src/desk/recovery.ts;
# tests/unit/test_put_back_notes.py fails when one is missing there).
PUT_BACK_NOTES = (
    DESK_WORK_LOST,
    ANSWERS_HELD,
    WITHDRAWAL_REAPPLIED,
    CODE_TAKEN,
    SEAL_INVALID,
    DRAFT_CHANGED_AFTER_RESTORE,
)


class PutBack(msgspec.Struct, kw_only=True):
    """What one put-back did, and what the administrator should know of it."""

    result: PutBackResult
    note: str = ""
    detail: dict[str, Any] = {}
    server_state: int | None = None
    server_version: int | None = None
    # Whose administrator sees it, and the code shown: the server's record's, or a code
    # whose seal the server checked; never what the phone wrote in its answers (any
    # citizen would otherwise fill any commune's list).
    commune_code: str = ""
    code: str | None = None


class PutBackApplier:
    """Puts back a device's dossiers, one at a time, into `store`.

    `generation_began`: when the current generation began. A dossier the server has
    not changed since was restored as it was at the backup, so the device's answers are
    newer; one changed since holds newer work on both sides, kept as conflicts."""

    def __init__(
        self,
        store: Store,
        actor: Actor,
        now: dt.datetime,
        seal_key: bytes,
        generation_began: dt.datetime | None,
    ) -> None:
        self.store = store
        self.actor = actor
        self.now = now
        self.seal_key = seal_key
        self.generation_began = generation_began

    async def put_back(self, held: HeldDossier) -> PutBack:
        record = await self.store.load_for_update(held.id)
        if record is not None and record.owner_id != self.actor.account_id:
            # Another account's dossier is no dossier: the answer must not tell it exists.
            return self._rejected(held, None, Reason("unknown_dossier", "id"))
        before = copy.deepcopy(record)
        try:
            if record is None:
                return await self._absent(held)
            return await self._present(held, record)
        except Rejected as rejected:
            if record is not None and before is not None:
                # Refused after the record changed in memory (a size limit checked as
                # it is saved): put it back as it was.
                for name in record.__struct_fields__:
                    setattr(record, name, getattr(before, name))
            return self._rejected(held, before, *rejected.reasons)

    # -- the server lost the dossier -------------------------------------------

    async def _absent(self, held: HeldDossier) -> PutBack:
        if held.deleted or (held.state == State.DRAFT and held.version == 0):
            # Deleted here, or never confirmed (its create_draft is still in the outbox).
            return self._done(held, None, "kept")
        if not usable_id(held.id):
            raise Rejected(Reason("id_unavailable", "id", "this id cannot be used"))
        if held.version > MAX_HELD_VERSION:
            # The dossier goes on from the phone's version, which the record must hold,
            # and every later change adds one to it: a version near the column's top
            # would make each of them fail there.
            raise Rejected(Reason("out_of_range", "version", f"at most {MAX_HELD_VERSION}"))
        procedure = await self._procedure(held)
        values = check_changes(procedure, held.fields, allow_attachments=True, key="fields")
        record = new_draft(held.id, procedure, self.actor, self.now, held.version + 1, values)
        if held.state == State.DRAFT:
            await self.store.insert(record)
            await self._history(record, State.DRAFT)
            return self._done(held, record, "restored")
        code = await self._sealed_code(held)
        await self._submitted(record, held, code)
        await self.store.insert(record)
        await self.store.bind_reserved_code(code, self.actor.device_id, record.id)
        note = self._reapply_withdrawal(held, record)
        await self._history(record, State.DRAFT)
        return self._done(held, record, "restored", **self._desk_note(held, note))

    # -- the server holds the dossier ------------------------------------------

    async def _present(self, held: HeldDossier, record: DossierRecord) -> PutBack:
        before = (record.state, record.version)
        if record.deleted_at is not None:
            if held.state == State.DRAFT:
                return self._done(held, record, "kept", before=before)
            # Submitted before the restore, then the stale draft the backup held was
            # deleted on another device: the family holds its code, so the dossier
            # comes back (and is listed, draft_changed_after_restore).
            record.deleted_at = None
        if record.state != State.DRAFT:
            return await self._after_submission(held, record, before)
        if held.deleted:
            if self._changed_since_restore(record):
                return self._done(held, record, "kept", before=before)
            record.version += 1
            record.fields, record.field_versions, record.field_devices = {}, {}, {}
            record.search_text = ""
            record.deleted_at = self.now
            await self.store.forget_conflicts(record.id)
            await self._save(record, State.DRAFT)
            return self._done(held, record, "restored", before=before)
        procedure = await self._procedure(held, record)
        values = check_changes(procedure, held.fields, allow_attachments=True, key="fields")
        if held.state != State.DRAFT:
            # Submitted after the backup: it is submitted again, with its own code.
            code = await self._sealed_code(held)
            changed = self._changed_since_restore(record)
            # Answers typed since the restore (another device) that the submission
            # replaces: shown to the officials, never dropped (principle 5).
            replaced = {p: v for p, v in record.fields.items() if not same(values.get(p), v)}
            record.version += 1
            record.fields = {}
            set_fields(record, values, record.version, self.actor.device_id)
            await self._submitted(record, held, code)
            note = self._reapply_withdrawal(held, record)
            if changed:
                note = note or DRAFT_CHANGED_AFTER_RESTORE
            await self._save(record, State.DRAFT)
            # Once saved: a save refused (a size limit) leaves the reservation free.
            await self.store.bind_reserved_code(code, self.actor.device_id, record.id)
            detail = {"server_answers": replaced} if changed and replaced else {}
            return self._done(
                held,
                record,
                "restored",
                before=before,
                detail=detail,
                **self._desk_note(held, note),
            )
        differing = self._differing(record.fields, values)
        if not differing:
            return self._done(held, record, "kept", before=before)
        record.version += 1
        if not self._changed_since_restore(record):
            set_fields(record, differing, record.version, self.actor.device_id)
            record.commune_code = answered_commune(record.fields, record.commune_code)
            await self._save(record, State.DRAFT)
            return self._done(held, record, "restored", before=before)
        # Both sides worked on the draft since the backup: the server's answers stay and
        # the device's are kept beside them for the person to choose (principle 5).
        conflicts: list[FieldConflict] = []
        for path, value in sorted(differing.items()):
            current = record.fields.get(path)
            conflict_id = await self.store.add_conflict(
                record.id, path, current, value, self.actor.device_id
            )
            conflicts.append(FieldConflict(conflict_id, path, current, value))
        await self._save(record, State.DRAFT)
        return self._done(held, record, "conflict", before=before, conflicts=conflicts)

    async def _after_submission(
        self, held: HeldDossier, record: DossierRecord, before: tuple[int, int]
    ) -> PutBack:
        """The server keeps its own: what officials did cannot come from a phone. The
        person's own withdrawal can, and what the phone saw beyond is listed."""
        # Shape-checked as any put-back's answers (§9.2), though never applied: they
        # are shown to the officials.
        procedure = await self._procedure(held, record)
        values = check_changes(procedure, held.fields, allow_attachments=True, key="fields")
        note = ""
        if (
            held.state == State.WITHDRAWAL_REQUESTED
            and State(record.state) in DEVICE_MUTATIONS["withdraw"]
        ):
            from_state = record.state
            record.version += 1
            record.state = State.WITHDRAWAL_REQUESTED
            await self._save(record, from_state)
            note = WITHDRAWAL_REAPPLIED
        detail: dict[str, Any] = {}
        answers = self._differing(record.fields, values)
        if answers:
            # Answers the person gave that the submitted dossier lacks (a draft's later
            # edits, a supplement's answers): shown to the officials, never applied.
            detail["answers"] = answers
            note = note or ANSWERS_HELD
        # The phone saw a later state than the restored dossier has (officials worked on it
        # after the backup); once they work on it again, its version passes the phone's.
        seen_later = held.version > record.version and held.state != record.state
        if not note and held.state != State.DRAFT and seen_later:
            note = DESK_WORK_LOST
        if held.code and record.code and held.code != record.code:
            detail["phone_code"] = held.code
        status: PutBackStatus = "restored" if note == WITHDRAWAL_REAPPLIED else "kept"
        return self._done(held, record, status, before=before, note=note, detail=detail)

    # -- helpers ------------------------------------------------------------------

    async def _procedure(self, held: HeldDossier, record: DossierRecord | None = None) -> Procedure:
        code, version = (
            (record.procedure_code, record.schema_version)
            if record
            else (held.procedure_code, held.schema_version)
        )
        procedure = await self.store.procedure(code, version)
        if procedure is None:
            raise Rejected(Reason("unknown_procedure", "procedure_code", code))
        return procedure

    async def _sealed_code(self, held: HeldDossier) -> str:
        """The held code, if the server sealed it for this dossier and account and no
        other dossier holds it."""
        try:
            code = parse_code(held.code or "")
        except InvalidCode:
            code = ""
        expected = code and dossier_seal(self.seal_key, held.id, self.actor.account_id, code)
        if not expected or not sealed(expected, held.seal):
            raise Rejected(
                Reason(SEAL_INVALID, "seal", "the server did not give this code to this dossier")
            )
        holder = await self.store.code_holder(code)
        if holder is not None and holder != held.id:
            raise Rejected(Reason(CODE_TAKEN, "code", "another dossier holds this code"))
        return code

    async def _submitted(self, record: DossierRecord, held: HeldDossier, code: str) -> None:
        """As `submit` left it: the answers as the device holds them (they were validated
        when submitted), the code, and the duplicate flag (§6)."""
        record.field_versions = dict.fromkeys(record.fields, record.version)
        record.commune_code = code[:5]
        record.code = code
        record.state = State.SUBMITTED
        record.submitted_at = self._submitted_at(held)
        record.search_text = search_text(code, record.fields)
        record.dup_key = duplicate_key(record.family, record.commune_code, record.fields)
        if record.dup_key:
            record.possible_duplicate_of = await self.store.find_duplicate(
                record.dup_key, record.id
            )

    def _submitted_at(self, held: HeldDossier) -> dt.datetime:
        """When the phone says it was submitted: unsealed, so never later than now nor
        before the server's first code (a date no database column holds is now)."""
        when = held.submitted_at
        if when is None:
            return self.now
        try:
            when = (when if when.tzinfo else when.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
        except OverflowError:
            return self.now
        return when if EARLIEST_SUBMISSION <= when <= self.now else self.now

    def _reapply_withdrawal(self, held: HeldDossier, record: DossierRecord) -> str:
        # The person's own request: it was confirmed to them before the restore.
        if held.state == State.WITHDRAWAL_REQUESTED:
            record.state = State.WITHDRAWAL_REQUESTED
            return WITHDRAWAL_REAPPLIED
        return ""

    @staticmethod
    def _desk_note(held: HeldDossier, note: str) -> dict[str, Any]:
        if not note and held.state not in (State.DRAFT, State.SUBMITTED):
            note = DESK_WORK_LOST
        return {"note": note}

    def _changed_since_restore(self, record: DossierRecord) -> bool:
        return self.generation_began is None or record.updated_at >= self.generation_began

    @staticmethod
    def _differing(current: dict[str, Any], held: dict[str, Any]) -> dict[str, Any]:
        """The device's answers that differ from `current`; an answer it no longer has
        is cleared (None)."""
        differing = {p: v for p, v in held.items() if not same(current.get(p), v)}
        differing |= dict.fromkeys((p for p in current if p not in held), None)
        return differing

    async def _history(self, record: DossierRecord, from_state: int) -> None:
        await self.store.add_history(record.id, self.actor, "put_back", from_state, record.state)
        await self.store.publish(record)

    async def _save(self, record: DossierRecord, from_state: int) -> None:
        record.updated_at = self.now
        await self.store.update(record)
        await self._history(record, from_state)

    def _done(
        self,
        held: HeldDossier,
        record: DossierRecord | None,
        status: PutBackStatus,
        *,
        before: tuple[int, int] | None = None,
        note: str = "",
        detail: dict[str, Any] | None = None,
        conflicts: list[FieldConflict] | None = None,
    ) -> PutBack:
        return PutBack(
            result=PutBackResult(
                dossier_id=held.id,
                status=status,
                version=record.version if record else None,
                state=record.state if record else None,
                code=record.code if record else None,
                conflicts=conflicts or [],
            ),
            note=note,
            detail=detail or {},
            server_state=before[0] if before else None,
            server_version=before[1] if before else None,
            commune_code=record.commune_code if record else "",
            code=record.code if record else None,
        )

    def _rejected(
        self, held: HeldDossier, record: DossierRecord | None, *reasons: Reason
    ) -> PutBack:
        notes = {r.code for r in reasons} & {SEAL_INVALID, CODE_TAKEN}
        try:
            claimed: str | None = parse_code(held.code or "")
        except InvalidCode:
            claimed = None  # not even a code's shape: nothing to show
        commune = record.commune_code if record else ""
        if not commune and claimed and CODE_TAKEN in notes:
            commune = claimed[:5]  # its seal was checked: the code is the server's
        return PutBack(
            result=PutBackResult(dossier_id=held.id, status="rejected", reasons=list(reasons)),
            note=next(iter(notes), ""),
            server_state=record.state if record else None,
            server_version=record.version if record else None,
            commune_code=commune,
            code=(record.code if record else None) or claimed,
        )

"""Applying one mutation to one dossier: the protocol's rules, over a `Store`.

The caller (server/dossiers/push.py) owns the transaction, the device's sequence
numbers and the recorded outcomes; this module decides what a mutation does."""

from __future__ import annotations

import copy
import datetime as dt
import unicodedata
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, cast

import msgspec

from sync.codes import COMMUNE_CODE, InvalidCode, parse_code
from sync.digests import is_sha256
from sync.dupkeys import duplicate_key
from sync.forms import Issue, render, validate
from sync.forms.field_rules import has_json_type_of
from sync.forms.normalize import clean_string, is_empty, normalize
from sync.merge import merge_changes, nfc, same
from sync.messages import (
    MAX_CHANGES,
    MAX_FILES_PER_ANSWER,
    MAX_TEXT,
    PAYLOAD_TYPES,
    AnswerSupplement,
    Attach,
    CreateDraft,
    DeleteDraft,
    Detach,
    EditDraft,
    FieldConflict,
    Kind,
    Mutation,
    Outcome,
    Rate,
    Reason,
    ResolveConflict,
    Status,
    Submit,
    Withdraw,
)
from sync.search import search_text
from sync.states import DEVICE_MUTATIONS, State, label
from sync.storable import unstorable
from sync.store import Actor, DossierRecord, Procedure, Store

_DIGESTS = "each a file's SHA-256: 64 lower-case hex digits"

# Documents one answer may name, and files per document (a form field holds ten).
_MAX_SUPPLIED_DOCUMENTS = 50
_MAX_FILES_PER_DOCUMENT = 10


def _supplied_documents(
    record: DossierRecord, payload: AnswerSupplement, fields: dict[str, Any]
) -> list[dict[str, Any]]:
    """Which requested document each file of an answer is for, as the history keeps
    it. A document must be one the desk asked for; a file, one the dossier holds
    once the answer's changes are in (so the desk can open it)."""
    if len(payload.documents) > _MAX_SUPPLIED_DOCUMENTS:
        raise _reason("too_many_documents", "payload.documents", str(_MAX_SUPPLIED_DOCUMENTS))
    requested = {nfc(d) for d in (record.supplement.documents if record.supplement else [])}
    held: set[str] = set()
    for value in fields.values():
        if isinstance(value, list):
            held |= {v for v in cast(list[Any], value) if is_sha256(v)}
    # One entry per document, each file once in it: a document named twice (or a file
    # listed twice) is one answer said twice, and the desk's history says it once.
    supplied: dict[str, list[str]] = {}
    for i, answer in enumerate(payload.documents):
        where = f"payload.documents[{i}]"
        if nfc(answer.document) not in requested:
            raise _reason(
                "unknown_document", f"{where}.document", "not a document the desk asked for"
            )
        if len(answer.files) > _MAX_FILES_PER_DOCUMENT:
            raise _reason("too_many_files", f"{where}.files", str(_MAX_FILES_PER_DOCUMENT))
        for j, sha256 in enumerate(answer.files):
            if sha256 not in held:
                raise _reason(
                    "file_not_in_answer",
                    f"{where}.files[{j}]",
                    "put the file in an attachment field",
                )
        files = supplied.setdefault(nfc(answer.document), [])
        files.extend(f for f in dict.fromkeys(answer.files) if f not in files)
    return [{"document": d, "files": files} for d, files in supplied.items() if files]


class Rejected(Exception):
    def __init__(self, *reasons: Reason) -> None:
        super().__init__(reasons[0].code if reasons else "rejected")
        self.reasons = list(reasons)


def _reason(code: str, path: str = "", message: str = "") -> Rejected:
    return Rejected(Reason(code=code, path=path, message=message))


def decode_payload(mutation: Mutation) -> Any:
    """The typed payload; msgspec names the bad path, e.g. `$.changes`. A value no
    column can hold (NUL in text, an integer past 64 bits, deep nesting) is this
    mutation's fault alone, named by its path, e.g. `payload.fields.child.full_name`."""
    found = unstorable(mutation.payload, "payload")
    if found:
        raise Rejected(*[Reason("invalid_payload", f.path, f.message) for f in found])
    payload_type = cast(type[Any], PAYLOAD_TYPES[mutation.kind])
    return msgspec.convert(mutation.payload, payload_type)


def usable_id(dossier_id: uuid.UUID) -> bool:
    """Whether a device could have minted this id: not the nil or max UUID, and of
    the RFC 9562 variant (UUIDv7 and v4 alike)."""
    return dossier_id.variant == uuid.RFC_4122 and dossier_id.int not in (0, 2**128 - 1)


def _text_too_long(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) > MAX_TEXT
    if isinstance(value, list):
        return any(_text_too_long(v) for v in cast(list[Any], value))
    if isinstance(value, dict):
        return any(_text_too_long(v) for v in cast(dict[str, Any], value).values())
    return False


def check_changes(
    procedure: Procedure, changes: dict[str, Any], allow_attachments: bool, key: str = "changes"
) -> dict[str, Any]:
    """Shape checks on edited fields (completeness waits for submission). Returns
    the values with their text in NFC."""
    if len(changes) > MAX_CHANGES:
        raise _reason(
            "too_many_changes", f"payload.{key}", f"at most {MAX_CHANGES} fields per mutation"
        )
    types = procedure.schema.types_by_path()
    reasons: list[Reason] = []
    values: dict[str, Any] = {}
    for path, value in changes.items():
        kind = types.get(path)
        if kind is None:
            reasons.append(Reason("unknown_field", f"payload.{key}.{path}", path))
        elif kind == "attachment" and not allow_attachments:
            reasons.append(
                Reason(
                    "use_attach", f"payload.{key}.{path}", "attachments change with attach/detach"
                )
            )
        elif value is not None and value != "" and not has_json_type_of(kind, value):
            # `""` is the person's "I emptied this field", whatever its type (sync/forms/README.md).
            reasons.append(Reason("wrong_type", f"payload.{key}.{path}", kind))
        elif kind == "attachment" and isinstance(value, list) and value:
            # A put-back's or a supplement's list, stored as it comes (the form's own
            # file limit waits for the submission, as for any edit): only whole digests,
            # and no more than any answer may name; anything else broke every later
            # write of the dossier (its files' sizes are summed by digest).
            files = cast(list[Any], value)
            if not all(is_sha256(h) for h in files):
                reasons.append(Reason("invalid_attachment", f"payload.{key}.{path}", _DIGESTS))
            elif len(files) > MAX_FILES_PER_ANSWER:
                reasons.append(
                    Reason("too_many_files", f"payload.{key}.{path}", str(MAX_FILES_PER_ANSWER))
                )
            else:
                values[path] = files
        elif isinstance(value, str):  # most answers: one length check, NFC only when needed
            if len(value) > MAX_TEXT:
                reasons.append(Reason("too_long", f"payload.{key}.{path}", str(MAX_TEXT)))
            else:
                values[path] = value if unicodedata.is_normalized("NFC", value) else nfc(value)
        elif _text_too_long(value):
            reasons.append(Reason("too_long", f"payload.{key}.{path}", str(MAX_TEXT)))
        else:
            values[path] = nfc(value)
    if reasons:
        raise Rejected(*reasons)
    return values


# The receiving agency: once submitted, the dossier was received by that commune's desk
# and carries its code, so no later answer of the person's may name another one.
AGENCY_COMMUNE = "agency.commune"
RECEIVING_AGENCY = ("agency.province", AGENCY_COMMUNE)


def answered_commune(fields: Mapping[str, Any], unnamed: str = "") -> str:
    """The receiving commune a dossier's answers name, as the form reads it (trimmed),
    or "" when the answer could be no commune's code; `unnamed` when there is no
    answer. A draft's answers are not checked until it is submitted, and a text
    longer than a code does not fit the stored column."""
    if AGENCY_COMMUNE not in fields:
        return unnamed
    value = fields[AGENCY_COMMUNE]
    code = clean_string(value) if isinstance(value, str) else ""
    return code if COMMUNE_CODE.fullmatch(code) else ""


def _refuse_agency_change(record: DossierRecord, changes: dict[str, Any]) -> None:
    """After submission, a change to the receiving agency is refused (a value equal to
    the current one is no change)."""
    if record.state == State.DRAFT:
        return
    moved = [
        p for p in RECEIVING_AGENCY if p in changes and not same(record.fields.get(p), changes[p])
    ]
    if moved:
        raise Rejected(
            *[
                Reason(
                    "agency_fixed",
                    f"payload.changes.{p}",
                    "the receiving agency cannot change after submission",
                )
                for p in moved
            ]
        )


def set_fields(
    record: DossierRecord, values: dict[str, Any], version: int, device: Any = None
) -> None:
    device_text = None if device is None else str(device)
    for path, value in values.items():
        # null removes the answer; `""` is kept: the person emptied the field, and no fill
        # rule may fill it again (sync/forms/README.md, fill rules).
        if value is None or value == []:
            record.fields.pop(path, None)
        else:
            record.fields[path] = value
        record.field_versions[path] = version
        if device_text is not None:
            record.field_devices[path] = device_text


def _changed_by_others_since(record: DossierRecord, version: int, device: str) -> bool:
    return any(
        changed > version and record.field_devices.get(path) != device
        for path, changed in record.field_versions.items()
    )


def _kept_fields(
    procedure: Procedure, answers: dict[str, Any], values: dict[str, Any]
) -> dict[str, Any]:
    """What a validated dossier stores: its normalized values, and `""` for each field the
    person emptied, so that a later validation (a supplement) does not fill it again."""
    types = procedure.schema.types_by_path()
    emptied = {
        path: ""
        for path, raw in answers.items()
        if isinstance(raw, str)
        and path in types
        and path not in values
        and is_empty(normalize(types[path], raw))
    }
    return {**values, **emptied}


def _issue_reasons(issues: list[Issue], lang: str = "vi") -> list[Reason]:
    return [Reason(code=i.code, path=i.path, message=render(i, lang)) for i in issues]


def new_draft(
    dossier_id: uuid.UUID,
    procedure: Procedure,
    actor: Actor,
    now: dt.datetime,
    version: int,
    values: dict[str, Any],
) -> DossierRecord:
    """A draft of `actor`'s account at `version`, every answer set by its device."""
    record = DossierRecord(
        id=dossier_id,
        owner_id=actor.account_id,
        procedure_code=procedure.code,
        family=procedure.family,
        schema_version=procedure.version,
        state=State.DRAFT,
        version=version,
        fields={},
        field_versions={},
        created_by_device=actor.device_id,
        created_at=now,
        updated_at=now,
    )
    set_fields(record, values, version, actor.device_id)
    record.commune_code = answered_commune(record.fields)
    return record


# What a kind's handler decides: the outcome's status and the conflicts it raised.
Applied = tuple[Status, list[FieldConflict]]
# A handler of a kind that changes an existing dossier: (dossier, mutation, payload).
ChangeHandler = Callable[[DossierRecord, Mutation, Any], Awaitable[Applied]]
# Every kind's handler: (mutation, payload) -> the dossier it created or changed.
Handler = Callable[[Mutation, Any], Awaitable[tuple[DossierRecord, Applied]]]


class MutationApplier:
    """Applies a device's mutations, one at a time, to the dossiers in `store`."""

    def __init__(
        self,
        store: Store,
        actor: Actor,
        now: dt.datetime,
        today: dt.date,
        *,
        day_of: Callable[[dt.datetime], dt.date],
    ) -> None:
        """`today`: the day `now` falls on where the law counts days; `day_of` gives that
        day for any instant (the day a dossier was filed)."""
        self.store = store
        self.actor = actor
        self.now = now
        self.today = today
        self.day_of = day_of
        self._current: DossierRecord | None = None
        # Each mutation kind of the protocol (sync/messages.py Kind), and what does it.
        self.handlers: Mapping[Kind, Handler] = {
            "create_draft": self._create,
            "edit_draft": self._changing(self._edit_draft),
            "attach": self._changing(self._attach),
            "detach": self._changing(self._detach),
            "submit": self._changing(self._submit),
            "withdraw": self._changing(self._withdraw),
            "answer_supplement": self._changing(self._answer_supplement),
            "resolve_conflict": self._changing(self._resolve_conflict),
            "rate": self._changing(self._rate),
            "delete_draft": self._changing(self._delete_draft),
        }

    async def apply(self, mutation: Mutation) -> Outcome:
        self._current = None
        try:
            payload = decode_payload(mutation)
            record, (status, conflicts) = await self.handlers[mutation.kind](mutation, payload)
        except Rejected as rejected:
            return self._rejected(mutation, rejected.reasons)
        except msgspec.ValidationError as exc:
            # A malformed payload is this item's problem only: the queue moves on.
            message = str(exc)
            path = (
                "payload" + message.split("at `$", 1)[1].rstrip("`")
                if "at `$" in message
                else "payload"
            )
            return self._rejected(mutation, [Reason("invalid_payload", path, message)])
        return Outcome(
            seq=mutation.seq,
            mutation_id=mutation.id,
            dossier_id=record.id,
            status=status,
            version=record.version,
            state=record.state,
            code=record.code,
            conflicts=conflicts,
        )

    def _rejected(self, mutation: Mutation, reasons: list[Reason]) -> Outcome:
        # The dossier's current state and version come along, so the device can
        # show why and catch up (principle 6).
        current = self._current
        return Outcome(
            seq=mutation.seq,
            mutation_id=mutation.id,
            dossier_id=mutation.dossier_id,
            status="rejected",
            reasons=reasons,
            version=current.version if current else None,
            state=current.state if current else None,
            code=current.code if current else None,
        )

    # -- helpers ------------------------------------------------------------

    def _changing(self, handler: ChangeHandler) -> Handler:
        """`handler` on the dossier the mutation names, loaded and checked first."""

        async def run(mutation: Mutation, payload: Any) -> tuple[DossierRecord, Applied]:
            record = await self._load(mutation)
            before = copy.deepcopy(record)
            try:
                return record, await handler(record, mutation, payload)
            except Rejected:
                # A rejection may come after the record was changed in memory (a size
                # limit checked as it is saved): put it back as it was.
                for name in record.__struct_fields__:
                    setattr(record, name, getattr(before, name))
                raise

        return run

    async def _load(self, mutation: Mutation) -> DossierRecord:
        record = await self.store.load_for_update(mutation.dossier_id)
        if record is None or record.owner_id != self.actor.account_id:
            # Another account's dossier is no dossier: the answer must not tell it exists.
            raise _reason("unknown_dossier", "dossier_id")
        self._current = record
        if record.deleted_at is not None and mutation.kind != "delete_draft":
            raise _reason("draft_deleted", "dossier_id", "the person deleted this draft")
        if mutation.kind == "delete_draft" and record.state != State.DRAFT:
            raise _reason(
                "submitted_withdraw_instead",
                "kind",
                "a submitted dossier is never deleted: withdraw it instead (withdraw)",
            )
        if State(record.state) not in DEVICE_MUTATIONS[mutation.kind]:
            raise _reason(
                "not_allowed_in_state",
                "kind",
                f"{mutation.kind} is not allowed in state {record.state} ({label(record.state, 'en')})",
            )
        return record

    async def _procedure(self, record: DossierRecord) -> Procedure:
        procedure = await self.store.procedure(record.procedure_code, record.schema_version)
        if procedure is None:  # versions are never deleted; only a broken database gets here
            raise _reason("unknown_procedure", "procedure_code")
        return procedure

    async def _save(
        self,
        record: DossierRecord,
        action: str,
        from_state: int,
        message: str = "",
        detail: dict[str, Any] | None = None,
    ) -> None:
        record.updated_at = self.now
        await self.store.update(record)
        await self.store.add_history(
            record.id, self.actor, action, from_state, record.state, message, detail
        )
        await self.store.publish(record)

    # -- kinds --------------------------------------------------------------

    async def _create(
        self, mutation: Mutation, payload: CreateDraft
    ) -> tuple[DossierRecord, Applied]:
        existing = await self.store.load_for_update(mutation.dossier_id)
        if existing is not None and existing.owner_id == self.actor.account_id:
            raise _reason("already_exists", "dossier_id")  # this account's own: the draft exists
        if existing is not None or not usable_id(mutation.dossier_id):
            # Taken by another account, or no id a device mints: the same answer, so
            # that it cannot be told whether someone holds this id.
            raise _reason("id_unavailable", "dossier_id", "this id cannot be used: mint a new one")
        procedure = await self.store.procedure(payload.procedure_code, payload.schema_version)
        if procedure is None:
            path = "payload.schema_version" if payload.schema_version else "payload.procedure_code"
            raise _reason("unknown_procedure", path, payload.procedure_code)
        values = check_changes(procedure, payload.fields, allow_attachments=False, key="fields")
        record = new_draft(mutation.dossier_id, procedure, self.actor, self.now, 1, values)
        await self.store.insert(record)
        await self.store.add_history(
            record.id, self.actor, "create_draft", State.DRAFT, State.DRAFT
        )
        await self.store.publish(record)
        return record, ("applied", [])

    async def _edit_draft(
        self, record: DossierRecord, mutation: Mutation, payload: EditDraft
    ) -> Applied:
        procedure = await self._procedure(record)
        changes = check_changes(procedure, payload.changes, allow_attachments=False)
        return await self._merge(record, mutation, changes, "edit_draft")

    async def _merge(
        self, record: DossierRecord, mutation: Mutation, changes: dict[str, Any], action: str
    ) -> Applied:
        merged = merge_changes(
            record.fields,
            record.field_versions,
            mutation.base_version,
            changes,
            record.field_devices,
            str(self.actor.device_id),
        )
        effective = {p: v for p, v in merged.apply.items() if not same(record.fields.get(p), v)}
        status: Status = "applied" if mutation.base_version >= record.version else "merged"
        if not effective and not merged.conflicts:
            return status, []
        from_state = record.state
        record.version += 1
        set_fields(record, effective, record.version, self.actor.device_id)
        record.commune_code = answered_commune(record.fields, record.commune_code)
        conflicts: list[FieldConflict] = []
        for path, server_value, device_value in merged.conflicts:
            conflict_id = await self.store.add_conflict(
                record.id, path, server_value, device_value, self.actor.device_id
            )
            conflicts.append(FieldConflict(conflict_id, path, server_value, device_value))
        await self._save(
            record, action, from_state, detail={"fields": ",".join(sorted(changes))[:500]}
        )
        return ("conflict" if conflicts else status), conflicts

    async def _is_attachment_field(self, record: DossierRecord, path: str) -> bool:
        entry = (await self._procedure(record)).schema.fields_by_path().get(path)
        return entry is not None and entry[1].type == "attachment"

    async def _attachment_field(self, record: DossierRecord, path: str, sha256: str) -> None:
        if not await self._is_attachment_field(record, path):
            raise _reason("not_an_attachment_slot", "payload.path", path)
        if not is_sha256(sha256):
            raise _reason("invalid_attachment", "payload.sha256", "64 lower-case hex digits")

    async def _attach(self, record: DossierRecord, mutation: Mutation, payload: Attach) -> Applied:
        await self._attachment_field(record, payload.path, payload.sha256)
        await self._require_sent({"payload.sha256": [payload.sha256]})
        current = list(record.fields.get(payload.path) or [])
        if payload.sha256 in current:
            return "applied", []
        current.append(payload.sha256)
        from_state = record.state
        record.version += 1
        set_fields(record, {payload.path: current}, record.version, self.actor.device_id)
        await self._save(
            record, "attach", from_state, detail={"path": payload.path, "sha256": payload.sha256}
        )
        return "applied", []

    async def _detach(self, record: DossierRecord, mutation: Mutation, payload: Detach) -> Applied:
        await self._attachment_field(record, payload.path, payload.sha256)
        current = list(record.fields.get(payload.path) or [])
        if payload.sha256 not in current:
            return "applied", []
        current.remove(payload.sha256)
        from_state = record.state
        record.version += 1
        set_fields(record, {payload.path: current}, record.version, self.actor.device_id)
        await self._save(
            record, "detach", from_state, detail={"path": payload.path, "sha256": payload.sha256}
        )
        return "applied", []

    async def _validated(
        self, record: DossierRecord, filed_on: dt.date | None = None
    ) -> dict[str, Any]:
        """The dossier's values, validated today; checks count ages and time limits to
        `filed_on` (default today: a dossier being filed now)."""
        procedure = await self._procedure(record)
        context = msgspec.structs.replace(
            await self.store.form_context(), today=self.today, filed_on=filed_on
        )
        result = validate(procedure.schema, record.fields, context)
        if result.has_errors:
            raise Rejected(*_issue_reasons(result.errors))
        await self._require_sent(
            {
                path: result.values[path]
                for path, (_, f) in procedure.schema.fields_by_path().items()
                if f.type == "attachment" and result.values.get(path)
            }
        )
        return result.values

    async def _require_sent(self, hashes_by_path: dict[str, list[str]]) -> None:
        """The one rule for every mutation that puts files in a dossier (attach,
        submit, answer_supplement): this account must itself have sent each file's
        verified bytes, from any of its devices. Naming a hash is not holding it: a
        hash is no secret, and a dossier's files are read by its commune's officials."""
        wanted = sorted({h for hashes in hashes_by_path.values() for h in hashes})
        if not wanted:
            return
        missing = set(await self.store.missing_blobs(wanted, self.actor.account_id))
        if missing:
            raise Rejected(
                *[
                    Reason(
                        "attachment_not_uploaded",
                        path,
                        "this account has not sent the file's bytes: upload it first",
                    )
                    for path, hashes in hashes_by_path.items()
                    if missing & set(hashes)
                ]
            )

    async def _submit(self, record: DossierRecord, mutation: Mutation, payload: Submit) -> Applied:
        if await self.store.open_conflicts_count(record.id):
            raise _reason("unresolved_conflicts", "dossier_id")
        values = await self._validated(record)
        commune = str(values.get(AGENCY_COMMUNE, ""))
        if payload.reserved_code:
            try:
                code = parse_code(payload.reserved_code)
            except InvalidCode as exc:
                raise _reason(
                    "reserved_code_invalid", "payload.reserved_code", exc.reason
                ) from None
            if code[:5] != commune or not await self.store.bind_reserved_code(
                code, self.actor.device_id, record.id
            ):
                raise _reason(
                    "reserved_code_invalid",
                    "payload.reserved_code",
                    "not reserved to this device for this commune, or already used",
                )
        else:
            code = await self.store.next_code(commune, self.today.year)
        from_state = record.state
        record.version += 1
        record.fields = _kept_fields(await self._procedure(record), record.fields, values)
        record.field_versions = dict.fromkeys(record.fields, record.version)
        record.commune_code = commune
        record.code = code
        record.state = State.SUBMITTED
        record.submitted_at = self.now
        record.search_text = search_text(code, values)
        record.dup_key = duplicate_key(record.family, commune, values)
        if record.dup_key:
            record.possible_duplicate_of = await self.store.find_duplicate(
                record.dup_key, record.id
            )
        await self._save(record, "submit", from_state, detail={"code": code})
        await self.store.submitted(record, self.actor)
        return "applied", []

    async def _withdraw(
        self, record: DossierRecord, mutation: Mutation, payload: Withdraw
    ) -> Applied:
        if len(payload.reason) > MAX_TEXT:
            raise _reason("too_long", "payload.reason", str(MAX_TEXT))
        from_state = record.state
        record.version += 1
        record.state = State.WITHDRAWAL_REQUESTED
        await self._save(record, "withdraw", from_state, message=nfc(payload.reason))
        return "applied", []

    async def _delete_draft(
        self, record: DossierRecord, mutation: Mutation, payload: DeleteDraft
    ) -> Applied:
        # A tombstone: the answers go (and with them the links to the draft's files, and
        # the conflicts that held two of them), the row stays so that the feed tells the
        # person's other devices to drop it.
        if record.deleted_at is not None:  # another of their devices deleted it first: done
            return "applied", []
        # Another device changed an answer after the version this one showed: deleting
        # would throw away typing the person never saw here (principle 5). Their own
        # device's later edits they have seen.
        if _changed_by_others_since(record, mutation.base_version, str(self.actor.device_id)):
            raise _reason(
                "changed_since_seen",
                "base_version",
                "another device changed this draft after the version this device saw",
            )
        from_state = record.state
        record.version += 1
        record.fields, record.field_versions, record.field_devices = {}, {}, {}
        record.search_text = ""
        record.deleted_at = self.now
        await self.store.forget_conflicts(record.id)
        await self._save(record, "delete_draft", from_state)
        return "applied", []

    async def _answer_supplement(
        self, record: DossierRecord, mutation: Mutation, payload: AnswerSupplement
    ) -> Applied:
        if len(payload.message) > MAX_TEXT:
            raise _reason("too_long", "payload.message", str(MAX_TEXT))
        procedure = await self._procedure(record)
        changes = check_changes(procedure, payload.changes, allow_attachments=True)
        _refuse_agency_change(record, changes)
        candidate = dict(record.fields)
        for path, value in changes.items():
            if value is None:
                candidate.pop(path, None)
            else:
                candidate[path] = value
        saved = record.fields
        record.fields = candidate
        # Judged as filed: ages and time limits count to the day of filing, not to the
        # day a requested document came (a child under 6 then keeps the BHYT card). "Not
        # in the future" stays today's rule: that document may be dated after the filing.
        # (min: a clock set back never puts the filing after today.)
        filed = min(self.day_of(record.submitted_at), self.today) if record.submitted_at else None
        try:
            values = await self._validated(record, filed_on=filed)
        finally:
            record.fields = saved
        supplied = _supplied_documents(record, payload, candidate)
        from_state = record.state
        record.version += 1
        set_fields(record, changes, record.version, self.actor.device_id)
        record.fields = _kept_fields(procedure, candidate, values)
        record.state = State.PROCESSING
        record.supplement = None
        await self._save(
            record,
            "answer_supplement",
            from_state,
            message=nfc(payload.message),
            detail={"documents": supplied} if supplied else None,
        )
        return "applied", []

    async def _resolve_conflict(
        self, record: DossierRecord, mutation: Mutation, payload: ResolveConflict
    ) -> Applied:
        conflict = await self.store.get_conflict(record.id, payload.conflict_id)
        if conflict is None:
            raise _reason("unknown_conflict", "payload.conflict_id")
        if payload.choice == "server":
            value = conflict.server_value
        elif payload.choice == "device":
            value = conflict.device_value
        else:
            procedure = await self._procedure(record)
            value = check_changes(
                procedure, {conflict.path: payload.value}, allow_attachments=False
            )[conflict.path]
        if isinstance(value, list) and await self._is_attachment_field(record, conflict.path):
            # Chosen from a put-back's answers or the server's: it names only files
            # this account sent, as every way into a dossier does.
            named = cast("list[object]", value)
            await self._require_sent({"payload.choice": [str(h) for h in named]})
        _refuse_agency_change(record, {conflict.path: value})
        current = record.fields.get(conflict.path)
        # The field changed after the version this person decided on (another edit, or
        # another device's resolution): their choice must not silently overwrite what
        # they never saw (principle 5), nor be silently dropped.
        unseen = record.field_versions.get(conflict.path, 0) > mutation.base_version and not same(
            current, value
        )
        # Settled already (by another device, or by this one from an older view): a choice
        # the field holds is done; any other is kept. The field's version cannot tell
        # whether the person saw that settlement: one that kept its choice in a new
        # conflict left the field as it was.
        if conflict.resolved and same(current, value):
            return "applied", []
        from_state = record.state
        record.version += 1
        if conflict.resolved or (unseen and not same(current, conflict.server_value)):
            # Settle this conflict with their choice, and keep both the newer value and
            # the choice in a new one.
            if not conflict.resolved:
                await self.store.resolve_conflict(conflict.id, value, self.actor.account_id)
            conflict_id = await self.store.add_conflict(
                record.id, conflict.path, current, value, self.actor.device_id
            )
            await self._save(record, "resolve_conflict", from_state, detail={"path": conflict.path})
            return "conflict", [FieldConflict(conflict_id, conflict.path, current, value)]
        set_fields(record, {conflict.path: value}, record.version, self.actor.device_id)
        await self.store.resolve_conflict(conflict.id, value, self.actor.account_id)
        await self._save(record, "resolve_conflict", from_state, detail={"path": conflict.path})
        return "applied", []

    async def _rate(self, record: DossierRecord, mutation: Mutation, payload: Rate) -> Applied:
        if not 1 <= payload.stars <= 5:
            raise _reason("out_of_range", "payload.stars", "1 to 5")
        if len(payload.comment) > 1000:
            raise _reason("too_long", "payload.comment", "1000")
        from_state = record.state
        record.version += 1
        record.rating_stars = payload.stars
        record.rating_comment = nfc(payload.comment.strip())
        await self._save(
            record,
            "rate",
            from_state,
            message=record.rating_comment,
            detail={"stars": str(payload.stars)},
        )
        return "applied", []

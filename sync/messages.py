"""The wire messages of the sync protocol (see sync/README.md). msgspec Structs,
encoded as JSON or MessagePack alike."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec

from sync.digests import Sha256Digest

# Limits, enforced before anything is stored (413/422 with the path).
MAX_MUTATIONS = 100
# Files one attachment answer may name where a list is taken whole (a put-back, a
# supplement); a form's own limit (at most 10) is checked when it is submitted.
MAX_FILES_PER_ANSWER = 100
MAX_BODY_BYTES = 1024 * 1024
MAX_CHANGES = 300
MAX_TEXT = 4000
# Integers are bounded where they are declared, by what they meet: seq (BIGINT) and
# base_version at what a JavaScript client holds exactly (2^53 - 1), ids and
# versions of INTEGER columns at 2^31 - 1. Out of range is refused at its path: 422
# for the envelope, `invalid_payload` for a payload, never a database error.
MAX_SAFE_INT = 2**53 - 1
MAX_INT32 = 2**31 - 1
# A server generation (§9): 1 until the first restore, one more after each.
MAX_GENERATION = 255
Generation = Annotated[int, msgspec.Meta(ge=1, le=MAX_GENERATION)]
Seal = Annotated[str, msgspec.Meta(max_length=64)]
Seq = Annotated[int, msgspec.Meta(ge=1, le=MAX_SAFE_INT)]
Version = Annotated[int, msgspec.Meta(ge=0, le=MAX_SAFE_INT)]
RowId = Annotated[int, msgspec.Meta(ge=1, le=MAX_INT32)]

Kind = Literal[
    "create_draft",
    "edit_draft",
    "attach",
    "detach",
    "submit",
    "withdraw",
    "answer_supplement",
    "resolve_conflict",
    "rate",
    "delete_draft",
]
Status = Literal["applied", "merged", "conflict", "rejected"]
# Checked where it is applied (sync/engine.py), so a bad digest rejects its own mutation.
Sha256 = str


class CreateDraft(msgspec.Struct, forbid_unknown_fields=True):
    procedure_code: str
    # The catalog version the device drafted against; the current one when omitted.
    schema_version: RowId | None = None
    fields: dict[str, Any] = {}


class EditDraft(msgspec.Struct, forbid_unknown_fields=True):
    # field path -> new value (null clears the field)
    changes: dict[str, Any]


class Attach(msgspec.Struct, forbid_unknown_fields=True):
    path: str
    sha256: Sha256


class Detach(msgspec.Struct, forbid_unknown_fields=True):
    path: str
    sha256: Sha256


class Submit(msgspec.Struct, forbid_unknown_fields=True):
    # A code this device reserved while online (outreach), bound if still valid.
    reserved_code: str | None = None


class Withdraw(msgspec.Struct, forbid_unknown_fields=True):
    reason: str = ""


class DeleteDraft(msgspec.Struct, forbid_unknown_fields=True):
    """Nothing to say: the draft goes, on every device (a submitted one is withdrawn)."""


class SuppliedDocument(msgspec.Struct, forbid_unknown_fields=True):
    """The files that answer one of the documents the desk asked for (named as the
    request names it, `SupplementRequest.documents`)."""

    document: str
    files: list[str]


class AnswerSupplement(msgspec.Struct, forbid_unknown_fields=True):
    message: str = ""
    changes: dict[str, Any] = {}
    # Which requested document each new file answers; the files themselves are in
    # `changes`, in the form's attachment fields.
    documents: list[SuppliedDocument] = []


class ResolveConflict(msgspec.Struct, forbid_unknown_fields=True):
    conflict_id: RowId
    # "server" keeps the value the server holds, "device" takes the device's,
    # "value" sets `value` (the person typed a third one).
    choice: Literal["server", "device", "value"]
    value: Any = None


class Rate(msgspec.Struct, forbid_unknown_fields=True):
    stars: int
    comment: str = ""


Payload = (
    CreateDraft
    | EditDraft
    | Attach
    | Detach
    | Submit
    | Withdraw
    | AnswerSupplement
    | ResolveConflict
    | Rate
    | DeleteDraft
)
PAYLOAD_TYPES: dict[str, type] = {
    "create_draft": CreateDraft,
    "edit_draft": EditDraft,
    "attach": Attach,
    "detach": Detach,
    "submit": Submit,
    "withdraw": Withdraw,
    "answer_supplement": AnswerSupplement,
    "resolve_conflict": ResolveConflict,
    "rate": Rate,
    "delete_draft": DeleteDraft,
}


class Mutation(msgspec.Struct, forbid_unknown_fields=True):
    seq: Seq
    id: uuid.UUID
    dossier_id: uuid.UUID
    kind: Kind
    payload: dict[str, Any]
    # The dossier version the device last saw (0 for a new draft).
    base_version: Version = 0
    client_time: dt.datetime | None = None


class PushEnvelope(msgspec.Struct, forbid_unknown_fields=True):
    device_id: uuid.UUID
    mutations: list[Mutation]
    # The highest seq the server ever confirmed to this device, the server generation
    # it was confirmed in, and the receipt that came with them: a server that holds less
    # was restored (§9).
    confirmed_seq: Annotated[int, msgspec.Meta(ge=0, le=MAX_SAFE_INT)] = 0
    generation: Generation | None = None
    receipt: Seal | None = None


class FieldConflict(msgspec.Struct):
    conflict_id: int
    path: str
    server_value: Any
    device_value: Any


class Reason(msgspec.Struct):
    code: str
    path: str = ""
    message: str = ""


class Outcome(msgspec.Struct, omit_defaults=True):
    seq: int
    mutation_id: uuid.UUID
    dossier_id: uuid.UUID
    status: Status
    version: int | None = None
    state: int | None = None
    code: str | None = None
    conflicts: list[FieldConflict] = []
    reasons: list[Reason] = []
    # With a code: the server's seal on (dossier, account, code), which the device
    # keeps to take the code back after a restore (§9).
    seal: str | None = None


class PushResponse(msgspec.Struct, omit_defaults=True):
    outcomes: list[Outcome]
    # The highest seq the server holds for this device.
    last_seq: int
    # Set when a gap stopped processing: the seq the server expects next.
    expected_seq: int | None = None
    # The server's generation (§9); always present in an answer.
    generation: int | None = None
    # The server's seal on (device, last_seq, generation): keep it with last_seq (§9.1).
    receipt: str | None = None


class Conflict(msgspec.Struct):
    id: int
    path: str
    server_value: Any
    device_value: Any
    device_id: uuid.UUID | None
    created_at: dt.datetime


class SupplementRequest(msgspec.Struct, omit_defaults=True):
    documents: list[str]
    reason: str
    due_date: dt.date | None = None
    requested_at: dt.datetime | None = None


class Message(msgspec.Struct):
    at: dt.datetime
    author: Literal["official", "person"]
    text: str


class ApologyLetter(msgspec.Struct):
    """An apology letter with a new date (server/desk/deadlines.py), which its owner
    reads at /api/dossiers/{id}/apology/{number}."""

    number: int
    at: dt.datetime
    new_date: dt.date


class DossierView(msgspec.Struct):
    """A dossier as the pull sends it: the whole current state, so applying the
    same view twice, or an older one after a newer, changes nothing."""

    id: uuid.UUID
    procedure_code: str
    schema_version: int
    state: int
    version: int
    fields: dict[str, Any]
    commune_code: str = ""
    code: str | None = None
    submitted_at: dt.datetime | None = None
    due_date: dt.date | None = None
    appointment_date: dt.date | None = None
    conflicts: list[Conflict] = []
    supplement: SupplementRequest | None = None
    messages: list[Message] = []
    # The apology letters issued so far, in order (numbered from 1).
    apology_letters: list[ApologyLetter] = []
    # Once the desk completed it: the number in the civil-status register.
    register_number: str | None = None
    possible_duplicate_of: uuid.UUID | None = None
    updated_at: dt.datetime | None = None
    # A tombstone: the draft was deleted, and a device holding it drops it.
    deleted: bool = False
    # With a code: the server's seal on it, kept by the owner's devices (§9).
    seal: str | None = None


class PullResponse(msgspec.Struct):
    dossiers: list[DossierView]
    cursor: str
    more: bool
    # True when the cursor was unknown: this is a full resend from the start.
    reset: bool = False
    # True when committed changes wait for an older transaction to finish before
    # they can be handed out in order: pull again in a moment.
    pending: bool = False
    # The server's generation (§9).
    generation: int = 1


class ReserveRequest(msgspec.Struct, forbid_unknown_fields=True):
    count: int


class Reservation(msgspec.Struct, omit_defaults=True):
    code: str
    expires_at: dt.datetime
    # The server's seal on (code, device): the device keeps it to take the
    # reservation back after a restore (§9).
    seal: str = ""


class ReserveResponse(msgspec.Struct):
    commune_code: str
    codes: list[Reservation]


# -- after a restore (§9) ------------------------------------------------------

MAX_HELD_DOSSIERS = 100
# A page of 100 whole dossiers, answers and all.
RECOVER_MAX_BODY_BYTES = 8 * 1024 * 1024
MAX_HELD_RESERVATIONS = 500
MAX_HELD_FILES = 500
HeldState = Annotated[int, msgspec.Meta(ge=0, le=10)]


class HeldDossier(msgspec.Struct, forbid_unknown_fields=True):
    """A dossier as the device holds it: its answers (with what it has not sent yet),
    and what the server last told it (version, state, code and its seal)."""

    id: uuid.UUID
    procedure_code: Annotated[str, msgspec.Meta(max_length=64)]
    schema_version: RowId
    state: HeldState
    version: Version
    fields: dict[str, Any] = {}
    code: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    seal: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    submitted_at: dt.datetime | None = None
    # The person deleted this draft (the device remembers the id, not the answers).
    deleted: bool = False


class HeldReservation(msgspec.Struct, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(max_length=32)]
    expires_at: dt.datetime
    seal: Annotated[str, msgspec.Meta(max_length=64)]


class HeldFile(msgspec.Struct, forbid_unknown_fields=True):
    # A file the device's dossiers name, with the server's seal on (account, hash)
    # given when the server held its bytes (POST /api/blobs/missing, the tus answer).
    sha256: Sha256Digest
    seal: Annotated[str, msgspec.Meta(max_length=64)]


class RecoverRequest(msgspec.Struct, forbid_unknown_fields=True):
    device_id: uuid.UUID
    # As in the push envelope: the highest seq confirmed to the device, and the
    # generation the device last synced in (null: it never learnt one).
    confirmed_seq: Annotated[int, msgspec.Meta(ge=0, le=MAX_SAFE_INT)] = 0
    generation: Generation | None = None
    receipt: Seal | None = None
    dossiers: Annotated[list[HeldDossier], msgspec.Meta(max_length=MAX_HELD_DOSSIERS)] = []
    reservations: Annotated[
        list[HeldReservation], msgspec.Meta(max_length=MAX_HELD_RESERVATIONS)
    ] = []
    files: Annotated[list[HeldFile], msgspec.Meta(max_length=MAX_HELD_FILES)] = []
    # The last page: the device has put back everything it holds and may push again.
    done: bool = True


PutBackStatus = Literal["restored", "kept", "conflict", "rejected"]


class PutBackResult(msgspec.Struct, omit_defaults=True):
    dossier_id: uuid.UUID
    # restored: the server took the device's dossier back (in full, or its newer
    # answers); kept: the server already held it as the device does, or holds a later
    # state, and keeps its own; conflict: answers changed on both sides since the
    # restore, kept as conflicts for the person; rejected: see reasons.
    status: PutBackStatus
    version: int | None = None
    state: int | None = None
    code: str | None = None
    conflicts: list[FieldConflict] = []
    reasons: list[Reason] = []


class RecoverResponse(msgspec.Struct, omit_defaults=True):
    generation: int
    # The seq the device's next mutation must carry is last_seq + 1.
    last_seq: int
    # The device put back its last page: it may push.
    recovered: bool
    # As in a push answer: the seal on (device, last_seq, generation).
    receipt: str | None = None
    results: list[PutBackResult] = []
    # Reservations the server took back, and those it refused (with why).
    reservations_restored: int = 0
    reservations_refused: list[Reason] = []
    # Files whose sending the server recorded again, and those the device must upload
    # again (the store lacks the bytes, or the seal was not the server's for this account).
    files_restored: int = 0
    files_missing: list[str] = []

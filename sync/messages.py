"""The wire messages of the sync protocol (see sync/README.md). msgspec Structs,
encoded as JSON or MessagePack alike."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec

# Limits, enforced before anything is stored (413/422 with the path).
MAX_MUTATIONS = 100
MAX_BODY_BYTES = 1024 * 1024
MAX_CHANGES = 300
MAX_TEXT = 4000
# Integers are bounded where they are declared, by what they meet: seq (BIGINT) and
# base_version at what a JavaScript client holds exactly (2^53 - 1), ids and
# versions of INTEGER columns at 2^31 - 1. Out of range is refused at its path: 422
# for the envelope, `invalid_payload` for a payload, never a database error.
MAX_SAFE_INT = 2**53 - 1
MAX_INT32 = 2**31 - 1
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


class AnswerSupplement(msgspec.Struct, forbid_unknown_fields=True):
    message: str = ""
    changes: dict[str, Any] = {}


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


class PushResponse(msgspec.Struct, omit_defaults=True):
    outcomes: list[Outcome]
    # The highest seq the server holds for this device.
    last_seq: int
    # Set when a gap stopped processing: the seq the server expects next.
    expected_seq: int | None = None


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
    possible_duplicate_of: uuid.UUID | None = None
    updated_at: dt.datetime | None = None
    # A tombstone: the draft was deleted, and a device holding it drops it.
    deleted: bool = False


class PullResponse(msgspec.Struct):
    dossiers: list[DossierView]
    cursor: str
    more: bool
    # True when the cursor was unknown: this is a full resend from the start.
    reset: bool = False
    # True when committed changes wait for an older transaction to finish before
    # they can be handed out in order: pull again in a moment.
    pending: bool = False


class ReserveRequest(msgspec.Struct, forbid_unknown_fields=True):
    count: int


class Reservation(msgspec.Struct):
    code: str
    expires_at: dt.datetime


class ReserveResponse(msgspec.Struct):
    commune_code: str
    codes: list[Reservation]

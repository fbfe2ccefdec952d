"""Wire shapes of the desk API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec

from server.catalog.definition import Text
from sync.messages import MAX_INT32


class QueueItem(msgspec.Struct):
    id: uuid.UUID
    code: str | None
    procedure_code: str
    procedure: Text
    state: int
    state_label: Text
    commune_code: str
    # The person the dossier is about, for the official's eyes.
    subject: str
    submitted_at: dt.datetime | None
    due_date: dt.date | None
    overdue: bool
    possible_duplicate_of: uuid.UUID | None
    # A requester's answer differs from what the owner's e-ID verified (see
    # verified_requester on the dossier).
    requester_changed: bool = False


class QueueResponse(msgspec.Struct):
    items: list[QueueItem]
    total: int


class HistoryEntry(msgspec.Struct):
    at: dt.datetime
    action: str
    from_state: int
    to_state: int
    actor_role: str
    message: str
    detail: dict[str, Any]
    # Who acted, so that the screen can group one person's run of edits.
    actor_id: uuid.UUID | None = None


class Task(msgspec.Struct):
    task: str
    agency: str
    state: str
    reference: str


class VerifiedField(msgspec.Struct):
    # verified: the answer is the fact the e-ID verified; changed: the person changed
    # it; missing: left empty (or hidden behind another identity document).
    status: Literal["verified", "changed", "missing"]
    # What the provider verified, as it gave it, for the desk to compare.
    verified_value: str


class VerifiedRequester(msgspec.Struct):
    """The requester's answers against the facts the owner's e-ID verified at their
    latest sign-in; computed by the server (server/desk/verified_requester.py)."""

    provider: str
    # The provider's name on screen (its configured label; else its name).
    provider_label: Text
    verified_at: dt.datetime
    # By path ("requester.full_name", …): only fields the form asks and the provider gave.
    fields: dict[str, VerifiedField]
    any_changed: bool


class DeskDossier(msgspec.Struct):
    id: uuid.UUID
    code: str | None
    procedure_code: str
    procedure: Text
    level: int
    schema_version: int
    state: int
    state_label: Text
    version: int
    commune_code: str
    fields: dict[str, Any]
    submitted_at: dt.datetime | None
    received_at: dt.datetime | None
    due_date: dt.date | None
    appointment_date: dt.date | None
    overdue: bool
    possible_duplicate_of: uuid.UUID | None
    duplicate_decision: str
    fee: dict[str, Any] | None
    result: dict[str, Any] | None
    tasks: list[Task]
    history: list[HistoryEntry]
    rating_stars: int | None
    rating_comment: str
    # The procedure's extended limit in working days and when it applies (None: the
    # procedure has none), and when the desk extended it (at most once).
    extended_days: int | None = None
    extended_when: Text | None = None
    extended_at: dt.datetime | None = None
    # The apology letters issued, by number: /api/dossiers/{id}/apology/{n}
    apology_letters: list[int] = []
    # The names the files were sent with, by SHA-256, for the files in the answers and
    # the history (as long as the server keeps the upload's record).
    file_names: dict[str, str] = {}
    # For a citizen who signed in with the national e-ID: which requester answers are
    # the verified facts. None: no identity, an official's dossier, or no requester.
    verified_requester: VerifiedRequester | None = None


# -- actions ----------------------------------------------------------------------


class Note(msgspec.Struct, forbid_unknown_fields=True):
    """receive, start: an optional message to the person."""

    message: str = ""


class Reason(msgspec.Struct, forbid_unknown_fields=True):
    """refuse, stop, accept_withdrawal, message: the reason is required."""

    reason: str


class RequestDocuments(msgspec.Struct, forbid_unknown_fields=True):
    documents: list[str]
    reason: str
    due_date: dt.date


class RequestFee(msgspec.Struct, forbid_unknown_fields=True):
    # đồng; no more than a recorded payment's column holds
    amount: Annotated[int, msgspec.Meta(le=MAX_INT32)]
    # desk: paid at the one-stop desk; online: level 4, paid through a provider
    method: Literal["desk", "online"]
    message: str = ""


class RecordPayment(msgspec.Struct, forbid_unknown_fields=True):
    # The receipt number at the desk, or the provider's transaction reference (≤ 128).
    reference: str
    # "desk" (cash), or an online provider of GET /api/desk/payment-providers, which
    # confirms the reference first (level-4 fees requested online only).
    provider: str = "desk"


class Complete(msgspec.Struct, forbid_unknown_fields=True):
    # Số đăng ký in the civil-status register
    register_number: str
    # The result document (an uploaded blob), when issued electronically
    result_sha256: str | None = None
    message: str = ""


class ReturnResult(msgspec.Struct, forbid_unknown_fields=True):
    method: Literal["desk", "post"]
    tracking_number: str = ""


class MarkDuplicate(msgspec.Struct, forbid_unknown_fields=True):
    of: uuid.UUID
    reason: str = ""


class ExtendForVerification(msgspec.Struct, forbid_unknown_fields=True):
    """The conditions must be verified: the procedure's extended_days apply."""

    reason: str


class Apologise(msgspec.Struct, forbid_unknown_fields=True):
    """The dossier is overdue: an apology letter with a new appointment (a working day
    after today)."""

    reason: str
    new_date: dt.date


class TaskUpdate(msgspec.Struct, forbid_unknown_fields=True):
    state: Literal["handed_over", "done"]
    reference: str = ""


class ActionResult(msgspec.Struct):
    id: uuid.UUID
    state: int
    version: int
    due_date: dt.date | None
    appointment_date: dt.date | None

from piccolo.columns import (
    UUID,
    BigInt,
    BigSerial,
    Date,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from sync.dupkeys import DUP_KEY_LENGTH


class Dossier(Table, tablename="dossier"):
    id = UUID(primary_key=True)  # minted by the device (UUIDv7)
    owner_id = UUID(index=True)
    procedure_code = Varchar(length=64)
    family = Varchar(length=32)
    schema_version = Integer()
    commune_code = Varchar(length=5, default="", index=True)
    state = Integer(index=True)
    version = Integer()
    code = Varchar(length=16, null=True, default=None, unique=True)
    # JSON: path -> value, and path -> the version that last changed it
    fields = Text()
    field_versions = Text()
    field_devices = Text(default="{}")
    submitted_at = Timestamptz(null=True, default=None)
    due_date = Date(null=True, default=None)
    appointment_date = Date(null=True, default=None)
    dup_key = Varchar(length=DUP_KEY_LENGTH, null=True, default=None, index=True)
    possible_duplicate_of = UUID(null=True, default=None)
    supplement = Text(null=True, default=None)  # JSON SupplementRequest
    rating_stars = Integer(null=True, default=None)
    rating_comment = Text(default="")
    created_by_device = UUID(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()
    # Desk work: search key (names and code, diacritics dropped), milestones, and
    # the fee, result and return details as JSON.
    search_text = Text(default="")
    received_at = Timestamptz(null=True, default=None)
    completed_at = Timestamptz(null=True, default=None)
    returned_at = Timestamptz(null=True, default=None)
    fee = Text(null=True, default=None)
    result = Text(null=True, default=None)
    # "" | "duplicate" | "not_duplicate": an official's decision on a flagged match
    duplicate_decision = Varchar(length=16, default="")
    # When the desk extended the processing time to verify (at most once).
    extended_at = Timestamptz(null=True, default=None)
    # A draft its owner deleted: fields emptied, kept so the feed tells their other devices.
    deleted_at = Timestamptz(null=True, default=None)


class DossierTask(Table, tablename="dossier_task"):
    """A linked task of an interlinked bundle (residence registration, health
    insurance card, …), handed to another agency and tracked to completion."""

    id = Serial(primary_key=True)
    dossier_id = UUID(index=True)
    task = Varchar(length=32)
    agency = Varchar(length=32)
    # pending | handed_over | done
    state = Varchar(length=16, default="pending")
    reference = Varchar(length=100, default="")
    updated_at = Timestamptz()


class DossierConflict(Table, tablename="dossier_conflict"):
    id = Serial(primary_key=True)
    dossier_id = UUID(index=True)
    path = Varchar(length=200)
    server_value = Text()  # JSON
    device_value = Text()  # JSON
    device_id = UUID(null=True, default=None)
    created_at = Timestamptz()
    resolved_at = Timestamptz(null=True, default=None)
    resolved_value = Text(null=True, default=None)
    resolved_by = UUID(null=True, default=None)


class DossierHistory(Table, tablename="dossier_history"):
    """Append-only: who did what to the dossier, when, from which device."""

    id = BigSerial(primary_key=True)
    dossier_id = UUID(index=True)
    at = Timestamptz()
    actor_id = UUID(null=True, default=None)
    actor_role = Varchar(length=16, default="")
    device_id = UUID(null=True, default=None)
    action = Varchar(length=32)
    from_state = Integer()
    to_state = Integer()
    message = Text(default="")
    detail = Text(default="{}")


class DeviceSequence(Table, tablename="device_sequence"):
    """The last mutation seq applied for each device; locked while a batch applies."""

    device_id = UUID(primary_key=True)
    last_seq = BigInt(default=0)
    # The server generation the device last synced in: lower than the current one, it
    # has not put back what it holds since the restore (sync/README.md §9).
    generation = Integer(default=1)


class AppliedMutation(Table, tablename="applied_mutation"):
    """Each (device, seq) once, with its outcome, written in the same transaction
    as its effect: a replay gets this outcome back and changes nothing. A mutation
    id is applied once per device (unique where repeat_of is null): sent again under
    a new seq, it is recorded with `repeat_of`, the seq it was applied under."""

    id = BigSerial(primary_key=True)
    device_id = UUID()
    seq = BigInt()
    mutation_id = UUID()
    dossier_id = UUID()
    kind = Varchar(length=24)
    outcome = Text()  # JSON Outcome
    applied_at = Timestamptz()
    repeat_of = BigInt(null=True, default=None)


class ChangeFeed(Table, tablename="change_feed"):
    """The latest change of each dossier, positioned for the pull cursor."""

    id = BigSerial(primary_key=True)
    # PostgreSQL: the writing transaction's id (pg_current_xact_id); SQLite: 0.
    txid = BigInt(default=0, index=True)
    dossier_id = UUID(index=True)
    owner_id = UUID(index=True)
    commune_code = Varchar(length=5, default="", index=True)
    version = Integer()
    at = Timestamptz()


class CodeCounter(Table, tablename="code_counter"):
    id = Serial(primary_key=True)
    commune_code = Varchar(length=5)
    year = Integer()
    next_value = BigInt()


class CodeReservation(Table, tablename="code_reservation"):
    """A code handed to an outreach device in advance, bound when its dossier syncs."""

    code = Varchar(length=16, primary_key=True)
    commune_code = Varchar(length=5)
    device_id = UUID(index=True)
    account_id = UUID()
    reserved_at = Timestamptz()
    expires_at = Timestamptz(index=True)
    released_at = Timestamptz(null=True, default=None)
    dossier_id = UUID(null=True, default=None)


class CodeKey(Table, tablename="code_key"):
    """The one secret that permutes dossier code sequences (sync/code_permutation.py).
    Made at first use and never changed, so that every process mints from it."""

    id = Integer(primary_key=True)  # always 1: one row
    key = Varchar(length=64, secret=True)  # 32 random bytes, hex
    created_at = Timestamptz()

from piccolo.columns import UUID, BigInt, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class ServerGeneration(Table, tablename="server_generation"):
    """One row per restore the server knows of. The current generation is the highest
    number (1 while there is no row). A new one resets the feed epoch and raises every
    code counter past what the lost history may have handed out."""

    number = Integer(primary_key=True)
    started_at = Timestamptz()
    # "restore" (motcua restore), "declared" (motcua restored, after a restore done
    # elsewhere) or "detected" (a device knew more than the database).
    cause = Varchar(length=16)
    # The restored backup's time, when known: the start of what may have been lost.
    backup_taken_at = Timestamptz(null=True, default=None)
    detail = Text(default="")


class BackupLog(Table, tablename="backup_log"):
    """Written into the database as a backup is taken, so the copy itself says when
    it was taken (a restore reads its newest row)."""

    id = UUID(primary_key=True)
    taken_at = Timestamptz()
    generation = Integer()
    engine = Varchar(length=16)


class PutBack(Table, tablename="put_back"):
    """What a device put back after a restore, once per (generation, device, dossier):
    a resent put-back gets this outcome again. The rows whose `note` is not "" are what
    the agency administrator must look at (desk work the phone saw, answers it held)."""

    id = UUID(primary_key=True)
    generation = Integer()
    device_id = UUID()
    account_id = UUID()
    dossier_id = UUID(index=True)
    commune_code = Varchar(length=5, default="", index=True)
    code = Varchar(length=16, null=True, default=None)
    status = Varchar(length=16)
    note = Varchar(length=32, default="")
    phone_state = Integer(null=True, default=None)
    phone_version = BigInt(null=True, default=None)
    server_state = Integer(null=True, default=None)
    server_version = Integer(null=True, default=None)
    detail = Text(default="{}")  # JSON
    outcome = Text()  # JSON PutBackResult
    at = Timestamptz()

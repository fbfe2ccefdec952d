from piccolo.columns import UUID, BigSerial, Text, Timestamptz, Varchar
from piccolo.table import Table


class AuditEvent(Table, tablename="audit_event"):
    """Append-only: a database trigger refuses UPDATE and DELETE."""

    id = BigSerial(primary_key=True)
    at = Timestamptz()
    actor_id = UUID(null=True, default=None, index=True)
    device_id = UUID(null=True, default=None)
    action = Varchar(length=48)
    # account | dossier | device | passkey | session
    target_kind = Varchar(length=16)
    target_id = Varchar(length=64, default="", index=True)
    ip = Varchar(length=64, default="")
    # JSON object with details that help a person recognise the event.
    detail = Text(default="{}")

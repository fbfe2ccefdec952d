"""Messages to the person about their dossier, put in the outbox inside the same
transaction as the state change that causes them."""

from __future__ import annotations

from server.catalog.services import procedure_version
from server.notify.outbox import enqueue_email
from server.notify.schemas import DossierSubmittedParams
from sync.codes import display
from sync.store import DossierRecord


async def enqueue_submitted(record: DossierRecord, base_url: str) -> None:
    email = record.fields.get("contact.email")
    if not isinstance(email, str) or not email:
        return
    found = await procedure_version(record.procedure_code, record.schema_version)
    procedure = found.definition.name.vi if found else record.procedure_code
    await enqueue_email(
        email, "dossier_submitted", "vi",
        DossierSubmittedParams(code=display(record.code or ""), procedure=procedure,
                               link=f"{base_url}/tra-cuu?code={record.code}"),
        key=f"dossier_submitted:{record.id}",
    )

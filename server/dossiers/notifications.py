"""Messages to the person about their dossier, put in the outbox inside the same
transaction as the state change that causes them."""

from __future__ import annotations

from server.catalog.services import procedure_version
from server.notify.outbox import enqueue_email
from server.notify.sms import enqueue_sms
from server.notify.schemas import DossierSubmittedParams
from sync.codes import display
from sync.store import DossierRecord


async def enqueue_submitted(record: DossierRecord, base_url: str) -> None:
    """The confirmation with the code, by email and SMS when the form gave them."""
    found = await procedure_version(record.procedure_code, record.schema_version)
    params = DossierSubmittedParams(
        code=display(record.code or ""),
        procedure=found.definition.name.vi if found else record.procedure_code,
        link=f"{base_url}/#/tra-cuu?code={record.code}",
        name=str(record.fields.get("requester.full_name", "")),
    )
    key = f"dossier_submitted:{record.id}"
    email = record.fields.get("contact.email")
    if isinstance(email, str) and email:
        await enqueue_email(email, "dossier_submitted", "vi", params, key=key)
    phone = record.fields.get("contact.phone")
    if isinstance(phone, str) and phone:
        await enqueue_sms(phone, "dossier_submitted", "vi", params, key=key)

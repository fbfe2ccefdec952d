"""What the person is told after a desk action, by email and SMS, enqueued in the
action's own transaction (the outbox sends it once, whatever fails meanwhile)."""

from __future__ import annotations

from typing import Any

from server.catalog.services import procedure_version
from server.notify.outbox import enqueue_email
from server.notify.schemas import (
    DocumentsRequestedParams,
    DossierReceivedParams,
    DossierRefusedParams,
    DossierResultParams,
)
from server.notify.sms import enqueue_sms
from sync.codes import display
from sync.store import DossierRecord


async def _params_base(record: DossierRecord, base_url: str) -> dict[str, str]:
    found = await procedure_version(record.procedure_code, record.schema_version)
    return {
        "code": display(record.code or ""),
        "procedure": found.definition.name.vi if found else record.procedure_code,
        "link": f"{base_url}/#/tra-cuu?code={record.code}",
        "name": str(record.fields.get("requester.full_name", "")),
    }


async def for_action(record: DossierRecord, action: str, payload: Any, base_url: str) -> None:
    params = await _build(record, action, payload, base_url)
    if params is None:
        return
    template, email_params, sms_params = params
    key = f"{template}:{record.id}:{record.version}"
    email = record.fields.get("contact.email")
    if isinstance(email, str) and email:
        await enqueue_email(email, template, "vi", email_params, key=key)
    phone = record.fields.get("contact.phone")
    if isinstance(phone, str) and phone:
        await enqueue_sms(phone, template, "vi", sms_params, key=key)


async def _build(record: DossierRecord, action: str, payload: Any, base_url: str):
    base = await _params_base(record, base_url)
    if action == "receive":
        p = DossierReceivedParams(appointment=record.appointment_date, **base)
    elif action == "request_documents":
        p = DocumentsRequestedParams(
            documents=record.supplement.documents,
            reason=record.supplement.reason,
            due_date=record.supplement.due_date,
            **base,
        )
    elif action == "complete":
        p = DossierResultParams(**base)
    elif action in ("refuse", "mark_duplicate"):
        reason = (
            payload.reason if getattr(payload, "reason", "") else "Trùng với hồ sơ đã nộp trước đó."
        )
        p = DossierRefusedParams(reason=reason, **base)
    else:
        return None
    return p.__struct_config__.tag, p, p

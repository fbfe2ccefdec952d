"""What the person is told after a desk action, by email and SMS, enqueued in the
action's own transaction (the outbox sends it once, whatever fails meanwhile)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from server.catalog.services import procedure_version
from server.dossiers.links import dossier_link
from server.notify.outbox import enqueue_email, is_address
from server.notify.schemas import (
    DocumentsRequestedParams,
    DossierApologyParams,
    DossierExtendedParams,
    DossierReceivedParams,
    DossierRefusedParams,
    DossierResultParams,
)
from server.notify.sms import SmsParams, SmsTemplateName, enqueue_sms, is_phone
from sync.codes import display
from sync.store import DossierRecord

log = logging.getLogger(__name__)


async def _params_base(record: DossierRecord, base_url: str) -> dict[str, str]:
    found = await procedure_version(record.procedure_code, record.schema_version)
    return {
        "code": display(record.code or ""),
        "procedure": found.definition.name.vi if found else record.procedure_code,
        "link": dossier_link(base_url, record.id),
        "name": str(record.fields.get("requester.full_name", "")),
    }


async def for_action(
    record: DossierRecord,
    action: str,
    payload: Any,
    base_url: str,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """`detail`: what the action recorded in the history (the apology's missed date)."""
    notice = await _build(record, action, payload, base_url, detail or {})
    if notice is None:
        return
    template, params = notice
    key = f"{template}:{record.id}:{record.version}"
    email, phone = record.fields.get("contact.email"), record.fields.get("contact.phone")
    # A dossier put back after a restore holds answers only shape-checked (sync/README.md
    # §9.2): a contact that is none is left out, and the desk's action goes through.
    if isinstance(email, str) and email:
        if is_address(email):
            await enqueue_email(email, template, "vi", params, key=key)
        else:
            log.warning("%s of dossier %s: its contact email is no address", template, record.id)
    if isinstance(phone, str) and phone:
        if is_phone(phone):
            await enqueue_sms(phone, template, "vi", params, key=key)
        else:
            log.warning("%s of dossier %s: its contact phone is no number", template, record.id)


async def _build(
    record: DossierRecord, action: str, payload: Any, base_url: str, detail: Mapping[str, Any]
) -> tuple[SmsTemplateName, SmsParams] | None:
    """The template and parameters of the notice `action` sends, if it sends one."""
    base = await _params_base(record, base_url)
    if action == "receive":
        assert record.appointment_date is not None  # the action has just set it
        return "dossier_received", DossierReceivedParams(
            appointment=record.appointment_date, **base
        )
    if action == "request_documents":
        supplement = record.supplement
        # The action has just set both (the desk names a due date).
        assert supplement is not None and supplement.due_date is not None
        return "documents_requested", DocumentsRequestedParams(
            documents=supplement.documents,
            reason=supplement.reason,
            due_date=supplement.due_date,
            **base,
        )
    if action == "complete":
        return "dossier_result", DossierResultParams(**base)
    if action == "extend_for_verification":
        assert record.appointment_date is not None  # the action has just set it
        return "dossier_extended", DossierExtendedParams(
            reason=payload.reason.strip(), appointment=record.appointment_date, **base
        )
    if action == "apologise":
        return "dossier_apology", DossierApologyParams(
            reason=payload.reason.strip(),
            original_date=dt.date.fromisoformat(detail["original_date"]),
            appointment=payload.new_date,
            **base,
        )
    if action in ("refuse", "mark_duplicate"):
        reason = (
            payload.reason if getattr(payload, "reason", "") else "Trùng với hồ sơ đã nộp trước đó."
        )
        return "dossier_refused", DossierRefusedParams(reason=reason, **base)
    return None

"""Messages to the person about their dossier, put in the outbox inside the same
transaction as the state change that causes them."""

from __future__ import annotations

import logging
import re

from server.catalog.services import procedure_version
from server.dossiers.links import dossier_link
from server.identity.roles import OFFICIAL_ROLES, Role
from server.notify.outbox import enqueue_email
from server.notify.schemas import DossierSubmittedParams
from server.notify.sms import enqueue_sms
from server.ratelimit.service import within
from sync.codes import display
from sync.store import DossierRecord

log = logging.getLogger("motcua.notify")


def _recipient_key(channel: str, recipient: str) -> str:
    """One key per mailbox or phone however it is written (0912…, +84 912…)."""
    if channel == "sms":
        return "sms:" + re.sub(r"\D", "", recipient)[-9:]
    return "email:" + recipient.strip().lower()


async def _may_message(owner_role: Role, owner: str, channel: str, recipient: str) -> bool:
    """A citizen's form may name anyone's contact: its confirmations are capped per
    recipient and per account. Officials (invited, audited) are not capped: an outreach
    day registers dozens of births."""
    if owner_role in OFFICIAL_ROLES or owner_role == Role.admin:
        return True
    by_recipient = await within("contact_message:recipient", _recipient_key(channel, recipient))
    by_account = await within("contact_message:account", owner)
    if not (by_recipient and by_account):
        log.info(
            "dossier confirmation by %s not sent: the daily limit for this %s is reached",
            channel,
            "recipient" if not by_recipient else "account",
        )
    return by_recipient and by_account


async def enqueue_submitted(record: DossierRecord, base_url: str, owner_role: Role) -> None:
    """The confirmation with the code, by email and SMS when the form gave them.
    `owner_role`: the submitter's (only the owner submits)."""
    found = await procedure_version(record.procedure_code, record.schema_version)
    params = DossierSubmittedParams(
        code=display(record.code or ""),
        procedure=found.definition.name.vi if found else record.procedure_code,
        link=dossier_link(base_url, record.id),
        name=str(record.fields.get("requester.full_name", "")),
    )
    key = f"dossier_submitted:{record.id}"
    email, phone = record.fields.get("contact.email"), record.fields.get("contact.phone")
    owner = str(record.owner_id)
    if isinstance(email, str) and email and await _may_message(owner_role, owner, "email", email):
        await enqueue_email(email, "dossier_submitted", "vi", params, key=key)
    if isinstance(phone, str) and phone and await _may_message(owner_role, owner, "sms", phone):
        await enqueue_sms(phone, "dossier_submitted", "vi", params, key=key)

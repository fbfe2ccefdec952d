"""Messages to the person about their dossier, put in the outbox inside the same
transaction as the state change that causes them."""

from __future__ import annotations

import logging
import re
from typing import Any, Literal

import msgspec

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


class Confirmation(msgspec.Struct, frozen=True):
    """A submission's confirmation to one contact its form names, not yet counted
    against the daily limits nor put in the outbox."""

    channel: Literal["email", "sms"]
    recipient: str
    owner: str
    # A citizen's form may name anyone's contact: counted per recipient and per
    # account. Officials (invited, audited) are not: an outreach day registers dozens.
    capped: bool
    params: DossierSubmittedParams
    key: str

    def buckets(self) -> list[tuple[str, str]]:
        if not self.capped:
            return []
        return [
            ("contact_message:recipient", _recipient_key(self.channel, self.recipient)),
            ("contact_message:account", self.owner),
        ]


async def submitted_confirmations(
    record: DossierRecord, base_url: str, owner_role: Role
) -> list[Confirmation]:
    """The confirmations of `record`'s submission with its code, by email and SMS when
    the form gave them. `owner_role`: the submitter's (only the owner submits)."""
    found = await procedure_version(record.procedure_code, record.schema_version)
    params = DossierSubmittedParams(
        code=display(record.code or ""),
        procedure=found.definition.name.vi if found else record.procedure_code,
        link=dossier_link(base_url, record.id),
        name=str(record.fields.get("requester.full_name", "")),
    )
    capped = owner_role not in OFFICIAL_ROLES and owner_role != Role.admin
    contacts: tuple[tuple[Literal["email", "sms"], Any], ...] = (
        ("email", record.fields.get("contact.email")),
        ("sms", record.fields.get("contact.phone")),
    )
    return [
        Confirmation(
            channel=channel,
            recipient=recipient,
            owner=str(record.owner_id),
            capped=capped,
            params=params,
            key=f"dossier_submitted:{record.id}",
        )
        for channel, recipient in contacts
        if isinstance(recipient, str) and recipient
    ]


async def enqueue_confirmations(confirmations: list[Confirmation]) -> None:
    """Count `confirmations` against the daily limits and put those within them in
    the outbox, in the caller's transaction.

    Every counter row is taken in one order (by key), and a push takes them only after
    its batch has minted its codes (server/dossiers/push.py): a transaction holding a
    counter then waits for no code counter, so two batches whose submissions name one
    contact cannot deadlock on a counter and a commune's code counter."""
    counted = [(name, value, i) for i, c in enumerate(confirmations) for name, value in c.buckets()]
    within_limits = [True] * len(confirmations)
    for name, value, i in sorted(counted):
        if not await within(name, value):
            within_limits[i] = False
            log.info(
                "dossier confirmation by %s not sent: the daily limit for this %s is reached",
                confirmations[i].channel,
                name.rsplit(":", 1)[1],
            )
    for c, allowed in zip(confirmations, within_limits, strict=True):
        if not allowed:
            continue
        if c.channel == "email":
            await enqueue_email(c.recipient, "dossier_submitted", "vi", c.params, key=c.key)
        else:
            await enqueue_sms(c.recipient, "dossier_submitted", "vi", c.params, key=c.key)

"""A citizen's form may name anyone's phone and mailbox as its contact, and every
submission sent them a confirmation: one account submitted 301 dossiers in a minute
and a stranger's phone got 307 SMS. Confirmations are now capped per recipient and per
account a day; the submissions themselves all go through. Officials are not capped
(an outreach day registers dozens of births). Both engines."""

from __future__ import annotations

from contextlib import aclosing

from harness.sync_client import SyncDevice, uuid7
from server.notify.tables import OutboxMessage
from server.ratelimit.service import LIMITS
from tests.sync.conftest import app, citizen, device_for, make_account  # noqa: F401  (fixtures)
from tests.sync.test_push_pull import birth_draft

VICTIM_PHONE, VICTIM_EMAIL = "0987 654 321", "nan.nhan@example.vn"


async def _submit_many(device: SyncDevice, n: int, **contact) -> list[dict]:
    for i in range(n):
        dossier = uuid7()
        birth_draft(
            device,
            dossier,
            **{
                "child.full_name": f"Nguyễn Văn {'ABCDEFGHIK'[i % 10]}{'ABCDEFGHIK'[i // 10]}",
                **contact,
            },
        )
        device.queue("submit", dossier, {}, 2)
    return [o for o in await device.sync() if o.get("kind", "submit") and o.get("code")]


async def _messages(channel: str, *recipients: str) -> int:
    return await OutboxMessage.count().where(
        (OutboxMessage.channel == channel) & OutboxMessage.recipient.is_in(list(recipients))
    )


async def test_a_citizen_cannot_flood_a_strangers_phone_or_mailbox(citizen: SyncDevice) -> None:
    cap = LIMITS["contact_message:recipient"].hits
    submitted = await _submit_many(
        citizen, cap + 3, **{"contact.phone": VICTIM_PHONE, "contact.email": VICTIM_EMAIL}
    )
    assert len(submitted) == cap + 3  # every submission went through, with its code
    assert await _messages("sms", "+84987654321", VICTIM_PHONE, "0987654321") == cap
    assert await _messages("email", VICTIM_EMAIL) == cap


async def test_an_account_cannot_message_many_strangers(citizen: SyncDevice) -> None:
    cap = LIMITS["contact_message:account"].hits
    for i in range(cap + 2):
        await _submit_many(citizen, 1, **{"contact.phone": f"09{i:08d}", "contact.email": ""})
    assert await OutboxMessage.count().where(OutboxMessage.channel == "sms") == cap


async def test_an_outreach_official_is_not_capped(app) -> None:
    official = await device_for(app, await make_account("outreach", "00070"))
    async with aclosing(official.http):
        cap = LIMITS["contact_message:recipient"].hits
        submitted = await _submit_many(
            official, cap + 2, **{"contact.phone": VICTIM_PHONE, "contact.email": ""}
        )
        assert len(submitted) == cap + 2
        assert await OutboxMessage.count().where(OutboxMessage.channel == "sms") == cap + 2


async def test_writing_the_number_or_address_another_way_does_not_escape_the_cap(
    citizen: SyncDevice,
) -> None:
    """The cap is per phone and mailbox, not per spelling: a stranger varying how the
    victim's number is written (spaces, +84) or the address's letter case still
    reaches them at most `cap` times."""
    cap = LIMITS["contact_message:recipient"].hits
    phones = ["0987654321", "0987 654 321", "+84987654321", "+84 987 654 321"]
    emails = ["nan.nhan@example.vn", "Nan.Nhan@example.vn", "NAN.NHAN@EXAMPLE.VN"]
    submitted = []
    for i in range(cap + 3):
        submitted += await _submit_many(
            citizen,
            1,
            **{"contact.phone": phones[i % len(phones)], "contact.email": emails[i % len(emails)]},
        )
    assert (
        len(submitted) == cap + 3
    )  # every spelling is a valid contact, and every submission went through
    assert await OutboxMessage.count().where(OutboxMessage.channel == "sms") == cap
    assert await OutboxMessage.count().where(OutboxMessage.channel == "email") == cap

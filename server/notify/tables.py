from piccolo.columns import UUID, Bytea, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class OutboxMessage(Table, tablename="outbox_message"):
    """One message to send, written in the same transaction as the change it tells of."""

    id = UUID(primary_key=True)
    # email | sms (server.notify.sms); each channel has its own senders
    channel = Varchar(length=8, default="email")
    recipient = Varchar(length=254)
    template = Varchar(length=40)
    # vi | en
    language = Varchar(length=2, default="vi")
    # The template's parameters, msgspec JSON (a `server.notify.schemas.EmailParams`).
    params = Text()
    # pending -> sending -> sent, or back to pending with a later next_attempt_at,
    # or failed once the attempts are used up or the recipient is refused for good.
    status = Varchar(length=8, default="pending")
    # Tries started so far (counted at claim time, so a sender that dies mid-send
    # still uses one up).
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz()
    # The lease of the process sending it; past it, another process may take over.
    claimed_until = Timestamptz(null=True, default=None)
    # Which claim holds the lease, so a sender whose lease was taken over cannot
    # overwrite the new owner's outcome.
    claim_token = UUID(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    # Caller-supplied idempotency key: a second enqueue with the same key is a no-op.
    message_key = Varchar(length=200, null=True, default=None, unique=True)


# Demo mode without a real channel: what was "sent", shown at /dev/mail and /dev/sms.
# In the database, not a host's data dir, so that every host behind a balancer shows
# every message. Keyed by the outbox message: a re-delivery replaces its row.


class DemoMail(Table, tablename="demo_mail"):
    """A message the dev mailbox took instead of an SMTP server (server/notify/mailbox.py)."""

    id = UUID(primary_key=True)  # the outbox message's
    recipient = Varchar(length=254)
    subject = Text(default="")
    # The whole message as an SMTP server would have received it (RFC 5322 bytes).
    message = Bytea()
    delivered_at = Timestamptz(index=True)


class DemoSms(Table, tablename="demo_sms"):
    """An SMS the dev sink took instead of a gateway (server/notify/sms.py)."""

    id = UUID(primary_key=True)  # the outbox message's
    recipient = Varchar(length=32)  # E.164
    text = Text()
    delivered_at = Timestamptz(index=True)

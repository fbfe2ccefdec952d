"""Outgoing notifications: a transactional outbox, its templates and its delivery.

Use: inside the transaction that makes the change,
    await enqueue_email(recipient, "dossier_received", lang, DossierReceivedParams(...))
(server.notify.outbox, server.notify.schemas); after it commits, optionally
server.notify.worker.notify_now() to send at once instead of within a second.

Modules: tables (OutboxMessage; DemoMail and DemoSms, what demo mode "sent"), schemas (parameter Structs), outbox (enqueue),
render + templates/ (Jinja2, vi/en, text/HTML), compose (MIME), smtp and mailbox
(transports), claims (lease-based state changes), worker (deliver_due, the loop),
delivery (which channel delivers under the settings: without an SMTP host or SMS
gateway, demo mode keeps them in the database, otherwise nothing is delivered), dev_mail (/dev/mail,
demo mode without an SMTP host); sms, sms_text and templates/sms/ (the "sms" channel:
enqueue_sms, the HTTP gateway or the demo sink, deliver_due_sms, run by the same
worker loop), dev_sms (/dev/sms, demo mode without an SMS gateway)."""

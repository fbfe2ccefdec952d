from piccolo.columns import UUID, Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table


class Payment(Table, tablename="payment"):
    """A fee payment recorded by the desk, in the transaction of its `record_payment`.
    Unique on (provider, scope, reference), by migration m0016: one reference pays
    one dossier, and recording it again finds the first row."""

    id = Serial(primary_key=True)
    dossier_id = UUID(index=True)
    # "desk", "dev", or the configured gateway's name (MOTCUA_PAYMENT_PROVIDER)
    provider = Varchar(length=32)
    # Where the reference is unique: "" for an online provider's transaction
    # references; the commune code for a desk receipt, as each commune numbers its own.
    scope = Varchar(length=5, default="")
    reference = Varchar(length=128)
    amount = Integer()  # đồng
    paid_at = Timestamptz()
    recorded_at = Timestamptz()
    recorded_by = UUID(null=True, default=None)


class DemoPayment(Table, tablename="demo_payment"):
    """Demo mode: a payment "taken" at /dev/payments, which the `dev` provider confirms
    (server/payments/dev.py). In the database, so that any host confirms what any took."""

    reference = Varchar(length=15, primary_key=True)  # DEV + 12 hex digits
    dossier_code = Varchar(length=16)
    amount = Integer()  # đồng
    paid_at = Timestamptz(index=True)

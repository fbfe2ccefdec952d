"""Development (MOTCUA_DEMO) only: a stand-in for the online gateway.

/dev/payments plays the gateway's payment page: give a dossier code and an amount,
and it "takes" the payment and issues a reference, kept in the database
(demo_payment), so that every host confirms what any host issued. The `dev` provider
confirms exactly the references issued there (or by `issue` in a test), with the
amount and dossier they were issued for; any other reference is unknown. Never
mounted outside demo mode."""

from __future__ import annotations

import datetime as dt
import html
import re
import secrets
from typing import Annotated

import msgspec
from litestar import MediaType, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body

from server.clock import utcnow
from server.payments.provider import PaymentConfirmation, PaymentQuery, UnknownReference
from server.payments.tables import DemoPayment
from server.settings import Settings
from sync.codes import InvalidCode, display, parse_code
from sync.messages import MAX_INT32

DEV = "dev"
_REFERENCE = re.compile(r"^DEV[0-9A-F]{12}$")


class DevPayment(msgspec.Struct, frozen=True):
    reference: str
    dossier_code: str
    amount: int  # đồng
    paid_at: dt.datetime


async def issue(dossier_code: str, amount: int) -> DevPayment:
    """Take a (pretend) payment of `amount` for the dossier; returns its reference."""
    if amount < 0:
        raise ValueError("the amount is negative")
    if amount > MAX_INT32:  # the column's range, as for a recorded payment
        raise ValueError(f"the amount is more than {MAX_INT32:,} đồng")
    payment = DevPayment(
        reference="DEV" + secrets.token_hex(6).upper(),
        dossier_code=parse_code(dossier_code),
        amount=amount,
        paid_at=utcnow(),
    )
    await DemoPayment.insert(DemoPayment(**msgspec.structs.asdict(payment)))
    return payment


async def find(reference: str) -> DevPayment | None:
    if not _REFERENCE.match(reference):
        return None
    row = await DemoPayment.select().where(DemoPayment.reference == reference).first()
    return msgspec.convert(row, DevPayment) if row else None


async def issued(limit: int = 100) -> list[DevPayment]:
    """The newest `limit` payments, newest first."""
    rows = await DemoPayment.select().order_by(DemoPayment.paid_at, ascending=False).limit(limit)
    return [msgspec.convert(row, DevPayment) for row in rows]


class DevProvider:
    name = DEV
    online = True

    async def look_up(self, query: PaymentQuery) -> PaymentConfirmation:
        found = await find(query.reference)
        if found is None:
            raise UnknownReference(
                DEV, query.reference, f"no development payment {query.reference} was issued"
            )
        return PaymentConfirmation(
            provider=DEV,
            reference=found.reference,
            amount=found.amount,
            paid_at=found.paid_at,
            status="paid",
            dossier_code=found.dossier_code,
        )


# ---------------------------------------------------------------- the page


class IssueForm(msgspec.Struct):
    dossier_code: str
    amount: int


_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Development payments</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}}
table{{border-collapse:collapse;width:100%}}td,th{{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}}
.ref{{font-family:monospace;font-size:1.2rem}}label{{display:block;margin:.5rem 0}}</style>
<body><h1>Development payments</h1>
<p>A stand-in for the online payment gateway (demo mode only). Pay a dossier's fee here,
then record the reference at the desk with the provider <b>dev</b>.</p>
{notice}
<form method="post"><label>Dossier code <input name="dossier_code" required></label>
<label>Amount (đồng) <input name="amount" type="number" min="0" required></label>
<button>Pay</button></form>
<h2>Issued ({count})</h2>
<table><tr><th>Reference</th><th>Dossier</th><th>Amount</th><th>Paid at (UTC)</th></tr>{rows}</table>
</body></html>"""


async def _page(notice: str = "") -> str:
    payments = await issued()
    rows = "".join(
        f'<tr><td class="ref">{html.escape(p.reference)}</td><td>{html.escape(display(p.dossier_code))}</td>'
        f"<td>{p.amount:,}</td><td>{html.escape(p.paid_at.isoformat(timespec='seconds'))}</td></tr>"
        for p in payments
    )
    return _PAGE.format(notice=notice, count=len(payments), rows=rows)


def dev_payments_router() -> Router:
    @get("/", media_type=MediaType.HTML, include_in_schema=False)
    async def payments_page() -> str:
        return await _page()

    @post("/", media_type=MediaType.HTML, include_in_schema=False, status_code=200)
    async def pay(
        data: Annotated[IssueForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
    ) -> str:
        try:
            payment = await issue(data.dossier_code, data.amount)
        except (InvalidCode, ValueError) as exc:
            return await _page(
                f"<p><b>Not paid:</b> {html.escape(str(exc) or 'invalid dossier code')}</p>"
            )
        notice = (
            f"<p>Paid {payment.amount:,} đồng for {html.escape(display(payment.dossier_code))}. "
            f'Reference: <span class="ref" id="reference">{html.escape(payment.reference)}</span></p>'
        )
        return await _page(notice)

    return Router(path="/dev/payments", route_handlers=[payments_page, pay])


def dev_payment_routes(settings: Settings) -> list[Router]:
    return [dev_payments_router()] if settings.demo_mode else []

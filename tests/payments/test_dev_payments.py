"""Demo mode: /dev/payments stands in for the gateway's payment page, and the `dev`
provider confirms exactly the references it issued."""

from __future__ import annotations

import re

import msgspec
import pytest

from server.payments.dev import dev_payment_routes, issue
from server.payments.registry import providers_for
from server.payments.tables import DemoPayment, Payment
from tests.payments.test_online_payment import FEE, assert_nothing_stored, fee_requested


async def test_a_reference_issued_by_the_dev_page_pays_the_fee(person, desk, settings) -> None:
    dossier, code = await fee_requested(person, desk)
    spaced = " ".join(code[i : i + 4] for i in range(0, 16, 4))  # as printed on the receipt
    page = await desk.http.post("/dev/payments", data={"dossier_code": spaced, "amount": str(FEE)})
    assert page.status_code == 200, page.text
    reference = re.search(r'id="reference">([A-Z0-9]+)<', page.text).group(1)
    assert reference in (await desk.http.get("/dev/payments")).text

    r = await desk.act(dossier, "record_payment", {"provider": "dev", "reference": reference})
    assert r.status_code == 200 and r.json()["state"] == 4, r.text
    [payment] = await Payment.select().where(Payment.reference == reference)
    assert (payment["provider"], payment["amount"]) == ("dev", FEE)


async def test_the_dev_provider_confirms_only_what_it_issued(person, desk) -> None:
    dossier, code = await fee_requested(person, desk)
    for reference in ("DEV0123456789AB", "../../motcua.db", "DEV" + "0" * 12):
        r = await desk.act(dossier, "record_payment", {"provider": "dev", "reference": reference})
        assert r.status_code == 422 and r.json()["errors"][0]["code"] == "unknown_reference", r.text
    short = await issue(code, FEE - 1)
    r = await desk.act(dossier, "record_payment", {"provider": "dev", "reference": short.reference})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "amount_mismatch"
    await assert_nothing_stored(dossier)
    [stored] = await DemoPayment.select().where(DemoPayment.reference == short.reference)
    assert stored["amount"] == FEE - 1 and stored["dossier_code"] == code


async def test_the_dev_page_refuses_a_code_that_is_not_one(desk) -> None:
    page = await desk.http.post(
        "/dev/payments", data={"dossier_code": "0007 0000", "amount": "1000"}
    )
    assert page.status_code == 200 and "Not paid" in page.text and 'id="reference"' not in page.text


@pytest.mark.parametrize(
    "amount, refusal", [("-1", "negative"), (str(2**31), "more than"), (str(10**30), "more than")]
)
async def test_the_dev_page_refuses_an_amount_no_fee_can_be(desk, amount, refusal) -> None:
    page = await desk.http.post(
        "/dev/payments", data={"dossier_code": "0007 0000", "amount": amount}
    )
    assert page.status_code == 200 and "Not paid" in page.text and refusal in page.text
    assert await DemoPayment.count() == 0


@pytest.mark.parametrize("demo", [True, False])
def test_the_dev_provider_and_page_exist_in_demo_mode_only(settings, demo) -> None:
    changed = msgspec.structs.replace(settings, demo_mode=demo)
    assert ("dev" in providers_for(changed)) is demo
    assert bool(dev_payment_routes(changed)) is demo

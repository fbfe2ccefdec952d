"""Level-4 fees paid online: the desk records the transaction reference, which the
payment gateway (a real HTTP server on 127.0.0.1) confirms — on both databases."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import aclosing

import msgspec
import pytest
from asgi_lifespan import LifespanManager

from harness.sync_client import SyncDevice, uuid7
from server.app import create_app
from server.dossiers.tables import Dossier, DossierHistory
from server.payments.tables import Payment
from tests.desk.conftest import DeskOfficial, official
from tests.desk.test_desk_flow import submitted_birth
from tests.payments.conftest import PROVIDER, with_gateway
from tests.support.payment_gateway import PaymentGateway
from tests.sync.conftest import device_for, make_account

COPIES = 2
FEE = 16_000  # 2 copies at 8.000 đồng


def extract_answers() -> dict:
    """A certified birth extract (level 4), two copies, delivered online."""
    return {
        "agency.province": "01",
        "agency.commune": "00070",
        "requester.full_name": "Trần Thị Mai",
        "requester.id_number": "001190012345",
        "requester.residence": "Số 5 phố Hàng Bạc, phường Hoàn Kiếm, Hà Nội",
        "requester.relationship": "cha_me",
        "subject.full_name": "Nguyễn Minh Khang",
        "subject.sex": "male",
        "subject.birth_date": "2015-03-02",
        "previous.registered_by": "UBND phường Hoàn Kiếm",
        "request.copies": COPIES,
        "delivery.method": "truc_tuyen",
        "contact.phone": "0912345678",
        "contact.email": "mai@example.vn",
    }


async def received_extract(person: SyncDevice, desk: DeskOfficial) -> uuid.UUID:
    """An extract the person submitted and the desk received."""
    dossier = uuid7()
    person.queue(
        "create_draft",
        dossier,
        {"procedure_code": "trich-luc-khai-sinh", "fields": extract_answers()},
    )
    person.queue("submit", dossier, {}, 1)
    outcomes = await person.sync()
    assert outcomes[-1]["state"] == 1, outcomes
    assert (await desk.act(dossier, "receive")).status_code == 200
    return dossier


async def fee_requested(
    person: SyncDevice, desk: DeskOfficial, amount: int = FEE, method: str = "online"
) -> tuple[str, str]:
    """A submitted extract, received, its fee asked for; returns (dossier id, code)."""
    dossier = await received_extract(person, desk)
    r = await desk.act(dossier, "request_fee", {"amount": amount, "method": method})
    assert r.status_code == 200 and r.json()["state"] == 6, r.text
    code = (await person.pull_all())[str(dossier)]["code"]
    return str(dossier), code


async def payments_of(dossier: str) -> list[dict]:
    return await Payment.select().where(Payment.dossier_id == uuid.UUID(dossier))


async def history_actions(dossier: str) -> list[str]:
    rows = (
        await DossierHistory.select(DossierHistory.action)
        .where(DossierHistory.dossier_id == uuid.UUID(dossier))
        .order_by(DossierHistory.id)
    )
    return [r["action"] for r in rows]


async def assert_nothing_stored(dossier: str) -> None:
    assert await payments_of(dossier) == []
    row = (
        await Dossier.select(Dossier.state, Dossier.fee)
        .where(Dossier.id == uuid.UUID(dossier))
        .first()
    )
    assert row["state"] == 6
    assert "reference" not in msgspec.json.decode(row["fee"])
    assert "record_payment" not in await history_actions(dossier)


async def test_a_verified_payment_is_recorded_with_the_state_change(
    person, desk, gateway: PaymentGateway
) -> None:
    dossier, code = await fee_requested(person, desk)
    reference = gateway.pay(code, FEE)
    r = await desk.act(dossier, "record_payment", {"provider": PROVIDER, "reference": reference})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == 4

    [payment] = await payments_of(dossier)
    assert (payment["provider"], payment["reference"], payment["amount"], payment["scope"]) == (
        PROVIDER,
        reference,
        FEE,
        "",
    )
    detail = (await desk.get(f"/api/desk/dossiers/{dossier}")).json()
    assert detail["fee"] == {
        **detail["fee"],
        "amount": FEE,
        "method": "online",
        "reference": reference,
        "provider": PROVIDER,
        "amount_paid": FEE,
    }
    entry = detail["history"][-1]
    assert entry["action"] == "record_payment" and entry["detail"] == {
        "reference": reference,
        "provider": PROVIDER,
        "amount": str(FEE),
    }

    # What the gateway was asked, signed with our key (the gateway checked it).
    [seen] = gateway.requests
    assert seen.answered == 200 and seen.refused_because == ""
    assert seen.body == {
        "reference": reference,
        "dossier_code": code,
        "dossier_id": dossier,
        "amount": FEE,
        "currency": "VND",
    }
    assert seen.headers["x-motcua-signature"].startswith("sha256=")


@pytest.mark.parametrize(
    "paid, status, reason",
    [
        (FEE - 8_000, "paid", "amount_mismatch"),
        (FEE + 1, "paid", "amount_mismatch"),
        (FEE, "pending", "not_paid"),
        (FEE, "refunded", "not_paid"),
    ],
)
async def test_a_payment_that_does_not_pay_the_fee_is_refused(
    person, desk, gateway, paid, status, reason
) -> None:
    dossier, code = await fee_requested(person, desk)
    reference = gateway.pay(code, paid, status)
    r = await desk.act(dossier, "record_payment", {"provider": PROVIDER, "reference": reference})
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["type"] == "/problems/payment_not_verified"
    assert problem["errors"][0]["path"] == "reference" and problem["errors"][0]["code"] == reason
    assert reference in problem["detail"]
    await assert_nothing_stored(dossier)


async def test_an_unknown_reference_is_refused(person, desk, gateway) -> None:
    dossier, _ = await fee_requested(person, desk)
    r = await desk.act(
        dossier, "record_payment", {"provider": PROVIDER, "reference": "PG000000000000"}
    )
    assert r.status_code == 422
    assert (
        r.json()["errors"][0]["code"] == "unknown_reference"
        and "PG000000000000" in r.json()["detail"]
    )
    await assert_nothing_stored(dossier)


async def test_a_payment_made_for_another_dossier_is_refused(person, desk, gateway) -> None:
    dossier, _ = await fee_requested(person, desk)
    _other, other_code = await fee_requested(person, desk)
    reference = gateway.pay(other_code, FEE)
    r = await desk.act(dossier, "record_payment", {"provider": PROVIDER, "reference": reference})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "paid_for_another_dossier"
    # Which dossier it paid for is not this official's to learn (another commune's, maybe).
    assert other_code not in r.text
    await assert_nothing_stored(dossier)


@pytest.mark.parametrize("outage", ["stopped", "503", "500", "429", "timeout"])
async def test_a_gateway_outage_is_503_and_stores_nothing(person, desk, gateway, outage) -> None:
    dossier, code = await fee_requested(person, desk)
    reference = gateway.pay(code, FEE)
    if outage == "stopped":
        gateway.stop()  # connection refused
    elif outage == "timeout":
        gateway.hang, gateway.hang_seconds = 1, 2.0  # the adapter waits 1 s
    else:
        gateway.fail, gateway.fail_status = 1, int(outage)
    r = await desk.act(dossier, "record_payment", {"provider": PROVIDER, "reference": reference})
    assert r.status_code == 503, r.text
    assert r.json()["type"] == "/problems/payment_provider_unavailable"
    assert int(r.headers["retry-after"]) > 0 and reference in r.json()["detail"]
    await assert_nothing_stored(dossier)
    if outage != "stopped":
        # Once the gateway is back, the same request goes through.
        r = await desk.act(
            dossier, "record_payment", {"provider": PROVIDER, "reference": reference}
        )
        assert r.status_code == 200 and r.json()["state"] == 4


async def test_recording_the_same_reference_again_records_it_once(person, desk, gateway) -> None:
    dossier, code = await fee_requested(person, desk)
    reference = gateway.pay(code, FEE)
    body = {"provider": PROVIDER, "reference": reference}
    first = await desk.act(dossier, "record_payment", body)
    again = await desk.act(dossier, "record_payment", body)
    assert first.status_code == again.status_code == 200, again.text
    assert again.json() == first.json()
    # Two at once (a double click on two screens): still one payment.
    both = await asyncio.gather(*(desk.act(dossier, "record_payment", body) for _ in range(2)))
    assert [r.status_code for r in both] == [200, 200]
    assert len(await payments_of(dossier)) == 1
    assert (await history_actions(dossier)).count("record_payment") == 1


async def test_one_reference_cannot_pay_two_dossiers(person, desk, gateway) -> None:
    first, code = await fee_requested(person, desk)
    second, _ = await fee_requested(person, desk)
    reference = gateway.pay(code, FEE)
    assert (
        await desk.act(first, "record_payment", {"provider": PROVIDER, "reference": reference})
    ).status_code == 200
    r = await desk.act(second, "record_payment", {"provider": PROVIDER, "reference": reference})
    assert r.status_code == 409 and r.json()["type"] == "/problems/payment_reference_used"
    assert reference in r.json()["detail"]
    await assert_nothing_stored(second)


async def test_racing_dossiers_for_one_reference_record_it_once(person, desk, gateway) -> None:
    # The gateway does not say which dossier (dossier_code null): only our own table
    # stops the second, even when both were verified before either was recorded.
    first, _ = await fee_requested(person, desk)
    second, _ = await fee_requested(person, desk)
    reference = gateway.pay(None, FEE)
    results = await asyncio.gather(
        *(
            desk.act(d, "record_payment", {"provider": PROVIDER, "reference": reference})
            for d in (first, second)
        )
    )
    assert sorted(r.status_code for r in results) == [200, 409], [r.text for r in results]
    assert len(await Payment.select().where(Payment.reference == reference)) == 1


async def test_the_gateway_checks_our_signature(settings, gateway) -> None:
    # Our secret wrong: the gateway refuses the request, the desk gets a 502.
    app = create_app(with_gateway(settings, gateway, payment_api_secret="not the shared secret"))
    async with LifespanManager(app):
        desk = await official(app)
        person_device = await device_for(app, await make_account("citizen"))
        async with aclosing(desk.http), aclosing(person_device.http):
            dossier, code = await fee_requested(person_device, desk)
            reference = gateway.pay(code, FEE)
            r = await desk.act(
                dossier, "record_payment", {"provider": PROVIDER, "reference": reference}
            )
            assert r.status_code == 502 and r.json()["type"] == "/problems/payment_provider_error"
            assert reference in r.json()["detail"]
            assert [s.refused_because for s in gateway.requests] == ["signature"]
            await assert_nothing_stored(dossier)


async def test_an_answer_signed_with_another_secret_is_not_trusted(person, desk, gateway) -> None:
    dossier, code = await fee_requested(person, desk)
    reference = gateway.pay(code, FEE)
    gateway.answer_secret = "a forger's secret"
    r = await desk.act(dossier, "record_payment", {"provider": PROVIDER, "reference": reference})
    assert r.status_code == 502 and "not signed" in r.json()["detail"]
    assert gateway.requests[-1].answered == 200  # the gateway said yes; we did not believe it
    await assert_nothing_stored(dossier)


async def test_an_answer_signed_outside_ascii_is_not_trusted_not_a_5xx(
    person, desk, gateway
) -> None:
    """`compare_digest` raises on text outside ASCII: such a signature was a 500."""
    dossier, code = await fee_requested(person, desk)
    reference = gateway.pay(code, FEE)
    gateway.answer_signature = "sha256=é".encode()
    r = await desk.act(dossier, "record_payment", {"provider": PROVIDER, "reference": reference})
    assert r.status_code == 502 and "not signed" in r.json()["detail"], r.text
    await assert_nothing_stored(dossier)


async def test_a_fee_past_what_a_payment_holds_is_refused_by_name(person, desk) -> None:
    """A fee of 2^31 đồng was taken, and then no payment of it could be recorded:
    PostgreSQL refused the whole request (the payment's amount is a 32-bit integer)."""
    dossier = await received_extract(person, desk)
    r = await desk.act(dossier, "request_fee", {"amount": 2**31, "method": "desk"})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "$.amount", r.text


async def test_online_payment_is_for_level_4_fees_requested_online(person, desk, gateway) -> None:
    # A level-3 procedure (birth registration): its fee is paid at the desk.
    birth = await submitted_birth(person)
    await desk.act(birth, "receive")
    assert (
        await desk.act(birth, "request_fee", {"amount": 5_000, "method": "desk"})
    ).status_code == 200
    reference = gateway.pay(None, 5_000)
    r = await desk.act(birth, "record_payment", {"provider": PROVIDER, "reference": reference})
    assert r.status_code == 422 and r.json()["errors"][0] == {
        **r.json()["errors"][0],
        "path": "provider",
        "code": "online_payment_not_offered",
    }
    assert gateway.requests == []  # refused before the gateway was asked
    # A level-4 fee asked for online may still be paid in cash at the desk.
    dossier, _ = await fee_requested(person, desk)
    r = await desk.act(dossier, "record_payment", {"provider": "desk", "reference": "BL-0042"})
    assert r.status_code == 200 and r.json()["state"] == 4
    [payment] = await payments_of(dossier)
    assert (payment["provider"], payment["scope"], payment["amount"]) == ("desk", "00070", FEE)


async def test_unknown_provider_and_bad_reference_name_their_field(person, desk, gateway) -> None:
    dossier, _ = await fee_requested(person, desk)
    r = await desk.act(dossier, "record_payment", {"provider": "momo", "reference": "X1"})
    assert r.status_code == 422 and r.json()["errors"][0]["path"] == "provider"
    assert "paygov" in r.json()["errors"][0]["message"]
    for reference, code in (("  ", "required"), ("9" * 129, "too_long")):
        r = await desk.act(
            dossier, "record_payment", {"provider": PROVIDER, "reference": reference}
        )
        assert r.status_code == 422 and r.json()["errors"][0] == {
            **r.json()["errors"][0],
            "path": "reference",
            "code": code,
        }
    await assert_nothing_stored(dossier)


async def test_the_desk_lists_the_providers(desk) -> None:
    r = await desk.get("/api/desk/payment-providers")
    assert r.status_code == 200
    assert r.json() == [
        {"name": "desk", "online": False},
        {"name": PROVIDER, "online": True},
        {"name": "dev", "online": True},
    ]

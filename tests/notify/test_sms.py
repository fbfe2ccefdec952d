"""SMS through the outbox: the text (unaccented GSM-7, one message), the channel's
own claims, and delivery to a real HTTP gateway on 127.0.0.1 that fails, refuses,
hangs and recovers. Time is moved by passing `now`, never waited for."""

from __future__ import annotations

import asyncio
import datetime as dt
import unicodedata
from collections.abc import Iterator
from datetime import timedelta

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from server.app import create_app
from server.database import write_transaction
from server.notify.outbox import OutsideTransaction, enqueue_email
from server.notify.schemas import (
    ActivationParams,
    DocumentsRequestedParams,
    DossierReceivedParams,
    DossierRefusedParams,
    DossierResultParams,
    DossierSubmittedParams,
)
from server.notify.sms import (
    GatewayTransport,
    deliver_due_sms,
    enqueue_sms,
    normalize_phone,
    render_sms,
)
from server.notify.sms_text import (
    GSM7_LIMIT,
    UCS2_LIMIT,
    fit,
    gsm7_length,
    parts,
    sms_length,
    unaccent,
)
from server.notify.tables import DemoSms, OutboxMessage
from server.notify.worker import deliver_due, notify_now
from server.settings import SettingsError, load_settings
from sync.codes import display, make_code
from tests.support.sms_gateway import Gateway
from tests.support.smtp import free_port
from tests.support.waiting import wait_until

CODE = make_code("00070", 2026, 1)
PHONE = "0912 345 678"
E164 = "+84912345678"
RECEIVED = DossierReceivedParams(
    code=CODE, appointment=dt.date(2026, 11, 25), procedure="Đăng ký khai sinh"
)
LONG = "Ảnh chụp giấy chứng sinh bị mờ, không đọc được số và ngày cấp; đề nghị chụp lại rõ nét " * 4
SAMPLES = [
    DossierSubmittedParams(code=CODE, procedure="Đăng ký khai sinh"),
    RECEIVED,
    DocumentsRequestedParams(
        code=CODE,
        documents=["Giấy chứng sinh (bản chính)", "Giấy chứng nhận kết hôn (bản sao)"],
        reason=LONG,
        due_date=dt.date(2026, 12, 1),
    ),
    DossierResultParams(code=CODE, procedure="Trích lục khai sinh"),
    DossierRefusedParams(code=CODE, reason=LONG),
]


def _soon() -> dt.datetime:
    # Just after the messages were enqueued (their first try is due at once).
    return dt.datetime.now(dt.UTC) + timedelta(seconds=1)


# ------------------------------------------------------------------ text


def test_unaccented_vietnamese() -> None:
    assert unaccent("Hồ sơ của bạn đã được tiếp nhận") == "Ho so cua ban da duoc tiep nhan"
    assert (
        unaccent("ĐĂNG KÝ KHAI SINH cho bé Nguyễn Ngọc Ánh")
        == "DANG KY KHAI SINH cho be Nguyen Ngoc Anh"
    )
    # NFD input, old and new tone placement, typographic punctuation.
    assert unaccent(unicodedata.normalize("NFD", "Hoà – “Thuỷ” hòa…")) == 'Hoa - "Thuy" hoa...'
    every = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    assert unaccent(every + every.upper()) == (
        "a" * 17
        + "e" * 11
        + "i" * 5
        + "o" * 17
        + "u" * 11
        + "y" * 5
        + "d"
        + "A" * 17
        + "E" * 11
        + "I" * 5
        + "O" * 17
        + "U" * 11
        + "Y" * 5
        + "D"
    )
    # Nothing outside GSM-7 survives.
    assert unaccent("Mã số 漢字 ☎") == "Ma so ?? ?"


def test_gsm7_length_counts_extension_characters_twice() -> None:
    assert gsm7_length("Ho so 123") == 9
    assert gsm7_length("[a]{b}€") == 12
    assert gsm7_length("Hồ sơ") is None
    assert sms_length("Hồ sơ") == (5, UCS2_LIMIT)
    assert sms_length("Ho so") == (5, GSM7_LIMIT)
    assert (parts("x" * 160), parts("x" * 161), parts("x" * 306), parts("x" * 307)) == (1, 2, 2, 3)
    assert (parts("ồ" * 70), parts("ồ" * 71), parts("ồ" * 160)) == (1, 2, 3)


def test_fit_keeps_160_characters_one_gsm7_message_or_three_ucs2_parts() -> None:
    exact = "x" * 160
    assert fit(exact) == exact
    cut = fit("Ho so cua ban " * 20)
    assert gsm7_length(cut) <= 160 and cut.endswith("...")
    assert cut.startswith("Ho so cua ban Ho so")
    assert not cut[:-3].endswith(" ")
    # Extension characters count twice.
    braces = fit("{" * 100)
    assert gsm7_length(braces) <= 160
    accented = fit("Hồ sơ của bạn đã được tiếp nhận " * 8)
    assert len(accented) <= 160 and accented.endswith("\u2026") and parts(accented) <= 3


@pytest.mark.parametrize("unaccented", [True, False])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_sms_template_fits_160_characters(lang: str, unaccented: bool) -> None:
    for params in SAMPLES:
        text = render_sms(params, lang, unaccented=unaccented)
        length, limit = sms_length(text)
        assert length <= limit == 160, (params, text)
        assert parts(text) == 1 if unaccented else parts(text) <= 3
        assert "\n" not in text
        if unaccented:
            assert gsm7_length(text) is not None and text.isascii(), text
        # The code comes first, so it always survives the cut.
        assert display(CODE) in text


def test_received_sms_texts() -> None:
    assert render_sms(RECEIVED, "vi") == (
        f"Ho so cua ban da duoc tiep nhan. Ma ho so: {display(CODE)}. "
        "Hen tra ket qua: 25/11/2026. Thu tuc: Dang ky khai sinh."
    )
    assert render_sms(RECEIVED, "vi", unaccented=False) == unicodedata.normalize(
        "NFC",
        (
            f"Hồ sơ của bạn đã được tiếp nhận. Mã hồ sơ: {display(CODE)}. "
            "Hẹn trả kết quả: 25/11/2026. Thủ tục: Đăng ký khai sinh."
        ),
    )
    assert render_sms(RECEIVED, "en") == (
        f"Your dossier has been received. Code: {display(CODE)}. "
        "Result due: 25 November 2026. Procedure: Dang ky khai sinh."
    )
    refused = render_sms(DossierRefusedParams(code=CODE, reason=LONG), "vi")
    assert refused.startswith(
        f"Ho so {display(CODE)} khong duoc tiep nhan. Ly do: Anh chup giay chung sinh"
    )
    assert len(refused) <= 160 and refused.endswith("...")


def test_phone_numbers_are_normalized_to_e164() -> None:
    for written in [
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "84912345678",
        "+84 912 345 678",
        "0084912345678",
        "(+84) 912345678",
    ]:
        assert normalize_phone(written) == E164, written
    assert normalize_phone("0387654321") == "+84387654321"
    assert normalize_phone("+33 6 12 34 56 78") == "+33612345678"
    for bad in [
        "",
        "abc",
        "091234567",
        "02438123456",
        "+8402438123456",
        "0912 345 67x",
        "+1234",
        "٠٩١٢٣٤٥٦٧٨",
    ]:
        with pytest.raises(ValueError):
            normalize_phone(bad)


def test_sms_settings_from_the_environment(tmp_path) -> None:
    base = {"MOTCUA_DATA_DIR": str(tmp_path)}
    default = load_settings(base)
    assert (default.sms_gateway_url, default.sms_unaccented, default.sms_max_attempts) == (
        "",
        True,
        10,
    )
    custom = load_settings(
        {
            **base,
            "MOTCUA_SMS_GATEWAY_URL": "https://sms.example.vn/api/send",
            "MOTCUA_SMS_GATEWAY_TOKEN": "s3cret",
            "MOTCUA_SMS_UNACCENTED": "off",
            "MOTCUA_SMS_MAX_ATTEMPTS": "4",
        }
    )
    assert custom.sms_gateway_url == "https://sms.example.vn/api/send"
    assert (custom.sms_gateway_token, custom.sms_unaccented, custom.sms_max_attempts) == (
        "s3cret",
        False,
        4,
    )
    for bad in [{"MOTCUA_SMS_GATEWAY_URL": "ftp://x"}, {"MOTCUA_SMS_UNACCENTED": "maybe"}]:
        with pytest.raises(SettingsError):
            load_settings({**base, **bad})


# ------------------------------------------------------------------ outbox


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    g = Gateway().start()
    try:
        yield g
    finally:
        g.stop()


@pytest.fixture
def sms_settings(settings, gateway: Gateway):
    return msgspec.structs.replace(
        settings, sms_gateway_url=gateway.url, sms_gateway_token="gateway-token", sms_max_attempts=5
    )


async def _enqueue(engine, count: int = 1, params=RECEIVED, lang: str = "vi") -> list:
    async with write_transaction(engine):
        return [
            await enqueue_sms(f"091234{i:04d}", params.__struct_config__.tag, lang, params)
            for i in range(count)
        ]


async def _sms_rows() -> list[dict]:
    return (
        await OutboxMessage.select()
        .where(OutboxMessage.channel == "sms")
        .order_by(OutboxMessage.recipient)
    )


async def test_enqueue_sms_runs_in_the_callers_transaction_and_checks_its_input(engine) -> None:
    with pytest.raises(OutsideTransaction):
        await enqueue_sms(PHONE, "dossier_received", "vi", RECEIVED)
    async with write_transaction(engine):
        for template, params, phone in [
            ("dossier_refused", RECEIVED, PHONE),  # parameters of another template
            ("activation", ActivationParams(link="http://x"), PHONE),  # no SMS for it
            ("dossier_received", RECEIVED, "12345"),  # not a mobile number
        ]:
            with pytest.raises(ValueError):
                await enqueue_sms(phone, template, "vi", params)
        with pytest.raises(ValueError):
            await enqueue_sms(PHONE, "dossier_received", "fr", RECEIVED)  # pyright: ignore[reportArgumentType]  # no such language, on purpose
        message_id = await enqueue_sms(PHONE, "dossier_received", "vi", RECEIVED)
    row = await OutboxMessage.select().where(OutboxMessage.id == message_id).first()
    assert (row["channel"], row["recipient"], row["template"], row["status"]) == (
        "sms",
        E164,
        "dossier_received",
        "pending",
    )
    # Rolled back with the caller's transaction: nothing is left to send.
    with pytest.raises(RuntimeError):
        async with write_transaction(engine):
            await enqueue_sms(PHONE, "dossier_received", "vi", RECEIVED)
            raise RuntimeError("the change failed")
    assert len(await _sms_rows()) == 1


async def test_a_key_enqueues_once_and_sms_keys_are_apart_from_email_keys(engine) -> None:
    async with write_transaction(engine):
        first = await enqueue_sms(PHONE, "dossier_received", "vi", RECEIVED, key="received:42")
        again = await enqueue_sms(
            "0999999999", "dossier_received", "en", RECEIVED, key="received:42"
        )
        email = await enqueue_email(
            "nguoi@example.vn", "dossier_received", "vi", RECEIVED, key="received:42"
        )
    assert first == again != email
    assert await OutboxMessage.count() == 2
    with pytest.raises(ValueError):
        async with write_transaction(engine):
            await enqueue_sms(PHONE, "dossier_received", "vi", RECEIVED, key="k" * 197)


async def test_the_email_and_sms_senders_each_take_only_their_channel(
    engine, sms_settings, gateway
) -> None:
    async with write_transaction(engine):
        await enqueue_email("nguoi@example.vn", "dossier_received", "vi", RECEIVED)
        sms_id = await enqueue_sms(PHONE, "dossier_received", "vi", RECEIVED)
    # The email sender (to the dev mailbox here) leaves the SMS alone...
    assert await deliver_due(engine, msgspec.structs.replace(sms_settings, demo_mode=True), 10) == 1
    assert [r["status"] for r in await _sms_rows()] == ["pending"]
    assert gateway.requests == []
    # ...and the SMS sender the email.
    assert await deliver_due_sms(engine, sms_settings, 10) == 1
    assert await deliver_due_sms(engine, sms_settings, 10) == 0
    assert gateway.delivered_per_key() == {str(sms_id): 1}


async def test_the_gateway_gets_json_to_and_text_with_the_bearer_token(
    engine, sms_settings, gateway
) -> None:
    [message_id] = await _enqueue(engine)
    assert await deliver_due_sms(engine, sms_settings, 10) == 1
    [request] = gateway.requests
    assert request.path == "/send"
    assert request.body == {"to": "+84912340000", "text": render_sms(RECEIVED, "vi")}
    assert request.body["text"].startswith("Ho so cua ban da duoc tiep nhan.")
    assert request.headers["authorization"] == "Bearer gateway-token"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["idempotency-key"] == str(message_id)
    [row] = await _sms_rows()
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 1, "")


async def test_accented_text_when_the_option_is_off(engine, sms_settings, gateway) -> None:
    await _enqueue(engine)
    settings = msgspec.structs.replace(sms_settings, sms_unaccented=False)
    assert await deliver_due_sms(engine, settings, 10) == 1
    text = gateway.requests[0].body["text"]
    assert text.startswith("Hồ sơ của bạn đã được tiếp nhận.") and "25/11/2026" in text
    assert len(text) <= 160


async def test_gateway_errors_are_retried_with_backoff_and_delivered_exactly_once(
    engine, sms_settings, gateway
) -> None:
    gateway.fail = 4  # two messages, each answered 503 twice (the first error stops neither)
    ids = await _enqueue(engine, 2)
    now = _soon()
    assert await deliver_due_sms(engine, sms_settings, 10, now=now) == 0
    rows = await _sms_rows()
    assert [(r["status"], r["attempts"]) for r in rows] == [("pending", 1)] * 2
    assert all("503" in r["last_error"] for r in rows)
    assert all(now < r["next_attempt_at"] <= now + timedelta(seconds=5) for r in rows)
    # Not due again before the backoff is over.
    assert await deliver_due_sms(engine, sms_settings, 10, now=now) == 0
    assert len(gateway.requests) == 2
    now += timedelta(seconds=6)
    assert await deliver_due_sms(engine, sms_settings, 10, now=now) == 0
    rows = await _sms_rows()
    assert all(
        now + timedelta(seconds=7) <= r["next_attempt_at"] <= now + timedelta(seconds=10)
        for r in rows
    )
    now += timedelta(seconds=11)
    assert await deliver_due_sms(engine, sms_settings, 10, now=now) == 2
    assert await deliver_due_sms(engine, sms_settings, 10, now=now + timedelta(hours=2)) == 0
    assert len(gateway.requests) == 6
    assert gateway.delivered_per_key() == {str(i): 1 for i in ids}
    assert [(r["status"], r["attempts"], r["last_error"]) for r in await _sms_rows()] == [
        ("sent", 3, "")
    ] * 2


async def test_a_4xx_fails_the_message_for_good_but_429_is_retried(
    engine, sms_settings, gateway
) -> None:
    gateway.fail, gateway.fail_status = 1, 400
    await _enqueue(engine, 1)
    t0 = _soon()
    assert await deliver_due_sms(engine, sms_settings, 10, now=t0) == 0
    [row] = await _sms_rows()
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "400" in row["last_error"]
    assert await deliver_due_sms(engine, sms_settings, 10, now=t0 + timedelta(days=1)) == 0
    assert len(gateway.requests) == 1

    await OutboxMessage.delete(force=True)
    gateway.fail, gateway.fail_status = 1, 429
    await _enqueue(engine, 1)
    t0 = _soon()
    assert await deliver_due_sms(engine, sms_settings, 10, now=t0) == 0
    assert [r["status"] for r in await _sms_rows()] == ["pending"]
    assert await deliver_due_sms(engine, sms_settings, 10, now=t0 + timedelta(minutes=1)) == 1


async def test_a_timeout_is_retried_and_the_rest_of_the_batch_waits(
    engine, sms_settings, gateway
) -> None:
    gateway.hang, gateway.hang_seconds = 1, 1.5
    ids = await _enqueue(engine, 3)
    t0 = _soon()
    transport = GatewayTransport(gateway.url, "gateway-token", timeout=0.3)
    try:
        assert await deliver_due_sms(engine, sms_settings, 10, now=t0, transport=transport) == 0
        rows = await _sms_rows()
        # The first timed out; the gateway is taken as unusable for the rest of the pass.
        assert [(r["status"], r["attempts"]) for r in rows] == [("pending", 1)] * 3
        assert all("timeout" in r["last_error"] for r in rows)
        await asyncio.sleep(1.5)  # let the gateway finish the held request
        later = t0 + timedelta(minutes=1)
        assert await deliver_due_sms(engine, sms_settings, 10, now=later, transport=transport) == 3
    finally:
        await transport.aclose()
    assert gateway.delivered_per_key() == {str(i): 1 for i in ids}


async def test_gateway_down_then_up_loses_and_duplicates_nothing(engine, sms_settings) -> None:
    port = free_port()
    settings = msgspec.structs.replace(
        sms_settings, sms_gateway_url=f"http://127.0.0.1:{port}/send"
    )
    ids = await _enqueue(engine, 3)
    t0 = _soon()
    assert await deliver_due_sms(engine, settings, 10, now=t0) == 0
    rows = await _sms_rows()
    assert [(r["status"], r["attempts"]) for r in rows] == [("pending", 1)] * 3
    assert all("unreachable" in r["last_error"] for r in rows)
    gateway = Gateway(port=port).start()
    try:
        assert await deliver_due_sms(engine, settings, 10, now=t0 + timedelta(minutes=1)) == 3
    finally:
        gateway.stop()
    assert gateway.delivered_per_key() == {str(i): 1 for i in ids}


async def test_when_the_attempts_run_out_the_message_is_failed(
    engine, sms_settings, gateway
) -> None:
    settings = msgspec.structs.replace(sms_settings, sms_max_attempts=3)
    gateway.fail = 100
    await _enqueue(engine, 1)
    now = _soon()
    for _ in range(5):
        await deliver_due_sms(engine, settings, 10, now=now)
        now += timedelta(hours=2)
    [row] = await _sms_rows()
    assert (row["status"], row["attempts"]) == ("failed", 3)
    assert len(gateway.requests) == 3


async def test_concurrent_senders_deliver_each_sms_exactly_once(
    engine, sms_settings, gateway
) -> None:
    ids = await _enqueue(engine, 24)
    total = 0
    while True:
        counts = await asyncio.gather(*(deliver_due_sms(engine, sms_settings, 3) for _ in range(3)))
        total += sum(counts)
        if not any(counts):
            break
    assert total == 24
    assert gateway.delivered_per_key() == {str(i): 1 for i in ids}
    assert len(gateway.requests) == 24
    assert await OutboxMessage.count().where(OutboxMessage.status == "sent") == 24


# ------------------------------------------------------------------ in the app


async def test_without_a_gateway_sms_are_kept_and_listed_at_dev_sms(settings) -> None:
    settings = msgspec.structs.replace(settings, demo_mode=True)  # none kept outside demo mode
    app = create_app(settings)
    async with LifespanManager(app):
        engine = app.state.engine
        await OutboxMessage.delete(force=True)
        async with write_transaction(engine):
            message_id = await enqueue_sms(PHONE, "dossier_received", "vi", RECEIVED)
        # The app's own sender delivers it; wait for the outcome, not a time.
        notify_now()

        async def kept() -> bool:
            return await DemoSms.exists().where(DemoSms.id == message_id)

        await wait_until(kept, seconds=20, interval=0.01, message="no demo SMS")
        [stored] = await DemoSms.select().where(DemoSms.id == message_id)
        assert stored["recipient"] == E164
        assert stored["text"] == render_sms(RECEIVED, "vi")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://localhost:8000"
        ) as client:
            page = await client.get("/dev/sms")
        assert page.status_code == 200
        assert "Ho so cua ban da duoc tiep nhan." in page.text
        assert E164 in page.text
        await OutboxMessage.delete(force=True)


async def test_dev_sms_is_not_mounted_when_a_gateway_is_configured(settings) -> None:
    settings = msgspec.structs.replace(settings, demo_mode=True)
    app = create_app(msgspec.structs.replace(settings, sms_gateway_url="http://127.0.0.1:9/send"))
    assert not [r.path for r in app.routes if r.path.startswith("/dev/sms")]
    assert [r.path for r in create_app(settings).routes if r.path.startswith("/dev/sms")]


async def test_the_apps_background_sender_delivers_sms(settings, gateway) -> None:
    app = create_app(msgspec.structs.replace(settings, sms_gateway_url=gateway.url))
    async with LifespanManager(app):
        await OutboxMessage.delete(force=True)
        async with write_transaction(app.state.engine):
            message_id = await enqueue_sms(PHONE, "dossier_result", "en", SAMPLES[3])
        notify_now()
        await wait_until(lambda: gateway.delivered, interval=0.01, message="nothing delivered")

        async def sent() -> bool:
            return await OutboxMessage.count().where(OutboxMessage.status == "sent") == 1

        await wait_until(sent, seconds=5, interval=0.01, message="the message not marked sent")
        assert gateway.delivered_per_key() == {str(message_id): 1}
        assert (
            gateway.delivered[0]
            .body["text"]
            .startswith(f"The result of dossier {display(CODE)} is ready.")
        )
        assert await OutboxMessage.count().where(OutboxMessage.status == "sent") == 1
        await OutboxMessage.delete(force=True)

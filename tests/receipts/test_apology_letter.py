"""The apology letter PDF (Phiếu xin lỗi và hẹn lại ngày trả kết quả): the form's
parts in Vietnamese that come back out of the file as written, the same bytes for
the same data, and a reason at the desk's longest still on a printable letter."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import msgspec
from pypdf import PdfReader

from server.receipts.apology import render_apology
from server.receipts.schemas import ApologyData
from sync.codes import make_code

CODE = make_code("00070", 2026, 7)
DATA = ApologyData(
    dossier_id=uuid.UUID("01936f3e-7c4a-7b2e-9d3f-0123456789ab"),
    code=CODE,
    procedure_name="Đăng ký kết hôn",
    agency_name="UBND phường Hoàn Kiếm, thành phố Hà Nội",
    person_name="Nguyễn Văn Bình – Trần Thị Hòa",
    received_at=dt.datetime(2026, 11, 20, 8, 30, tzinfo=dt.UTC),  # 15:30 in Hà Nội
    issued_at=dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC),
    original_date=dt.date(2026, 11, 23),
    new_date=dt.date(2026, 11, 27),
    reason="Chưa nhận được kết quả xác minh tình trạng hôn nhân của bên nam.",
    number=2,
    official="Lê Thu Hà",
)


def _text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(p.extract_text().split()) for p in pages)


def test_the_letter_says_what_the_form_asks_in_vietnamese() -> None:
    pdf = render_apology(DATA)
    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "UBND PHƯỜNG HOÀN KIẾM",
        "Số: 02/PXL",
        "Ngày 25 tháng 11 năm 2026",
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        "Kính gửi: Ông/Bà Nguyễn Văn Bình – Trần Thị Hòa",
        "Ngày 20 tháng 11 năm 2026",  # received (15:30 in Hà Nội, the same day)
        "Mã hồ sơ: " + " ".join(CODE[i : i + 4] for i in range(0, 16, 4)),
        "Đăng ký kết hôn",
        "23/11/2026",
        DATA.reason,
        "ngày 27 tháng 11 năm 2026 (27/11/2026)",
        "Người lập phiếu: Lê Thu Hà",
    ):
        assert expected in text, (expected, text)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


def test_the_same_data_gives_the_same_bytes() -> None:
    assert render_apology(DATA) == render_apology(msgspec.structs.replace(DATA))


def test_a_reason_at_the_longest_the_desk_takes_still_fits_two_pages() -> None:
    long = msgspec.structs.replace(DATA, reason="Chờ kết quả xác minh của nơi cư trú. " * 54)
    assert len(long.reason) <= 2000
    pdf = render_apology(long)
    assert len(PdfReader(io.BytesIO(pdf)).pages) <= 2
    assert "Người lập phiếu: Lê Thu Hà" in _text(pdf)

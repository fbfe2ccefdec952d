"""The receipt PDF: Vietnamese text that comes back out of the file as written,
and a QR code that decodes to the dossier's public status page."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import uuid
import warnings

import msgspec
import pytest
import segno
import zxingcpp
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from server.receipts import ReceiptData, render_receipt, status_url
from server.receipts.render import FONTS_DIR, font_files
from sync.codes import make_code

CODE = make_code("00070", 2026, 1)
DOSSIER = uuid.UUID("01936f3e-7c4a-7b2e-9d3f-0123456789ab")
DATA = ReceiptData(
    dossier_id=DOSSIER,
    code=CODE,
    procedure_name="Đăng ký khai sinh",
    agency_name="UBND phường Ba Đình, thành phố Hà Nội",
    person_name="Nguyễn Thị Hoà",
    submitted_at=dt.datetime(2026, 11, 20, 7, 35, tzinfo=dt.UTC),  # 14:35 in Hà Nội
    appointment_date=dt.date(2026, 11, 23),
    base_url="http://localhost:8000",
    received_by="Trần Văn Đức",
    documents=["Giấy chứng sinh (bản chính)", "Giấy chứng nhận kết hôn (bản sao)"],
)


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    # Compare as NFC with single spaces; lines may wrap anywhere.
    return " ".join(unicodedata.normalize("NFC", text).split())


def _qr_texts(pdf: bytes) -> list[str]:
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for image in page.images:
            found += [
                r.text
                for r in zxingcpp.read_barcodes(image.image)
                if r.format == zxingcpp.BarcodeFormat.QRCode
            ]
    return found


def test_receipt_is_a_pdf_whose_vietnamese_text_reads_back_as_written() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fpdf2 warning (missing glyph, deprecated call)
        pdf = render_receipt(DATA)
    assert pdf.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    text = _text(pdf)
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "Mã hồ sơ: 0007 0260 0000 001" + CODE[-1],
        "Thủ tục: Đăng ký khai sinh",
        "Cơ quan tiếp nhận: UBND phường Ba Đình, thành phố Hà Nội",
        "Người nộp hồ sơ: Nguyễn Thị Hoà",
        "Thời điểm nộp: 14 giờ 35, ngày 20/11/2026",
        "Ngày hẹn trả kết quả: 23/11/2026",
        "Người tiếp nhận: Trần Văn Đức",
        "Giấy chứng sinh (bản chính)",
        "Giấy chứng nhận kết hôn (bản sao)",
        "http://localhost:8000/tra-cuu?code=" + CODE,
    ]:
        assert unicodedata.normalize("NFC", expected) in text, expected
    assert "(Tiếp nhận lưu động)" not in text


def test_the_qr_code_decodes_to_the_status_page_of_the_code() -> None:
    pdf = render_receipt(DATA)
    assert _qr_texts(pdf) == [f"http://localhost:8000/tra-cuu?code={CODE}"]


def test_without_a_code_the_receipt_and_its_qr_carry_the_dossier_id() -> None:
    data = msgspec.structs.replace(
        DATA,
        code=None,
        channel="outreach",
        appointment_date=None,
        base_url="https://dvc.example.vn/",
    )
    pdf = render_receipt(data)
    url = f"https://dvc.example.vn/tra-cuu?id={DOSSIER}"
    assert _qr_texts(pdf) == [url]
    text = _text(pdf)
    assert f"Số hồ sơ (chưa cấp mã): {DOSSIER}" in text
    assert "(Tiếp nhận lưu động)" in text
    assert "Ngày hẹn trả kết quả: Sẽ thông báo sau" in text
    assert url in text


def test_nfd_input_is_printed_precomposed() -> None:
    nfd = unicodedata.normalize("NFD", "Lê Thị Ngọc Ánh")
    assert nfd != "Lê Thị Ngọc Ánh"
    text = _text(render_receipt(msgspec.structs.replace(DATA, person_name=nfd)))
    assert "Người nộp hồ sơ: Lê Thị Ngọc Ánh" in text


def test_english_receipt() -> None:
    text = _text(render_receipt(msgspec.structs.replace(DATA, lang="en")))
    assert "DOSSIER RECEIPT AND APPOINTMENT FOR THE RESULT" in text
    assert "Submitted at: 14:35 on 20/11/2026" in text
    assert "Submitted by: Nguyễn Thị Hoà" in text


def test_same_data_same_bytes_and_long_lists_flow_onto_a_second_page() -> None:
    assert render_receipt(DATA) == render_receipt(DATA)
    many = [f"Giấy tờ kèm theo số {i}: bản sao có chứng thực" for i in range(30)]
    pdf = render_receipt(msgspec.structs.replace(DATA, documents=many))
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 2
    assert _qr_texts(pdf) == [f"http://localhost:8000/tra-cuu?code={CODE}"]
    assert "Giấy tờ kèm theo số 29: bản sao có chứng thực" in _text(pdf)


def test_a_naive_submission_time_is_refused() -> None:
    with pytest.raises(ValueError):
        render_receipt(
            msgspec.structs.replace(DATA, submitted_at=dt.datetime(2026, 11, 20, 14, 35))
        )


def test_status_url_and_the_segno_matrix_round_trip() -> None:
    url = status_url("http://localhost:8000/", CODE, DOSSIER)
    assert url == f"http://localhost:8000/tra-cuu?code={CODE}"
    qr = segno.make(url, error="m", micro=False)
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=4, border=4)
    from PIL import Image

    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(buffer.getvalue())))
    assert [r.text for r in decoded] == [url]


def test_the_font_ships_with_its_licence_and_covers_vietnamese() -> None:
    vowels = "aăâeêioôơuưy"
    letters = {"đ", "Đ"} | {
        unicodedata.normalize("NFC", v + mark)
        for v in vowels + vowels.upper()
        for mark in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
    }
    assert len(letters) == 146
    licence = (FONTS_DIR / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence
    for path in font_files():
        # Loaded from the repository's copy, never from the system's fonts.
        assert path.resolve().parent == FONTS_DIR
        cmap = TTFont(path).getBestCmap()
        assert cmap is not None
        assert [c for c in letters if ord(c) not in cmap] == []

"""The receipt PDF (fpdf2) with its QR code (segno).

Font: Source Sans Pro 2.020 (Adobe, SIL Open Font License 1.1), Regular and Bold TTF,
kept in `fonts/` beside this module with the licence (`fonts/OFL.txt`) and loaded from
there by path, never from the system. It has every precomposed Vietnamese letter (all
134 vowels with their tone marks, and đ/Đ); fpdf2 embeds the subset it uses with a
ToUnicode map, so the text can be searched and copied from the PDF.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

import segno
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from server.clock import VIETNAM
from server.receipts.schemas import ReceiptData
from sync.codes import display

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "SourceSansPro"
PAGE_FORMAT = (148.0, 210.0)  # A5 portrait, in mm: half an A4 sheet
MARGIN = 12.0
QR_SIZE_MM = 38.0

_LABELS = {
    "vi": {
        "motto_1": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "motto_2": "Độc lập - Tự do - Hạnh phúc",
        "title": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "outreach": "(Tiếp nhận lưu động)",
        "code": "Mã hồ sơ",
        "no_code": "Số hồ sơ (chưa cấp mã)",
        "procedure": "Thủ tục",
        "agency": "Cơ quan tiếp nhận",
        "person": "Người nộp hồ sơ",
        "submitted": "Thời điểm nộp",
        "appointment": "Ngày hẹn trả kết quả",
        "to_be_notified": "Sẽ thông báo sau",
        "received_by": "Người tiếp nhận",
        "documents": "Giấy tờ đã nộp",
        "scan": "Quét mã QR để tra cứu tình trạng hồ sơ:",
        "bring": "Khi nhận kết quả, vui lòng mang theo giấy này và bản chính các giấy tờ đã nộp để đối chiếu.",
    },
    "en": {
        "motto_1": "SOCIALIST REPUBLIC OF VIETNAM",
        "motto_2": "Independence - Freedom - Happiness",
        "title": "DOSSIER RECEIPT AND APPOINTMENT FOR THE RESULT",
        "outreach": "(Received by mobile outreach)",
        "code": "Dossier code",
        "no_code": "Dossier number (no code yet)",
        "procedure": "Procedure",
        "agency": "Receiving agency",
        "person": "Submitted by",
        "submitted": "Submitted at",
        "appointment": "Result due on",
        "to_be_notified": "To be notified",
        "received_by": "Received by",
        "documents": "Documents handed in",
        "scan": "Scan the QR code to look up the dossier's status:",
        "bring": "When collecting the result, bring this receipt and the originals of the documents submitted.",
    },
}


def font_files() -> tuple[Path, Path]:
    """Regular and Bold TTF of Source Sans Pro, shipped in this package's `fonts/`."""
    return (FONTS_DIR / "SourceSansPro-Regular.ttf", FONTS_DIR / "SourceSansPro-Bold.ttf")


def status_url(base_url: str, code: str | None, dossier_id: object) -> str:
    """The public status page the QR opens: by code, or by id before there is one."""
    query = {"code": code} if code else {"id": str(dossier_id)}
    return f"{base_url.rstrip('/')}/tra-cuu?{urlencode(query)}"


@lru_cache(maxsize=8)
def _qr_png(url: str) -> bytes:
    # Level M (15 % recoverable) survives a crease or a smudge on a printed slip;
    # 4 modules of quiet zone, as the standard asks.
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=10, border=4)
    return buffer.getvalue()


def _nfc(text: str) -> str:
    # Combining marks would be drawn as separate glyphs: always precomposed.
    return unicodedata.normalize("NFC", text)


def _when(moment: dt.datetime, lang: str) -> str:
    if moment.tzinfo is None:
        raise ValueError("submitted_at must be timezone-aware")
    local = moment.astimezone(VIETNAM)
    if lang == "vi":
        return f"{local:%H} giờ {local:%M}, ngày {local:%d/%m/%Y}"
    return f"{local:%H:%M} on {local:%d/%m/%Y}"


def _day(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


class _Receipt(FPDF):
    def row(self, label: str, value: str, *, bold: bool = False, size: float = 10.5) -> None:
        label_width = 42.0
        top = self.get_y()
        self.set_font(FONT_FAMILY, "", 10.5)
        self.set_x(MARGIN)
        self.multi_cell(label_width, 5.5, label + ":", new_x=XPos.RIGHT, new_y=YPos.TOP)
        label_bottom = self.get_y()
        self.set_xy(MARGIN + label_width, top)
        self.set_font(FONT_FAMILY, "B" if bold else "", size)
        self.multi_cell(
            self.epw - label_width,
            5.5 if size <= 11 else 7.0,
            value,
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self.set_y(max(self.get_y(), label_bottom, top + 5.5) + 1.2)


def render_receipt(data: ReceiptData) -> bytes:
    """The receipt as a one-page PDF (A5 portrait)."""
    labels = _LABELS[data.lang]
    regular, bold = font_files()
    pdf = _Receipt(orientation="P", unit="mm", format=PAGE_FORMAT)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.add_font(FONT_FAMILY, "", str(regular))
    pdf.add_font(FONT_FAMILY, "B", str(bold))
    # The same data gives the same bytes (no "now" in the file).
    pdf.set_creation_date(data.submitted_at.astimezone(dt.UTC))
    pdf.set_creator("motcua")
    pdf.set_lang(data.lang)
    pdf.set_title(_nfc(labels["title"]))
    pdf.add_page()

    pdf.set_font(FONT_FAMILY, "B", 10.5)
    pdf.cell(0, 5, labels["motto_1"], align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT_FAMILY, "", 10.5)
    pdf.cell(0, 5, labels["motto_2"], align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "B", 11)
    pdf.multi_cell(
        0,
        5.5,
        _nfc(data.agency_name).upper() if data.lang == "vi" else _nfc(data.agency_name),
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)
    pdf.set_font(FONT_FAMILY, "B", 13)
    pdf.multi_cell(0, 6.5, labels["title"], align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if data.channel == "outreach":
        pdf.set_font(FONT_FAMILY, "", 10)
        pdf.cell(0, 5, labels["outreach"], align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)

    if data.code:
        pdf.row(labels["code"], display(data.code), bold=True, size=14)
    else:
        pdf.row(labels["no_code"], str(data.dossier_id), bold=True)
    pdf.row(labels["procedure"], _nfc(data.procedure_name))
    pdf.row(labels["agency"], _nfc(data.agency_name))
    pdf.row(labels["person"], _nfc(data.person_name), bold=True)
    pdf.row(labels["submitted"], _when(data.submitted_at, data.lang))
    pdf.row(
        labels["appointment"],
        _day(data.appointment_date) if data.appointment_date else labels["to_be_notified"],
        bold=True,
    )
    if data.received_by:
        pdf.row(labels["received_by"], _nfc(data.received_by))
    if data.documents:
        pdf.row(labels["documents"], "\n".join(f"- {_nfc(d)}" for d in data.documents))

    url = status_url(data.base_url, data.code, data.dossier_id)
    if pdf.get_y() + QR_SIZE_MM + 22 > pdf.h - MARGIN:
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "", 10)
    pdf.multi_cell(0, 5, labels["scan"], align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.image(
        io.BytesIO(_qr_png(url)),
        x=(pdf.w - QR_SIZE_MM) / 2,
        y=pdf.get_y() + 1,
        w=QR_SIZE_MM,
        h=QR_SIZE_MM,
    )
    pdf.set_y(pdf.get_y() + QR_SIZE_MM + 2)
    pdf.set_font(FONT_FAMILY, "", 8.5)
    pdf.multi_cell(0, 4, url, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "", 9.5)
    pdf.multi_cell(0, 4.8, labels["bring"], align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())

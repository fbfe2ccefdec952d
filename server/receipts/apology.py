"""The apology letter with a new date for the result (Phiếu xin lỗi và hẹn lại ngày
trả kết quả), as the form of Decree 61/2018 (amended by Decree 107/2021) lays it
out: the agency and the national motto, the letter's number and date, the person,
the dossier received and the date promised, the reason for the delay, the apology
and the new date, and the signature block. A4 portrait, Vietnamese, with the
receipt's font (server/receipts/render.py) and the same bytes for the same data.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from server.clock import VIETNAM
from server.receipts.render import FONT_FAMILY, font_files
from server.receipts.schemas import ApologyData
from sync.codes import display

MARGIN = 20.0
TITLE = "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _date_words(day: dt.date) -> str:
    return f"ngày {day:%d} tháng {day:%m} năm {day.year}"


def _day(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def render_apology(data: ApologyData) -> bytes:
    regular, bold = font_files()
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.add_font(FONT_FAMILY, "", str(regular))
    pdf.add_font(FONT_FAMILY, "B", str(bold))
    pdf.set_creation_date(data.issued_at.astimezone(dt.UTC))
    pdf.set_creator("motcua")
    pdf.set_lang("vi")
    pdf.set_title(_nfc(TITLE))
    pdf.add_page()

    issued = data.issued_at.astimezone(VIETNAM).date()
    half = pdf.epw / 2
    top = pdf.get_y()
    pdf.set_font(FONT_FAMILY, "B", 11)
    pdf.multi_cell(
        half - 4,
        5.5,
        _nfc(data.agency_name).upper() + "\nBỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font(FONT_FAMILY, "", 11)
    pdf.multi_cell(
        half - 4, 5.5, f"Số: {data.number:02d}/PXL", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    left_bottom = pdf.get_y()
    pdf.set_xy(MARGIN + half, top)
    pdf.set_font(FONT_FAMILY, "B", 11)
    pdf.multi_cell(
        half, 5.5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT
    )
    pdf.set_font(FONT_FAMILY, "", 11)
    pdf.multi_cell(
        half, 5.5, "Độc lập - Tự do - Hạnh phúc", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT
    )
    pdf.ln(2)
    pdf.multi_cell(
        half,
        5.5,
        _date_words(issued).capitalize(),
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_y(max(pdf.get_y(), left_bottom) + 8)

    pdf.set_font(FONT_FAMILY, "B", 14)
    pdf.multi_cell(0, 7, TITLE, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)

    received = data.received_at.astimezone(VIETNAM).date()
    code = display(data.code) if data.code else str(data.dossier_id)
    paragraphs = [
        ("B", f"Kính gửi: Ông/Bà {_nfc(data.person_name)}"),
        (
            "",
            f"{_date_words(received).capitalize()}, {_nfc(data.agency_name)} tiếp nhận "
            f"giải quyết hồ sơ của Ông/Bà {_nfc(data.person_name)}.",
        ),
        ("", f"Mã hồ sơ: {code}"),
        ("", f"Nội dung yêu cầu giải quyết: {_nfc(data.procedure_name)}"),
        ("", f"Thời hẹn trả kết quả giải quyết hồ sơ: {_day(data.original_date)}"),
        (
            "",
            "Tuy nhiên đến nay, cơ quan giải quyết chưa trả kết quả giải quyết hồ sơ "
            "của Ông/Bà đúng hạn.",
        ),
        ("", f"Lý do: {_nfc(data.reason)}"),
        (
            "",
            "Sự chậm trễ này đã gây phiền hà cho Ông/Bà. Chúng tôi xin lỗi Ông/Bà và "
            f"hẹn trả kết quả vào {_date_words(data.new_date)} ({_day(data.new_date)}).",
        ),
        ("", "Mong nhận được sự thông cảm của Ông/Bà vì sự chậm trễ này."),
    ]
    for style, text in paragraphs:
        pdf.set_font(FONT_FAMILY, style, 12)
        pdf.multi_cell(0, 6.5, text, align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1.5)

    pdf.ln(8)
    pdf.set_x(MARGIN + half)
    pdf.set_font(FONT_FAMILY, "B", 11)
    pdf.multi_cell(
        half,
        5.5,
        "NGƯỜI ĐỨNG ĐẦU CƠ QUAN",
        align="C",
        new_x=XPos.LEFT,
        new_y=YPos.NEXT,
    )
    pdf.set_font(FONT_FAMILY, "", 10)
    pdf.multi_cell(
        half, 5, "(Ký, ghi rõ họ tên và đóng dấu)", align="C", new_x=XPos.LEFT, new_y=YPos.NEXT
    )
    if data.official:
        pdf.ln(22)
        pdf.set_font(FONT_FAMILY, "", 10)
        pdf.multi_cell(
            half,
            5,
            f"Người lập phiếu: {_nfc(data.official)}",
            align="C",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    return bytes(pdf.output())

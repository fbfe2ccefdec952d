"""Printable receipts (giấy tiếp nhận hồ sơ và hẹn trả kết quả) as PDF, with a QR
code that opens the dossier's public status; the same for the desk and for mobile
outreach. `render_receipt(ReceiptData(...)) -> bytes`."""

from server.receipts.render import render_receipt, status_url
from server.receipts.schemas import ReceiptData

__all__ = ["ReceiptData", "render_receipt", "status_url"]

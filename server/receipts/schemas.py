"""What a receipt shows."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

import msgspec


class ReceiptData(msgspec.Struct, frozen=True, kw_only=True):
    dossier_id: uuid.UUID
    # The canonical 16-character code (printed in groups of four); None while the
    # dossier has none yet: the QR then carries the dossier id.
    code: str | None
    procedure_name: str
    # The receiving agency, e.g. "UBND phường Ba Đình, thành phố Hà Nội".
    agency_name: str
    # The person who submitted the dossier (người nộp hồ sơ).
    person_name: str
    # Aware; printed in Asia/Ho_Chi_Minh.
    submitted_at: dt.datetime
    # None: not set yet (printed as "to be notified").
    appointment_date: dt.date | None
    # MOTCUA_BASE_URL: the QR opens {base_url}/tra-cuu?code=... (or ?id=...).
    base_url: str
    lang: Literal["vi", "en"] = "vi"
    # desk: received at the one-stop desk; outreach: on site by a mobile official.
    channel: Literal["desk", "outreach"] = "desk"
    # The official who received it, and the documents handed in, when known.
    received_by: str = ""
    documents: list[str] = []


class ApologyData(msgspec.Struct, frozen=True, kw_only=True):
    """What an apology letter shows (server/receipts/apology.py)."""

    dossier_id: uuid.UUID
    code: str | None
    procedure_name: str
    agency_name: str
    person_name: str
    # Aware: when the dossier was received, and when the letter was issued.
    received_at: dt.datetime
    issued_at: dt.datetime
    # The date promised, and the new one.
    original_date: dt.date
    new_date: dt.date
    reason: str
    # The letter's number in the dossier (1, 2, …), and the official who drew it up.
    number: int
    official: str = ""

"""A subject reaches the reader as written. Python 3.11's header folder puts the space
before a fold outside the encoded-words, and RFC 2047 decoders drop the white space
between encoded-words: "đã đượctiếp nhận"."""

from __future__ import annotations

import datetime as dt
import uuid
from email import message_from_bytes
from email.policy import default

import pytest

from server.notify.compose import compose
from server.notify.schemas import Rendered

CODES = ["KS-00070-2026-000123", "B7Q2-K9XM", "X", ""]
SUBJECTS = [
    *(f"Dossier {code} đã được tiếp nhận" for code in CODES),
    *(f"Hồ sơ {code} đã được tiếp nhận" for code in CODES),
    *(
        f"Hồ sơ {code} đã được tiếp nhận tại Ủy ban nhân dân xã Hoàn Kiếm, hẹn trả kết quả"
        f" ngày 04/12/2026, vui lòng mang theo giấy tờ gốc"
        for code in CODES
    ),
    "Your dossier was received by the People's Committee of the commune today, come back",
    "Hồ sơ 🏠 đã được tiếp nhận  hai  khoảng trắng",
    "Ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi sáu " * 3,
]


def _sent(subject: str) -> bytes:
    rendered = Rendered(subject=subject, text="x", html="<p>x</p>")
    message = compose(
        uuid.uuid4(),
        "mai@example.vn",
        rendered,
        mail_from="Một cửa <no-reply@motcua.example>",
        lang="vi",
        date=dt.datetime(2026, 12, 5, tzinfo=dt.UTC),
    )
    return bytes(message)


@pytest.mark.parametrize("subject", SUBJECTS)
def test_the_subject_is_read_back_as_written(subject: str) -> None:
    raw = _sent(subject)
    head = raw.split(b"\r\n\r\n")[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n")), head
    assert head.isascii()
    assert str(message_from_bytes(raw, policy=default)["Subject"]) == subject


@pytest.mark.parametrize("length", range(1, 120, 7))
def test_every_length_of_a_vietnamese_subject_is_read_back(length: int) -> None:
    subject = ("Hồ sơ đã được tiếp nhận " * 10)[:length].strip() or "Hồ"
    raw = _sent(subject)
    assert str(message_from_bytes(raw, policy=default)["Subject"]) == subject


def test_a_line_break_in_a_subject_never_makes_a_header() -> None:
    """The policy refuses a line break in a header it folds; the encoded-words path
    folds itself, so it must keep a break inside the words, never start a header."""
    subject = "Hồ sơ đã được tiếp nhận\r\nBcc: someone@example.org\r\n\r\nbody"
    parsed = message_from_bytes(_sent(subject), policy=default)
    assert parsed["Bcc"] is None
    assert str(parsed["Subject"]).startswith("Hồ sơ đã được tiếp nhận")

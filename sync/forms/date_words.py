"""A calendar date in Vietnamese words, as civil-status forms write it
("Ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi sáu"), and whether a typed
text is one of the accepted ways of writing it (README.md, "Date in words").

A date is a list of slots, one per word; each slot lists the words accepted there, the
generated one first. Regional variants are accepted but never generated: "lẻ" for "linh",
"ngàn" for "nghìn", and "tư" for a 4 after a tens word of 20 or more ("hai mươi tư").
"""

from __future__ import annotations

import datetime
import re

from .normalize import WHITE_SPACE

Slot = tuple[str, ...]

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_WS_RUN = re.compile(f"[{WHITE_SPACE}]+")


def _digit(n: int) -> Slot:
    return (_DIGITS[n],)


def _units_after_tens(units: int, *, twenty_or_more: bool) -> list[Slot]:
    """The units word after "mười" (10-19) or "<n> mươi" (20-99)."""
    if units == 0:
        return []
    if units == 1:
        return [("mốt",)] if twenty_or_more else [("một",)]
    if units == 4:
        return [("bốn", "tư")] if twenty_or_more else [("bốn",)]
    if units == 5:
        return [("lăm",)]
    return [_digit(units)]


def _below_hundred(n: int, *, after_hundreds: bool) -> list[Slot]:
    if n == 0:
        return []
    if n < 10:
        # "linh"/"lẻ" marks the empty tens place after hundreds: 105 "một trăm linh năm".
        return ([("linh", "lẻ")] if after_hundreds else []) + [_digit(n)]
    tens, units = divmod(n, 10)
    if tens == 1:
        return [("mười",), *_units_after_tens(units, twenty_or_more=False)]
    return [_digit(tens), ("mươi",), *_units_after_tens(units, twenty_or_more=True)]


def number_slots(n: int) -> list[Slot]:
    """0-9999 in words: 2026 "hai nghìn không trăm hai mươi sáu", 1905 "một nghìn chín trăm
    linh năm", 2000 "hai nghìn"."""
    if not 0 <= n <= 9999:
        raise ValueError(f"{n} is outside 0-9999")
    if n == 0:
        return [_digit(0)]
    thousands, hundreds, rest = n // 1000, n // 100 % 10, n % 100
    slots: list[Slot] = []
    if thousands:
        slots += [_digit(thousands), ("nghìn", "ngàn")]
    if hundreds or (thousands and rest):
        slots += [_digit(hundreds), ("trăm",)]  # 2026: "không trăm" holds the empty place
    return slots + _below_hundred(rest, after_hundreds=bool(thousands or hundreds))


def _month_slots(month: int) -> list[Slot]:
    # The month is its number in words, except April, always "tháng tư". January and
    # December are "tháng một" and "tháng mười hai": "giêng" and "chạp" name lunar months.
    return [("tư",)] if month == 4 else number_slots(month)


def date_slots(day: datetime.date) -> list[Slot]:
    return [
        ("ngày",),
        *number_slots(day.day),
        ("tháng",),
        *_month_slots(day.month),
        ("năm",),
        *number_slots(day.year),
    ]


def date_in_words(day: datetime.date) -> str:
    """The generated form: the first word of every slot, with a capital "Ngày"."""
    text = " ".join(slot[0] for slot in date_slots(day))
    return text[0].upper() + text[1:]


def is_date_in_words(text: str, day: datetime.date) -> bool:
    """`text` (already NFC) writes `day` in one of the accepted forms, ignoring letter
    case and white space (the spec's set, not str.split's)."""
    words = [w for w in _WS_RUN.split(text.lower()) if w]
    slots = date_slots(day)
    return len(words) == len(slots) and all(w in s for w, s in zip(words, slots, strict=True))

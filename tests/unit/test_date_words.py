"""Vietnamese number and date words (sync/forms/date_words.py) beyond the shared vectors:
every generated form is accepted, no two dates read alike, and the number rules hold
over the whole range a date's year can take."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync.forms.date_words import date_in_words, is_date_in_words, number_slots


def generated(n: int) -> str:
    return " ".join(slot[0] for slot in number_slots(n))


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "không"),
        (1, "một"),
        (4, "bốn"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi bốn"),
        (25, "hai mươi lăm"),
        (100, "một trăm"),
        (101, "một trăm linh một"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (115, "một trăm mười lăm"),
        (1000, "một nghìn"),
        (1001, "một nghìn không trăm linh một"),
        (1010, "một nghìn không trăm mười"),
        (1100, "một nghìn một trăm"),
        (1994, "một nghìn chín trăm chín mươi bốn"),
        (2000, "hai nghìn"),
        (2005, "hai nghìn không trăm linh năm"),
        (2026, "hai nghìn không trăm hai mươi sáu"),
        (9999, "chín nghìn chín trăm chín mươi chín"),
    ],
)
def test_number_words(n: int, words: str) -> None:
    assert generated(n) == words


def test_every_date_of_two_centuries_reads_differently() -> None:
    day, seen = dt.date(1900, 1, 1), set()
    while day.year <= 2100:
        text = date_in_words(day)
        assert text not in seen, text
        seen.add(text)
        day += dt.timedelta(days=1)


@given(st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
def test_the_generated_form_is_accepted_and_only_for_its_date(day: dt.date) -> None:
    text = date_in_words(day)
    assert text.startswith("Ngày ") and "  " not in text
    assert is_date_in_words(text, day)
    assert is_date_in_words(text.upper(), day)
    other = day + dt.timedelta(days=1) if day < dt.date(9999, 12, 31) else day - dt.timedelta(1)
    assert not is_date_in_words(text, other)

"""The duplicate key fits its stored column whatever the names, and two dossiers about
the same event still share it (sync/dupkeys.py)."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from sync.dupkeys import DUP_KEY_LENGTH, duplicate_key
from sync.text import search_key

# Letters that fold to two or three ("ß" → "ss", "ﬃ" → "ffi", "ŉ" → "ʼn").
FOLDING = st.text(alphabet="ßﬃŉaăâđêôơưỳ ", min_size=1, max_size=100)


@given(child=FOLDING, mother=FOLDING, other=FOLDING)
@example(child="ﬃ" * 100, mother="ß" * 100, other="ﬃ" * 99)  # 600 characters once folded
def test_a_key_fits_its_column_and_equal_events_share_it(
    child: str, mother: str, other: str
) -> None:
    values = {
        "child.full_name": child,
        "child.birth_date": "2026-11-30",
        "mother.full_name": mother,
    }
    key = duplicate_key("birth", "00070", values)
    assert key is not None and len(key) <= DUP_KEY_LENGTH
    assert key == duplicate_key("birth", "00070", dict(values))
    if search_key(other) != search_key(child):  # names that differ past accents and case
        assert key != duplicate_key("birth", "00070", {**values, "child.full_name": other})


def test_the_column_is_as_long_as_the_key_may_be() -> None:
    from server.dossiers.tables import Dossier

    assert Dossier.dup_key.length == DUP_KEY_LENGTH

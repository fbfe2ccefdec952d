"""sync/storable.py: a clean value is passed without naming paths, and every fault
is still found and named, wherever it sits."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.storable import MAX_DEPTH, Unstorable, _clean, _walk, unstorable


def _nested(depth: int, leaf: Any) -> Any:
    value = leaf
    for k in range(depth):
        value = {"k": value} if k % 2 else [value]
    return value


CLEAN = {
    "fields": {"child.full_name": "Nguyễn Minh Khang", "n": 2**63 - 1, "x": 1.5, "b": True},
    "list": ["a", None, -(2**63), [1, {"y": "ý"}]],
}


def test_a_clean_value_has_no_fault() -> None:
    assert unstorable(CLEAN) == []
    assert unstorable(_nested(MAX_DEPTH, "leaf")) == []


@pytest.mark.parametrize(
    ("value", "path", "code"),
    [
        ({"a": ["ok", "nu\x00l"]}, "$.a[1]", "nul_character"),
        ({"a": {"b": "cut \ud83c"}}, "$.a.b", "lone_surrogate"),
        ({"a": [2**63]}, "$.a[0]", "out_of_range"),
        ({"a": -(2**63) - 1}, "$.a", "out_of_range"),
        ({"nu\x00l": 1}, "$.nu\x00l", "nul_character"),
        ({1: 2**64}, "$.1", "out_of_range"),
        # Text only (a form's fields), checked at once: the fault still named alone.
        ({"a": "ok", "b": "nu\x00l", "c": "ý"}, "$.b", "nul_character"),
        ({"a": "ý", "b": "cut \ud83c", "c": "ok"}, "$.b", "lone_surrogate"),
        ({"a": "ok", "b\udc00": "ok"}, "$.b\udc00", "lone_surrogate"),
    ],
)
def test_each_fault_is_named_by_its_path(value: Any, path: str, code: str) -> None:
    assert [(f.path, f.code) for f in unstorable(value)] == [(path, code)]


def test_two_halves_in_two_texts_are_two_faults() -> None:
    """Joined, the halves of one pair in two texts are still two lone halves."""
    found = unstorable({"a": "\ud83c", "b": "\udf89"})
    assert [(f.path, f.code) for f in found] == [
        ("$.a", "lone_surrogate"),
        ("$.b", "lone_surrogate"),
    ]


_TEXT = st.text(st.sampled_from(["a", "ý", "\x00", "\ud83c", "\udf89", "🎉"]), max_size=4)
_SCALAR = st.one_of(
    _TEXT,
    st.integers(min_value=-(2**65), max_value=2**65),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
)
_VALUE = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(_TEXT, inner, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(_VALUE)
def test_the_quick_look_passes_exactly_what_the_walk_finds_nothing_in(value: Any) -> None:
    """The quick look (every payload) and the walk that names faults agree. (A key
    that is not text, which MessagePack allows, sends every value to the walk.)"""
    found: list[Unstorable] = []
    _walk(value, "$", 0, found)
    assert _clean(value, 0) == (found == [])


def test_nesting_past_the_limit_is_named() -> None:
    found = unstorable(_nested(MAX_DEPTH + 1, "leaf"))
    assert [f.code for f in found] == ["too_deep"]

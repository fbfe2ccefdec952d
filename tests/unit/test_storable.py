"""sync/storable.py: a clean value is passed without naming paths, and every fault
is still found and named, wherever it sits."""

from __future__ import annotations

from typing import Any

import pytest

from sync.storable import MAX_DEPTH, unstorable


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
    ],
)
def test_each_fault_is_named_by_its_path(value: Any, path: str, code: str) -> None:
    assert [(f.path, f.code) for f in unstorable(value)] == [(path, code)]


def test_nesting_past_the_limit_is_named() -> None:
    found = unstorable(_nested(MAX_DEPTH + 1, "leaf"))
    assert [f.code for f in found] == ["too_deep"]

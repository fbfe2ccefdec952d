"""Evaluating conditions against the filled, normalized answers."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, cast

from msgspec import UNSET

from .schema import Condition


def is_number(value: Any) -> bool:
    """A JSON number: bool is not one, and neither are NaN/Infinity (JSON cannot carry them)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def json_equal(a: Any, b: Any) -> bool:
    """Exact JSON equality: 1 == 1.0 (one JSON number), but true != 1 and "1" != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) or is_number(b):
        return is_number(a) and is_number(b) and a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, list) and isinstance(b, list):
        xs, ys = cast(list[Any], a), cast(list[Any], b)
        return len(xs) == len(ys) and all(json_equal(x, y) for x, y in zip(xs, ys, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        da, db = cast(dict[str, Any], a), cast(dict[str, Any], b)
        return da.keys() == db.keys() and all(json_equal(da[k], db[k]) for k in da)
    return a is None and b is None


def holds(cond: Condition, filled: Mapping[str, Any]) -> bool:
    """`filled` maps each non-empty field path to its value, visible or not."""
    if cond.field is not UNSET:
        present = cond.field in filled
        if cond.filled is not UNSET:
            return present == cond.filled
        if not present:  # an empty field equals nothing
            return False
        value = filled[cond.field]
        if cond.in_ is not UNSET:
            return any(json_equal(value, v) for v in cond.in_)
        return json_equal(value, cond.equals)
    if cond.all is not UNSET:
        return all(holds(c, filled) for c in cond.all)
    if cond.any is not UNSET:
        return any(holds(c, filled) for c in cond.any)
    assert cond.not_ is not UNSET
    return not holds(cond.not_, filled)

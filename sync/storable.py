"""What no database column can hold, found in a decoded JSON or MessagePack value:
text with the NUL character (PostgreSQL text refuses U+0000), an integer past 64
bits (BIGINT, SQLite INTEGER), or nesting deeper than any form needs. Found by path,
so the sender is told which value to fix."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple, cast

# The deepest legitimate document is a push: envelope, mutations, mutation, payload,
# fields, a value of a few levels. Twice that leaves room; msgspec's own limit
# (Python's recursion limit, about 1,000) is far past it.
MAX_DEPTH = 32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_FOUND = 20  # enough to name the faults, not a list as long as the body

NUL_MESSAGE = "text may not contain the NUL character (U+0000)"
RANGE_MESSAGE = f"integers must lie within {INT64_MIN} and {INT64_MAX}"
DEPTH_MESSAGE = f"nested deeper than {MAX_DEPTH} levels"
SURROGATE_MESSAGE = "text may not hold half of a surrogate pair (a character cut in two)"
_SURROGATE = re.compile("[\ud800-\udfff]")


class Unstorable(NamedTuple):
    path: str
    code: str  # nul_character, lone_surrogate, out_of_range, too_deep
    message: str


def unstorable(value: Any, root: str = "$") -> list[Unstorable]:
    """Every fault in `value` (up to MAX_FOUND), by path: `root.key`, `root[0]`."""
    if _clean(value, 0):  # nearly every value: no path is built for it
        return []
    found: list[Unstorable] = []
    _walk(value, root, 0, found)
    return found


def _clean(value: Any, depth: int) -> bool:
    """True when `value` has no fault; False when it may have one (then _walk, which
    names them, decides). Every push payload passes here, so it only looks."""
    kind = cast(type[Any], type(value))
    if kind is str:
        return _clean_text(value)
    if kind is int:
        return INT64_MIN <= value <= INT64_MAX
    if kind is bool or kind is float or value is None:
        return True
    if depth >= MAX_DEPTH:
        return False
    if kind is list:
        return all(_clean(item, depth + 1) for item in cast(list[Any], value))
    if kind is dict:
        mapping = cast(dict[Any, Any], value)
        if not _all_clean_text(mapping.keys()):
            return False
        if _all_clean_text(mapping.values()):  # a form's fields: text only, checked at once
            return True
        return all(_clean(item, depth + 1) for item in mapping.values())
    return False


def _clean_text(text: str) -> bool:
    return "\x00" not in text and (text.isascii() or not _SURROGATE.search(text))


def _all_clean_text(values: Iterable[Any]) -> bool:
    """True when every one of `values` is text without a fault (an empty lot too).
    Joined, they are checked as one text: a fault is in the whole if and only if it
    is in a part (a lone surrogate stays one code point beside any other)."""
    kinds = set(map(type, values))
    return kinds <= {str} and _clean_text("".join(values))


def _walk(value: Any, path: str, depth: int, found: list[Unstorable]) -> None:
    if len(found) >= MAX_FOUND:
        return
    if isinstance(value, str):
        if "\x00" in value:
            found.append(Unstorable(path, "nul_character", NUL_MESSAGE))
        # Only Python's json lets one through (server/dossiers/wire.py); msgspec refuses it.
        if _SURROGATE.search(value):
            found.append(Unstorable(path, "lone_surrogate", SURROGATE_MESSAGE))
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            found.append(Unstorable(path, "out_of_range", RANGE_MESSAGE))
    elif isinstance(value, (dict, list)):
        if depth >= MAX_DEPTH:  # stops here, so the walk itself never recurses far
            found.append(Unstorable(path, "too_deep", DEPTH_MESSAGE))
            return
        if isinstance(value, list):
            for i, item in enumerate(cast(list[Any], value)):
                _walk(item, f"{path}[{i}]", depth + 1, found)
            return
        for key, item in cast(dict[Any, Any], value).items():
            inner = f"{path}.{key}"
            if isinstance(key, (str, int)) and not isinstance(key, bool):
                _walk(key, inner, MAX_DEPTH, found)  # keys are scalars (MessagePack allows ints)
            _walk(item, inner, depth + 1, found)

"""Field-level merge of a device's edit into the server's dossier (principle 5):
different fields merge; the same field changed on both sides keeps the server's
value and yields a conflict holding both, so nothing anyone typed is lost."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any, cast

import msgspec


class FieldMerge(msgspec.Struct):
    apply: dict[str, Any]
    # (path, server value, device value)
    conflicts: list[tuple[str, Any, Any]]


def nfc(value: Any) -> Any:
    """Text is stored in NFC, however the keyboard composed it."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [nfc(v) for v in cast(list[Any], value)]
    if isinstance(value, dict):
        return {k: nfc(v) for k, v in cast(dict[str, Any], value).items()}
    return value


def same(a: Any, b: Any) -> bool:
    return msgspec.json.encode(a, order="sorted") == msgspec.json.encode(b, order="sorted")


def merge_changes(
    fields: Mapping[str, Any],
    field_versions: Mapping[str, int],
    base_version: int,
    changes: Mapping[str, Any],
    field_devices: Mapping[str, str] | None = None,
    device: str | None = None,
) -> FieldMerge:
    """`field_versions[path]` is the dossier version that last changed the field;
    a device that based its edit on that version or later saw the server's value.
    A device's later edit of a field it changed last itself is no clash: it has
    seen its own value, even before the server confirmed it."""
    apply: dict[str, Any] = {}
    conflicts: list[tuple[str, Any, Any]] = []
    authors = field_devices or {}
    for path, value in changes.items():
        current = fields.get(path)
        own = device is not None and authors.get(path) == device
        if field_versions.get(path, 0) <= base_version or own or same(current, value):
            apply[path] = value
        else:
            conflicts.append((path, current, value))
    return FieldMerge(apply=apply, conflicts=conflicts)

"""Keys that make two dossiers about the same event meet (docs/domain.md, duplicates). A match is
only ever flagged for an official, never merged."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from sync.text import search_key

# The stored key's length (server/dossiers/tables.py Dossier.dup_key).
DUP_KEY_LENGTH = 400

# family -> (name path, event date path, parent's id path, parent's name path)
_EVENT_FIELDS = {
    "birth": ("child.full_name", "child.birth_date", "mother.id_number", "mother.full_name"),
    "death": ("deceased.full_name", "death.date", "deceased.id_number", "deceased.birth_date"),
}


def duplicate_key(family: str, commune_code: str, values: Mapping[str, Any]) -> str | None:
    fields = _EVENT_FIELDS.get(family)
    if fields is None:
        return None
    name_path, date_path, id_path, other_path = fields
    name, date = values.get(name_path), values.get(date_path)
    if not isinstance(name, str) or not isinstance(date, str):
        return None
    parent = values.get(id_path) or search_key(str(values.get(other_path) or ""))
    key = "|".join((family, commune_code, search_key(name), date, str(parent)))
    if len(key) <= DUP_KEY_LENGTH:
        return key
    # Names of 100 letters that fold longer ("ß" → "ss", "ﬃ" → "ffi") pass the column:
    # their digest then stands for them, so equal keys still meet.
    return f"{family}|{commune_code}|#{hashlib.sha256(key.encode()).hexdigest()}"

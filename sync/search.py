"""The text a desk official searches a dossier by: its code and the names in it,
with diacritics dropped (search "nguyen van an" finds "Nguyễn Văn An")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sync.text import search_key


def search_text(code: str | None, fields: Mapping[str, Any]) -> str:
    names = [
        v for path, v in sorted(fields.items()) if path.endswith("full_name") and isinstance(v, str)
    ]
    parts = [code.lower()] if code else []
    parts += [search_key(n) for n in names]
    return " | ".join(parts)

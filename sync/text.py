"""Text helpers shared by the server: keys for search and duplicate detection."""

from __future__ import annotations

import unicodedata


def search_key(text: str) -> str:
    """A key that ignores case, diacritics, đ/d and spacing: "Nguyễn  Văn Đức" -> "nguyen van duc".

    Dropping every mark also makes the old ("hoà") and new ("hòa") tone placements equal,
    which people use interchangeably in names.
    """
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text))
    stripped = "".join(c for c in decomposed if not unicodedata.category(c).startswith("M"))
    stripped = stripped.replace("đ", "d").replace("Đ", "d")
    # casefold can itself produce marks (İ -> i + U+0307), so strip again afterwards.
    folded = unicodedata.normalize("NFD", stripped.casefold())
    folded = "".join(c for c in folded if not unicodedata.category(c).startswith("M"))
    return " ".join(folded.split())

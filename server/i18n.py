"""The two languages of the product, chosen per request by Accept-Language."""

from __future__ import annotations

from typing import Literal

Language = Literal["vi", "en"]
LANGUAGES: tuple[Language, ...] = ("vi", "en")
DEFAULT_LANGUAGE: Language = "vi"


def negotiate_language(accept_language: str | None) -> Language:
    """Pick vi or en from an Accept-Language header, honouring q-values."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.strip().lower().split("-")[0]
        # Earlier entries win ties, as the header lists preferences in order.
        if primary in LANGUAGES and q > best_q and q > 0:
            best, best_q = primary, q
    return best

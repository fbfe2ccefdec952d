"""Names people choose for themselves (a device, a passkey, a document's label, an
organisation, an official): shown to other people, in lists and in the audit log.
Invisible characters there can disguise text: U+202E turns "gnp.exe" around,
U+2066..U+2069 isolate runs, U+200B splits a name that looks whole. So control and
format characters are refused, by name, with the code point."""

from __future__ import annotations

import unicodedata

from server.problems import FieldError, ProblemError

# Cc controls, Cf format (the bidirectional overrides and isolates, zero-width
# characters, the soft hyphen, the BOM), Cs lone surrogates, Co private use, and the
# line and paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def hidden_characters(text: str) -> list[str]:
    """The refused code points in `text`, as U+XXXX, in order of first appearance."""
    found = (f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in _HIDDEN_CATEGORIES)
    return list(dict.fromkeys(found))


def hidden_characters_error(path: str, text: str, lang: str) -> FieldError | None:
    hidden = hidden_characters(text)
    if not hidden:
        return None
    points = ", ".join(hidden[:5])
    message = (
        f"Không được chứa ký tự ẩn hoặc ký tự điều khiển ({points})."
        if lang == "vi"
        else f"Must not contain hidden or control characters ({points})."
    )
    return FieldError(path=path, code="hidden_characters", message=message)


def chosen_name(path: str, value: str, lang: str, *, max_length: int, required: bool = True) -> str:
    """`value` in NFC without surrounding spaces, or a 422 naming `path`."""
    text = unicodedata.normalize("NFC", value).strip()
    error = hidden_characters_error(path, text, lang)
    if error is None and (len(text) > max_length or (required and not text)):
        message = (
            f"Cần từ 1 đến {max_length} ký tự."
            if lang == "vi"
            else f"1 to {max_length} characters."
        )
        error = FieldError(path=path, code="invalid", message=message)
    if error is not None:
        raise ProblemError(422, "validation_failed", errors=[error])
    return text

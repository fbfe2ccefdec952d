"""Normalizing answers before any rule runs, and what counts as empty."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, cast

# The white space JavaScript's String.prototype.trim and \s know, so that the app and the
# server trim the same characters (Python's str.strip differs on U+001C–U+001F, U+0085, U+FEFF).
WHITE_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_WS_RUN = re.compile(f"[{WHITE_SPACE}]+")
_PHONE_NOISE = re.compile(f"[{WHITE_SPACE}.\\-()]")
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def clean_string(s: str) -> str:
    return unicodedata.normalize("NFC", s).strip(WHITE_SPACE)


def clean(value: Any) -> Any:
    """NFC + trim every string, including those inside arrays (attachments) and objects."""
    if isinstance(value, str):
        return clean_string(value)
    if isinstance(value, list):
        return [clean(v) for v in cast(list[Any], value)]
    if isinstance(value, dict):
        return {k: clean(v) for k, v in cast(dict[str, Any], value).items()}
    return value


def normalize_phone(s: str) -> str:
    s = _PHONE_NOISE.sub("", s)
    if s.startswith("+84"):
        return "0" + s[3:]
    # Without the "+", "84" is only a country code when it makes an 11-digit number.
    if s.startswith("84") and len(s) == 11 and s.isascii() and s.isdigit():
        return "0" + s[2:]
    return s


def normalize_email(s: str) -> str:
    local, at, domain = s.rpartition("@")
    return f"{local}@{domain.lower()}" if at else s


def normalize(field_type: str, value: Any) -> Any:
    """The normalized form of one answer for a field of `field_type` (idempotent)."""
    value = clean(value)
    if not isinstance(value, str):
        return value
    if field_type == "person_name":
        return _WS_RUN.sub(" ", value)
    if field_type == "phone":
        return normalize_phone(value)
    if field_type == "email":
        return normalize_email(value)
    if field_type == "nationality":
        # ASCII letters only: str.upper would turn "ıt" (dotless ı) into "IT"
        return value.translate(_ASCII_UPPER)
    return value


def is_empty(value: Any) -> bool:
    """Absent (None), null, blank string or empty array; `false` and `0` are values."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip(WHITE_SPACE) == ""
    if isinstance(value, list):
        return len(cast(list[Any], value)) == 0
    return False


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value, so a filled target never aliases its source's list."""
    if isinstance(value, list):
        return [copy_json(v) for v in cast(list[Any], value)]
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in cast(dict[str, Any], value).items()}
    return value

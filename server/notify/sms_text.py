"""SMS text: Vietnamese without diacritics in the GSM-7 alphabet, and its length.

Every text is kept within 160 characters: one GSM-7 message when it is unaccented
(extension characters such as "{" count twice); with diacritics it needs UCS-2,
where one message holds 70 characters, so it goes out as at most three
concatenated parts (3 x 67 >= 160) rather than losing the appointment date."""

from __future__ import annotations

import re
import unicodedata

# GSM 03.38 default alphabet (without ESC) and its extension table, whose characters
# take two septets (ESC + the character).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
GSM7_LIMIT = 160
# One UCS-2 message, and one part of a concatenated one (its header takes 3).
UCS2_SINGLE = 70
UCS2_PART = 67
GSM7_PART = 153
# The same number of characters in both encodings, so the text does not depend on
# the option beyond its accents.
UCS2_LIMIT = 160

# Punctuation that word processors and phones put in names and reasons, and its
# plain counterpart.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2022": "-",
        "\u00b7": "-",
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\t": " ",
        "\u2026": "...",
        "đ": "d",
        "Đ": "D",
    }
)
_SPACES = re.compile(r"[ ]{2,}")


def unaccent(text: str) -> str:
    """Vietnamese as people write it on phones without an input method:
    "Hồ sơ của bạn đã được tiếp nhận" -> "Ho so cua ban da duoc tiep nhan".

    NFD, drop the combining marks (tones and vowel marks alike), đ -> d, plain
    punctuation; whatever is still outside GSM-7 becomes "?". Case is kept."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).translate(_PLAIN))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = unicodedata.normalize("NFC", stripped)
    out = "".join(c if c in GSM7_BASIC or c in GSM7_EXTENSION else "?" for c in stripped)
    return _SPACES.sub(" ", out)


def gsm7_length(text: str) -> int | None:
    """Septets `text` takes in GSM-7, or None when it needs characters outside it."""
    total = 0
    for c in text:
        if c in GSM7_BASIC:
            total += 1
        elif c in GSM7_EXTENSION:
            total += 2
        else:
            return None
    return total


def _ucs2_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def sms_length(text: str) -> tuple[int, int]:
    """(length, limit) in the encoding `text` needs: septets and 160 for GSM-7,
    UTF-16 units and 160 for UCS-2."""
    septets = gsm7_length(text)
    if septets is not None:
        return septets, GSM7_LIMIT
    return _ucs2_length(text), UCS2_LIMIT


def parts(text: str) -> int:
    """How many SMS the network carries `text` as."""
    septets = gsm7_length(text)
    if septets is not None:
        return 1 if septets <= GSM7_LIMIT else -(-septets // GSM7_PART)
    units = _ucs2_length(text)
    return 1 if units <= UCS2_SINGLE else -(-units // UCS2_PART)


def fits(text: str) -> bool:
    length, limit = sms_length(text)
    return length <= limit


def fit(text: str) -> str:
    """`text` cut (at a word where possible, with an ellipsis) to 160 characters.
    Templates put what matters most (the code, the date) first."""
    if fits(text):
        return text
    ellipsis = "..." if gsm7_length(text) is not None else "\u2026"
    # The longest prefix that fits with the ellipsis; then back to a word boundary
    # unless that loses more than a fifth of the message.
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(text[:middle].rstrip() + ellipsis):
            low = middle
        else:
            high = middle - 1
    cut = text[:low]
    if not text[low].isspace():  # the cut is inside a word
        space = cut.rfind(" ")
        if space > len(cut) * 4 // 5:
            cut = cut[:space]
    return cut.rstrip(" ,;:-") + ellipsis


def prepare(text: str, *, unaccented: bool) -> str:
    """One line of NFC text (unaccented when asked), cut to 160 characters."""
    line = " ".join(unicodedata.normalize("NFC", text).split())
    if unaccented:
        line = unaccent(line)
    return fit(line)

"""What a PDF may hold: pages of text and pictures; nothing that runs, opens a program,
carries or fetches other files, or sends form data.

Parsed with pypdf rather than searched as bytes: a name is read as a viewer reads it
(/J#61vaScript is /JavaScript), and objects packed in compressed object streams
(PDF 1.5) are looked at like any other. Every object the cross-reference lists is
visited, reachable or not, and the trailer, so an action is found wherever it hangs:
the catalog's /OpenAction and /AA, the /Names JavaScript and EmbeddedFiles trees,
pages' /AA, annotations' /A, form fields.

Bounded against hostile files: at most MAX_OBJECTS objects nested at most MAX_DEPTH
deep; pypdf's own decompression (object and cross-reference streams) capped by its
Configuration; and every Flate stream inflated in pieces, never whole in memory, to
count what the document unpacks to: more than MAX_UNPACKED_BYTES is refused (a zip
bomb would stall the officials' viewers). Whatever pypdf cannot parse is refused as
damaged (422), never a server error."""

from __future__ import annotations

import zlib
from pathlib import Path

from server.attachments.refusals import Refused, damaged

MAX_OBJECTS = 20_000
MAX_DEPTH = 64
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
# pypdf's limits while it parses (object streams, cross-reference streams).
_PYPDF_LIMITS = {
    "zlib_maximum_output_length": 32 * 1024 * 1024,
    # pypdf retries a damaged Flate stream byte by byte, in Python: keep that short.
    "zlib_maximum_recovery_input_length": 64 * 1024,
    "lzw_maximum_output_length": 32 * 1024 * 1024,
    "run_length_maximum_output_length": 32 * 1024 * 1024,
    "maximum_declared_stream_length": 32 * 1024 * 1024,
}

# What each finding is, to say in the refusal (vi, en).
_SCRIPT = ("mã JavaScript", "JavaScript")
_LAUNCH = ("lệnh mở chương trình", "an action that opens a program")
_FILES = ("tệp đính kèm bên trong", "embedded files")
_MEDIA = ("nội dung đa phương tiện hoặc 3D", "multimedia or 3D content")
_FORMS = ("biểu mẫu gửi hoặc nạp dữ liệu", "a form that sends or loads data")
_REMOTE = ("liên kết mở tệp khác", "links that open other files")
_ODD_LINK = ("liên kết không phải địa chỉ web", "links that are not web addresses")
# Where a link (/URI) may point: the web, or mail. javascript:, file:, smb: and the
# like would run script or open local and network files in some viewers.
_LINK_SCHEMES = ("http://", "https://", "mailto:")

# Action types (/S).
_ACTIONS = {
    "/JavaScript": _SCRIPT,
    "/Launch": _LAUNCH,
    "/SubmitForm": _FORMS,
    "/ImportData": _FORMS,
    "/GoToR": _REMOTE,
    "/GoToE": _REMOTE,
    "/RichMediaExecute": _MEDIA,
    "/Rendition": _MEDIA,
    "/Movie": _MEDIA,
    "/Sound": _MEDIA,
    "/GoTo3DView": _MEDIA,
}
# Keys whose presence is enough.
_KEYS = {
    "/JS": _SCRIPT,
    "/JavaScript": _SCRIPT,
    "/EmbeddedFiles": _FILES,
    "/EF": _FILES,
    "/XFA": _FORMS,
    "/RichMediaContent": _MEDIA,
    "/RichMediaSettings": _MEDIA,
}
# Object types and annotation subtypes.
_TYPES = {
    "/EmbeddedFile": _FILES,
    "/FileAttachment": _FILES,
    "/RichMedia": _MEDIA,
    "/3D": _MEDIA,
    "/Movie": _MEDIA,
    "/Screen": _MEDIA,
    "/Sound": _MEDIA,
}


def _refuse_active(found: list[tuple[str, str]]) -> Refused:
    vi = ", ".join(dict.fromkeys(v for v, _ in found))
    en = ", ".join(dict.fromkeys(e for _, e in found))
    return Refused(
        422,
        "pdf_active_content",
        f"Tệp PDF có chứa {vi}, là mã lệnh hoặc tệp đính kèm bên trong mà máy của cán bộ không được mở; "
        "hãy quét hoặc in lại thành PDF thường.",
        f"The PDF contains {en}: scripts or embedded files that officials' computers must not open; "
        "scan or print it again to a plain PDF.",
    )


def _refuse_unpacked() -> Refused:
    limit = MAX_UNPACKED_BYTES // (1024 * 1024)
    return Refused(
        422,
        "pdf_too_large_unpacked",
        f"Tệp PDF khi giải nén vượt quá {limit} MB, quá lớn để mở; hãy quét hoặc in lại với chất lượng vừa phải.",
        f"The PDF unpacks to more than {limit} MB, too much to open; scan or print it again at a moderate quality.",
    )


def _refuse_encrypted() -> Refused:
    return Refused(
        422,
        "pdf_encrypted",
        "Tệp PDF được đặt mật khẩu nên cán bộ không mở được; hãy gửi bản không mật khẩu.",
        "The PDF is password-protected and officials could not open it; send it without a password.",
    )


def _inflated_size(data: bytes, budget: int) -> int:
    """How many bytes a Flate stream inflates to, up to just past `budget`, holding at
    most a megabyte of it at once. A damaged stream counts what inflated before the
    damage (viewers show what they can)."""
    inflater = zlib.decompressobj()
    total = 0
    try:
        for start in range(0, len(data), 64 * 1024):
            pending = data[start : start + 64 * 1024]
            while pending:
                total += len(inflater.decompress(pending, 1024 * 1024))
                if total > budget:
                    return total
                pending = inflater.unconsumed_tail
            if inflater.eof:
                break
    except zlib.error:
        pass
    return total


def _web_link(target) -> bool:
    """A link's target is a web or mail address (a /URI dictionary, the catalog's base
    address, is not a target)."""
    from pypdf.generic import DictionaryObject

    if isinstance(target, DictionaryObject):
        return True
    text = target.decode("latin-1") if isinstance(target, bytes) else str(target)
    return text.strip(" \t\r\n\x00").lower().startswith(_LINK_SCHEMES)


class _Walk:
    def __init__(self, reader) -> None:
        self.reader = reader
        self.found: list[tuple[str, str]] = []
        self.unpacked = 0

    def _name(self, value):
        from pypdf.generic import IndirectObject

        # A name may itself be an indirect object.
        return value.get_object() if isinstance(value, IndirectObject) else value

    def visit(self, root) -> None:
        from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

        stack = [(root, 0)]
        while stack:
            value, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise damaged("PDF", "PDF")
            if isinstance(value, DictionaryObject):
                for key, item in value.items():
                    if key in _KEYS:
                        self.found.append(_KEYS[key])
                    # pypdf types a value as any PDF object; `in` has just found it a key.
                    elif key == "/S" and self._name(item) in _ACTIONS:
                        self.found.append(_ACTIONS[self._name(item)])  # pyright: ignore[reportArgumentType]
                    elif key in ("/Type", "/Subtype") and self._name(item) in _TYPES:
                        self.found.append(_TYPES[self._name(item)])  # pyright: ignore[reportArgumentType]
                    elif key == "/URI" and not _web_link(self._name(item)):
                        self.found.append(_ODD_LINK)
                    elif key == "/S" and self._name(item) == "/Thread" and "/F" in value:
                        self.found.append(_REMOTE)  # an article thread in another file
                    elif (
                        key == "/FS"
                        and self._name(item) == "/URL"
                        and not _web_link(self._name(value.get("/F", "")))
                    ):
                        self.found.append(_ODD_LINK)  # a file specification that is an address
                    if isinstance(item, (DictionaryObject, ArrayObject)):
                        stack.append((item, depth + 1))
                if isinstance(value, StreamObject):
                    self._count_unpacked(value)
            elif isinstance(value, ArrayObject):
                stack.extend(
                    (item, depth + 1)
                    for item in value
                    if isinstance(item, (DictionaryObject, ArrayObject))
                )

    def _count_unpacked(self, stream) -> None:
        filters = stream.get("/Filter")
        first = filters[0] if isinstance(filters, list) and filters else filters
        if first in ("/FlateDecode", "/Fl"):
            # The raw bytes: pypdf's get_data() would inflate the whole stream into memory.
            self.unpacked += _inflated_size(stream._data, MAX_UNPACKED_BYTES - self.unpacked)
            if self.unpacked > MAX_UNPACKED_BYTES:
                raise _refuse_unpacked()


def _check(path: Path) -> None:
    from pypdf import PdfReader
    from pypdf.generic import IndirectObject

    reader = PdfReader(path, strict=False)
    if reader.is_encrypted:
        raise _refuse_encrypted()
    numbers = [(idnum, generation) for generation, table in reader.xref.items() for idnum in table]
    numbers += [(idnum, 0) for idnum in reader.xref_objStm]
    if len(numbers) > MAX_OBJECTS:
        raise damaged("PDF", "PDF")
    walk = _Walk(reader)
    walk.visit(reader.trailer)
    for idnum, generation in numbers:
        walk.visit(reader.get_object(IndirectObject(idnum, generation, reader)))
    if walk.found:
        raise _refuse_active(walk.found)
    if len(reader.pages) == 0:
        raise damaged("PDF", "PDF")


def inspect_pdf(path: Path) -> None:
    """Refused unless the PDF is whole, unencrypted, and holds nothing active. Blocking."""
    from pypdf import apply_configuration
    from pypdf.errors import LimitReachedError

    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 1024))
        if b"%%EOF" not in f.read():
            raise damaged("PDF", "PDF")
    try:
        with apply_configuration(None, **_PYPDF_LIMITS):  # None: over the current one
            _check(path)
    except Refused:
        raise
    except LimitReachedError as exc:
        # A stream past pypdf's caps is a bomb; a loop or an overgrown tree is damage.
        text = str(exc).lower()
        if "decompress" in text or "stream length" in text or "decoding" in text:
            raise _refuse_unpacked() from None
        raise damaged("PDF", "PDF") from None
    except Exception:
        raise damaged("PDF", "PDF") from None

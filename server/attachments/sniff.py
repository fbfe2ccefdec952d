"""What a file is, from its bytes alone: the client's filename and declared type are
never trusted, and never used as a path.

Accepted: PDF, JPEG, PNG, WebP. HEIC (iPhone photos) is refused with a message saying
what to do: converting it on the server would change its bytes and so its SHA-256,
the name the device already filed it under; the PWA converts to JPEG before hashing."""

from __future__ import annotations

from pathlib import Path

import msgspec

from server.attachments.image_check import inspect_image
from server.attachments.pdf_check import inspect_pdf
from server.attachments.refusals import Refused

__all__ = ["ACCEPTED", "SNIFF_BYTES", "Inspected", "Refused", "inspect", "sniff"]

# How many leading bytes `sniff` needs to decide.
SNIFF_BYTES = 32

ACCEPTED: dict[str, str] = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
}
# Pillow's names; phones save some photos as MPO (a JPEG with extra frames appended).
_PIL_FORMATS = {"image/jpeg": {"JPEG", "MPO"}, "image/png": {"PNG"}, "image/webp": {"WEBP"}}

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}

_ACCEPTED_VI = "Chỉ nhận tệp PDF hoặc ảnh JPEG, PNG, WebP."
_ACCEPTED_EN = "Only PDF files and JPEG, PNG or WebP photos are accepted."


def _refuse_type(what_vi: str, what_en: str) -> Refused:
    return Refused(
        415,
        "unsupported_file_type",
        f"Tệp này là {what_vi}, không phải tài liệu được chấp nhận. {_ACCEPTED_VI}",
        f"This file is {what_en}, not an accepted document. {_ACCEPTED_EN}",
    )


# Recognised so the message can say what the file really is.
_KNOWN_OTHERS: list[tuple[bytes, int, str, str]] = [
    (b"MZ", 0, "một chương trình Windows (.exe)", "a Windows program (.exe)"),
    (b"\x7fELF", 0, "một chương trình Linux", "a Linux program"),
    (b"\xcf\xfa\xed\xfe", 0, "một chương trình macOS", "a macOS program"),
    (b"\xca\xfe\xba\xbe", 0, "một chương trình Java hoặc macOS", "a Java or macOS program"),
    (b"dex\n", 0, "một ứng dụng Android", "an Android program"),
    (b"#!", 0, "một tập lệnh (script)", "a script"),
    (
        b"PK\x03\x04",
        0,
        "một tệp nén ZIP hoặc tài liệu Office",
        "a ZIP archive or an Office document",
    ),
    (b"Rar!", 0, "một tệp nén RAR", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", 0, "một tệp nén 7z", "a 7z archive"),
    (b"\xd0\xcf\x11\xe0", 0, "một tài liệu Office cũ", "an old Office document"),
    (b"GIF8", 0, "một ảnh GIF", "a GIF image"),
    (b"BM", 0, "một ảnh BMP", "a BMP image"),
    (b"II*\x00", 0, "một ảnh TIFF", "a TIFF image"),
    (b"MM\x00*", 0, "một ảnh TIFF", "a TIFF image"),
]


def sniff(head: bytes) -> str:
    """The media type of a file from its first bytes, or Refused."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        raise Refused(
            415,
            "heic_not_accepted",
            "Ảnh HEIC/HEIF (ảnh iPhone) chưa được chấp nhận. Hãy chọn lại ảnh trong ứng dụng "
            "(ứng dụng tự chuyển sang JPEG), hoặc đặt máy ảnh ở chế độ \u201cTương thích nhất\u201d "
            "(Cài đặt \u203a Camera \u203a Định dạng) rồi chụp lại.",
            "HEIC/HEIF photos (iPhone) are not accepted. Pick the photo again in the app (it converts "
            "it to JPEG), or set the camera to \u201cMost Compatible\u201d (Settings \u203a Camera \u203a "
            "Formats) and take it again.",
        )
    for magic, at, vi, en in _KNOWN_OTHERS:
        if head[at : at + len(magic)] == magic:
            raise _refuse_type(vi, en)
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<svg", b"<?xml", b"<script")):
        raise _refuse_type("một trang web hoặc tệp XML/SVG", "a web page or an XML/SVG file")
    raise _refuse_type("một loại tệp không nhận ra được", "of a kind the server does not recognise")


class Inspected(msgspec.Struct, frozen=True):
    media_type: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None


def _inspect_image(path: Path, media_type: str) -> Inspected:
    kind = ACCEPTED[media_type].upper()
    width, height, thumbnail = inspect_image(path, kind, _PIL_FORMATS[media_type])
    return Inspected(media_type=media_type, width=width, height=height, thumbnail=thumbnail)


def inspect(path: Path) -> Inspected:
    """Check a complete file: its type from the bytes, then that it is whole and sane.
    Blocking: call it in a worker thread."""
    with path.open("rb") as f:
        media_type = sniff(f.read(SNIFF_BYTES))
    if media_type == "application/pdf":
        inspect_pdf(path)
        return Inspected(media_type=media_type)
    return _inspect_image(path, media_type)

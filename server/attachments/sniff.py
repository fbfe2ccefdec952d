"""What a file is, from its bytes alone: the client's filename and declared type are
never trusted, and never used as a path.

Accepted: PDF, JPEG, PNG, WebP. HEIC (iPhone photos) is refused with a message saying
what to do: converting it on the server would change its bytes and so its SHA-256,
the name the device already filed it under; the PWA converts to JPEG before hashing."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import msgspec

from server.attachments.thumbnails import make_thumbnail

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

# Sane photographs and scans of paper documents.
MIN_SIDE = 200
MAX_SIDE = 16384
MAX_PIXELS = 40_000_000

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}


class Refused(Exception):
    """A file the server will not keep, with what to tell the person (vi, en)."""

    def __init__(self, status: int, code: str, vi: str, en: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.vi = vi
        self.en = en

    def message(self, lang: str) -> str:
        return self.vi if lang == "vi" else self.en


_ACCEPTED_VI = "Chỉ nhận tệp PDF hoặc ảnh JPEG, PNG, WebP."
_ACCEPTED_EN = "Only PDF files and JPEG, PNG or WebP photos are accepted."


def _refuse_type(what_vi: str, what_en: str) -> Refused:
    return Refused(
        415, "unsupported_file_type",
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
    (b"PK\x03\x04", 0, "một tệp nén ZIP hoặc tài liệu Office", "a ZIP archive or an Office document"),
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
            415, "heic_not_accepted",
            "Ảnh HEIC/HEIF (ảnh iPhone) chưa được chấp nhận. Hãy chọn lại ảnh trong ứng dụng "
            "(ứng dụng tự chuyển sang JPEG), hoặc đặt máy ảnh ở chế độ \u201cTương thích nhất\u201d "
            "(Cài đặt \u203a Camera \u203a Định dạng) rồi chụp lại.",
            "HEIC/HEIF photos (iPhone) are not accepted. Pick the photo again in the app (it converts "
            "it to JPEG), or set the camera to \u201cMost Compatible\u201d (Settings \u203a Camera \u203a "
            "Formats) and take it again.",
        )
    for magic, at, vi, en in _KNOWN_OTHERS:
        if head[at:at + len(magic)] == magic:
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


def _damaged(kind_vi: str, kind_en: str) -> Refused:
    return Refused(
        422, "file_damaged",
        f"Tệp {kind_vi} bị hỏng hoặc chưa tải lên trọn vẹn; hãy chọn hoặc chụp lại.",
        f"The {kind_en} file is damaged or incomplete; choose or take it again.",
    )


# Names long enough never to turn up by chance in compressed binary streams.
_PDF_ACTIVE = re.compile(rb"/(JavaScript|Launch|EmbeddedFile|RichMedia)\b")


def _inspect_pdf(path: Path) -> Inspected:
    size = path.stat().st_size
    with path.open("rb") as f:
        f.seek(max(0, size - 1024))
        tail = f.read()
        if b"%%EOF" not in tail:
            raise _damaged("PDF", "PDF")
        f.seek(0)
        carry = b""
        while block := f.read(1024 * 1024):
            window = carry + block
            if _PDF_ACTIVE.search(window):
                raise Refused(
                    422, "pdf_active_content",
                    "Tệp PDF có chứa mã lệnh hoặc tệp đính kèm bên trong; hãy quét hoặc in lại thành PDF thường.",
                    "The PDF contains scripts or embedded files; scan or print it again to a plain PDF.",
                )
            if b"/Encrypt" in window:
                raise Refused(
                    422, "pdf_encrypted",
                    "Tệp PDF được đặt mật khẩu nên cán bộ không mở được; hãy gửi bản không mật khẩu.",
                    "The PDF is password-protected and officials could not open it; send it without a password.",
                )
            carry = block[-32:]
    return Inspected(media_type="application/pdf")


def _inspect_image(path: Path, media_type: str) -> Inspected:
    from PIL import Image, UnidentifiedImageError

    kind = ACCEPTED[media_type].upper()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.format not in _PIL_FORMATS[media_type]:
                    raise _damaged(kind, kind)
                width, height = image.size
                if (min(width, height) < MIN_SIDE or max(width, height) > MAX_SIDE
                        or width * height > MAX_PIXELS):
                    raise Refused(
                        422, "image_dimensions",
                        f"Ảnh {width}×{height} điểm ảnh không dùng được: cạnh ngắn cần ít nhất {MIN_SIDE}, "
                        f"cạnh dài nhiều nhất {MAX_SIDE} và tổng không quá {MAX_PIXELS // 1_000_000} triệu điểm ảnh.",
                        f"A {width}×{height} pixel image cannot be used: the short side needs at least "
                        f"{MIN_SIDE} pixels, the long side at most {MAX_SIDE}, and at most "
                        f"{MAX_PIXELS // 1_000_000} megapixels in all.",
                    )
                # Decoding the whole image (at reduced scale for JPEG) finds truncated
                # and corrupt files; the thumbnail comes out of the same pass.
                thumbnail = make_thumbnail(image)
    except Refused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise _damaged(kind, kind) from None
    return Inspected(media_type=media_type, width=width, height=height, thumbnail=thumbnail)


def inspect(path: Path) -> Inspected:
    """Check a complete file: its type from the bytes, then that it is whole and sane.
    Blocking: call it in a worker thread."""
    with path.open("rb") as f:
        media_type = sniff(f.read(SNIFF_BYTES))
    if media_type == "application/pdf":
        return _inspect_pdf(path)
    return _inspect_image(path, media_type)

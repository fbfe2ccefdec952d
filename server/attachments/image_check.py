"""Whether a photo or scan can be used, decided within a fixed memory budget.

Decoding costs memory by pixels, not by file size: a 130 KB PNG of one colour can
hold 40 megapixels, 160 MB once decoded. So
- the dimensions come from the file's header and are checked before any pixel is
  decoded;
- a JPEG is decoded at reduced scale (libjpeg's DCT scaling, `Image.draft`): a 50 MP
  photo decodes as 0.8 MP, about 3 MB;
- what cannot be decoded reduced (PNG, WebP, and JPEGs that libjpeg must buffer whole:
  progressive or multi-scan) is refused unless its decoded pixels fit DECODE_BUDGET;
- the thumbnail is shrunk from that image first; orientation and transparency are
  applied to the thumbnail, never to a full-size copy.
How many checks run at once is bounded per process (Uploads.check, settings
`attachment_checks`)."""

from __future__ import annotations

import math
import mmap
import warnings
from pathlib import Path

from server.attachments.refusals import Refused, damaged
from server.attachments.thumbnails import THUMBNAIL_SIZE, WITH_ALPHA, make_thumbnail, shrink_mode

# Sane photographs and scans of paper documents.
MIN_SIDE = 200
MAX_SIDE = 16384
# A phone's main camera takes 12 to 50 MP photos (8160×6120 at 50 MP); a larger picture
# is no photo of a paper document.
MAX_PIXELS = 50_000_000
# Bytes one check may spend on decoded pixels: a 24 MP RGB PNG or progressive JPEG
# (an A4 page scanned at 400 dpi), a 12 MP PNG with transparency, a 6 MP WebP. With
# two checks at once (the default) a process peaks about 180 MiB above its ~140 MiB
# at rest (bench/image_memory.py), within the 400 MiB a process is allowed.
DECODE_BUDGET = 96 * 1024 * 1024

_JPEG = {"JPEG", "MPO"}
# Pillow's storage per pixel; every other mode takes 4 bytes.
_STORED_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}


def _jpeg_scans(source: Path | bytes) -> int:
    """How many scans (SOS markers) the first image of a JPEG has: libjpeg decodes a
    single-scan file row by row, and must buffer every coefficient of any other."""
    if isinstance(source, bytes):
        return _count_scans(source)
    with source.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return _count_scans(data)


def _count_scans(data) -> int:
    at, scans, end = 2, 0, len(data)
    while at + 4 <= end:
        if data[at] != 0xFF:
            return scans  # not a marker: the decoder will call the file damaged
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0xD9:  # end of image
            return scans
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # no length
            at += 2
            continue
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
        if marker != 0xDA:
            continue
        scans += 1
        # Entropy-coded data runs to the next 0xFF that is not stuffing (FF 00),
        # a restart marker (FF D0..D7) or fill (FF FF).
        while True:
            at = data.find(b"\xff", at)
            if at < 0 or at + 1 >= end:
                return scans
            following = data[at + 1]
            if following == 0 or 0xD0 <= following <= 0xD7:
                at += 2
            elif following == 0xFF:
                at += 1
            else:
                break
    return scans


def _coefficient_bytes(layers: list[tuple], width: int, height: int) -> int:
    """libjpeg's whole-image coefficient buffer: 64 two-byte values per 8×8 block of
    every component, blocks padded to whole MCUs."""
    h_max = max(layer[1] for layer in layers)
    v_max = max(layer[2] for layer in layers)
    mcu_columns, mcu_rows = math.ceil(width / (8 * h_max)), math.ceil(height / (8 * v_max))
    return sum(mcu_columns * h * mcu_rows * v * 128 for _, h, v, _ in layers)


def decode_bytes(image, source: Path | bytes, width: int, height: int) -> int:
    """About what decoding `image` allocates (for a JPEG, at the scale its draft set)."""
    w, h = image.size
    per_pixel = _STORED_BYTES.get(image.mode, 4)
    mode = shrink_mode(image)
    if mode != image.mode:
        per_pixel += _STORED_BYTES.get(mode, 4)  # converted before it is shrunk
    if mode in WITH_ALPHA:
        per_pixel += 4  # shrunk through a premultiplied copy
    if image.format == "WEBP":
        # libwebp decodes into its own buffers (Pillow reads WebP through its animation
        # decoder), which Pillow then copies: 16 to 17 bytes a pixel in all, measured.
        per_pixel += 13
    total = w * h * per_pixel
    if image.format in _JPEG and (image.info.get("progressive") or _jpeg_scans(source) > 1):
        total += _coefficient_bytes(image.layer, width, height)
    return total


def _mp(pixels: float, lang: str) -> str:
    text = f"{pixels / 1_000_000:.1f}"
    return text.replace(".", ",") if lang == "vi" else text


def _refuse_dimensions(width: int, height: int) -> Refused:
    return Refused(
        422,
        "image_dimensions",
        f"Ảnh {width}×{height} điểm ảnh không dùng được: cạnh ngắn cần ít nhất {MIN_SIDE}, "
        f"cạnh dài nhiều nhất {MAX_SIDE} và tổng không quá {MAX_PIXELS // 1_000_000} triệu điểm ảnh.",
        f"A {width}×{height} pixel image cannot be used: the short side needs at least "
        f"{MIN_SIDE} pixels, the long side at most {MAX_SIDE}, and at most "
        f"{MAX_PIXELS // 1_000_000} megapixels in all.",
    )


def _refuse_decode(kind: str, width: int, height: int, cost: int) -> Refused:
    pixels = width * height
    limit = min(MAX_PIXELS, pixels * DECODE_BUDGET // cost)
    if kind == "JPG":
        advice_vi, advice_en = (
            "Hãy chụp hoặc lưu lại ảnh với độ phân giải thấp hơn.",
            "Take or save the photo again at a lower resolution.",
        )
    else:
        advice_vi, advice_en = (
            "Hãy lưu lại thành JPEG hoặc thu nhỏ ảnh.",
            "Save it as JPEG or make it smaller.",
        )
    return Refused(
        422,
        "image_dimensions",
        f"Ảnh {kind} {width}×{height} điểm ảnh ({_mp(pixels, 'vi')} triệu điểm ảnh) quá lớn để máy chủ "
        f"kiểm tra: ảnh {kind} loại này được tối đa {_mp(limit, 'vi')} triệu điểm ảnh. {advice_vi}",
        f"The {kind} image is {width}×{height} pixels ({_mp(pixels, 'en')} megapixels), more than the "
        f"server decodes: at most {_mp(limit, 'en')} megapixels for a {kind} like this one. {advice_en}",
    )


def _fits(image, source: Path | bytes, kind: str) -> tuple[int, int]:
    """(width, height) of an open image that may be decoded (for a JPEG, its draft
    now set to the reduced scale), or Refused."""
    width, height = image.size
    if (
        min(width, height) < MIN_SIDE
        or max(width, height) > MAX_SIDE
        or width * height > MAX_PIXELS
    ):
        raise _refuse_dimensions(width, height)
    if image.format in _JPEG:
        image.draft("RGB", (THUMBNAIL_SIZE[0] * 2, THUMBNAIL_SIZE[1] * 2))
    cost = decode_bytes(image, source, width, height)
    if cost > DECODE_BUDGET:
        raise _refuse_decode(kind, width, height, cost)
    return width, height


_UNREADABLE = (OSError, SyntaxError, ValueError)


def inspect_image(path: Path, kind: str, formats: set[str]) -> tuple[int, int, bytes]:
    """(width, height, thumbnail) of a whole, sane image, or Refused. Blocking."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.format not in formats:
                    raise damaged(kind, kind)
                width, height = _fits(image, path, kind)
                # Decoding the whole image (reduced, for a JPEG) finds truncated and
                # corrupt files; the thumbnail comes out of the same pass.
                thumbnail = make_thumbnail(image)
    except Refused:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        *_UNREADABLE,
    ):
        raise damaged(kind, kind) from None
    return width, height, thumbnail


def thumbnail_of(data: bytes) -> bytes | None:
    """The thumbnail of a stored image, under the same limits as a new upload; None
    for one past them (stored before they were set) or that does not decode."""
    import io

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                _fits(image, data, str(image.format))
                return make_thumbnail(image)
    except (Refused, Image.DecompressionBombError, Image.DecompressionBombWarning, *_UNREADABLE):
        return None

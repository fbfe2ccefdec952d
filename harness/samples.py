"""Files made on the spot: photos, scans and PDFs as phones and scanners produce them,
and the odd or hostile ones, for the tests and the benchmarks."""

from __future__ import annotations

import hashlib
import io
import random


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _noise_image(width: int, height: int, seed: int):
    from PIL import Image

    rng = random.Random(seed)
    return Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))


def jpeg(width: int = 640, height: int = 480, seed: int = 1, quality: int = 85) -> bytes:
    out = io.BytesIO()
    _noise_image(width, height, seed).save(out, "JPEG", quality=quality)
    return out.getvalue()


def png(width: int = 400, height: int = 300, seed: int = 2) -> bytes:
    out = io.BytesIO()
    _noise_image(width, height, seed).save(out, "PNG")
    return out.getvalue()


def webp(width: int = 400, height: int = 300, seed: int = 3) -> bytes:
    out = io.BytesIO()
    _noise_image(width, height, seed).save(out, "WEBP", quality=80)
    return out.getvalue()


def pdf(size: int = 300_000, seed: int = 4) -> bytes:
    """A one-page PDF of about `size` bytes: the page is a scan, a grey image of noise
    stored uncompressed, so the bytes neither compress nor repeat."""
    from harness.pdf_builder import build_pdf, one_page, stream

    rng = random.Random(seed)
    width = 1000
    height = max(1, (size - 700) // width)
    scan = stream(
        b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8" % (width, height),
        rng.randbytes(width * height),
    )
    return build_pdf(
        {
            **one_page(extra_page=b"/Resources << /XObject << /Im1 10 0 R >> >> /Contents 11 0 R"),
            10: scan,
            11: stream(b"", b"q 595 0 0 842 0 0 cm /Im1 Do Q"),
        }
    )


def encrypted_pdf() -> bytes:
    """The sample PDF with a password, as a PDF printer's "protect" option saves it."""
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(pdf(20_000)))
    writer.encrypt("mat-khau", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def exe_named_pdf() -> bytes:
    """What a Windows program looks like: MZ, the DOS stub, a PE header."""
    stub = b"MZ" + b"\x90\x00" * 29 + b"\x80\x00\x00\x00"
    return stub + b"\x00" * (0x80 - len(stub)) + b"PE\x00\x00" + bytes(range(256)) * 40


def heic() -> bytes:
    return b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(range(256)) * 20


def mpo(width: int = 640, height: int = 480, seed: int = 5) -> bytes:
    """A JPEG as some phones save it: MPO, a second frame appended."""
    out = io.BytesIO()
    first, second = _noise_image(width, height, seed), _noise_image(width, height, seed + 1)
    first.save(out, "MPO", save_all=True, append_images=[second], quality=80)
    return out.getvalue()


def photo_jpeg() -> bytes:
    """A 2400×1800 photo of a paper, as a phone camera would make it (too big on purpose)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (2400, 1800), (250, 248, 240))
    draw = ImageDraw.Draw(img)
    for y in range(100, 1700, 60):
        draw.line([(150, y), (2250, y)], fill=(40, 40, 90), width=6)
    draw.rectangle([150, 100, 900, 500], outline=(180, 20, 20), width=12)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=95)
    return out.getvalue()


def scan_jpeg(label: str) -> bytes:
    """A small photo of a paper, different for each label (so each has its own hash)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (640, 480), (250, 248, 240))
    draw = ImageDraw.Draw(img)
    for y in range(40, 440, 30):
        draw.line([(40, y), (600, y)], fill=(40, 40, 90), width=3)
    draw.text((50, 10), label, fill=(180, 20, 20))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()

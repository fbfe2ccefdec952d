"""Files for the attachment tests, made on the spot."""

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
    """A PDF-shaped file of about `size` bytes (a scan's image stream is noise)."""
    rng = random.Random(seed)
    head = b"%%PDF-1.4\n1 0 obj\n<< /Length %d >>\nstream\n" % size
    tail = b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    body = rng.randbytes(max(0, size - len(head) - len(tail)))
    return head + body + tail


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

"""PDFs written byte by byte, for tests that need exactly the structure a hostile file
would have: names spelled with #xx escapes, objects packed into a compressed object
stream (PDF 1.5), streams that inflate to gigabytes. No library writes such files on
purpose."""

from __future__ import annotations

import zlib


def stream(dictionary: bytes, data: bytes) -> bytes:
    """An object body holding a stream; `dictionary` is the inside of << >> without /Length."""
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(data), data)


def deflate(data: bytes, zeros: int = 0) -> bytes:
    """`data` then `zeros` zero bytes, deflated: with many zeros (a thousandth of their
    size once deflated), a zip bomb."""
    packer = zlib.compressobj(9)
    block = bytes(1024 * 1024)
    parts = [packer.compress(data)]
    parts += [packer.compress(block) for _ in range(zeros // len(block))]
    parts.append(packer.compress(bytes(zeros % len(block))))
    parts.append(packer.flush())
    return b"".join(parts)


def one_page(extra_catalog: bytes = b"", extra_page: bytes = b"") -> dict[int, bytes]:
    """Catalog 1, page tree 2, one empty A4 page 3 (objects from 10 up are free for tests)."""
    return {
        1: b"<< /Type /Catalog /Pages 2 0 R %s >>" % extra_catalog,
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] %s >>" % extra_page,
    }


def build_pdf(
    objects: dict[int, bytes],
    root: int = 1,
    packed: frozenset[int] | set[int] = frozenset(),
    trailer: bytes = b"",
    packed_zeros: int = 0,
) -> bytes:
    """A PDF of `objects` (number -> body). Numbers in `packed` go into one compressed
    object stream, followed there by `packed_zeros` zero bytes, with a cross-reference
    stream; otherwise a classic xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(set(objects) - set(packed)):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    if not packed:
        size = max(objects) + 1
        xref_at = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % size
        for number in range(1, size):
            out += (
                (b"%010d 00000 n \n" % offsets[number])
                if number in offsets
                else b"0000000000 00000 f \n"
            )
        out += b"trailer\n<< /Size %d /Root %d 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (
            size,
            root,
            trailer,
            xref_at,
        )
        return bytes(out)

    holder = max(objects) + 1
    header, bodies, index = [], bytearray(), {}
    for position, number in enumerate(sorted(packed)):
        header.append(b"%d %d" % (number, len(bodies)))
        bodies += objects[number] + b"\n"
        index[number] = position
    first = b" ".join(header) + b"\n"
    offsets[holder] = len(out)
    out += b"%d 0 obj\n%s\nendobj\n" % (
        holder,
        stream(
            b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode" % (len(packed), len(first)),
            deflate(first + bytes(bodies), packed_zeros),
        ),
    )
    xref_number = holder + 1
    size = xref_number + 1
    offsets[xref_number] = len(out)
    rows = bytearray(b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff")
    for number in range(1, size):
        if number in index:
            rows += b"\x02" + holder.to_bytes(4, "big") + index[number].to_bytes(2, "big")
        elif number in offsets:
            rows += b"\x01" + offsets[number].to_bytes(4, "big") + b"\x00\x00"
        else:
            rows += b"\x00" + (0).to_bytes(4, "big") + b"\x00\x00"
    xref_at = len(out)
    out += b"%d 0 obj\n%s\nendobj\n" % (
        xref_number,
        stream(
            b"/Type /XRef /Size %d /W [1 4 2] /Root %d 0 R /Filter /FlateDecode %s"
            % (size, root, trailer),
            zlib.compress(bytes(rows)),
        ),
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)

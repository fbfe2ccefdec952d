"""PDFs that carry active content past a byte search (security review, hole 10): a name
spelled with an escape (/S /J#61vaScript), or the action packed into a compressed
object stream (PDF 1.5). The files are written byte by byte (harness/pdf_builder.py):
each is refused with a 422 naming the file and what it holds; a malformed PDF or a zip
bomb is refused as such, never with a 5xx; and ordinary PDFs (a scan, fpdf2's output)
are accepted."""

from __future__ import annotations

import datetime as dt
import functools
import io
import uuid
from pathlib import Path

import pytest

from harness import samples
from harness.pdf_builder import build_pdf, deflate, one_page, stream
from harness.sync_client import SyncDevice
from harness.tus_client import TusClient
from server.attachments.tables import Blob, Upload
from tests.hostile.test_image_bombs import check_in_child
from tests.sync.conftest import app, citizen  # noqa: F401  (fixtures)

SCRIPT = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"


def _packed(objects: dict[int, bytes], plain: set[int] = frozenset()) -> bytes:
    return build_pdf(objects, packed=set(objects) - set(plain))


def _annotation(body: bytes) -> dict[int, bytes]:
    return {
        **one_page(extra_page=b"/Annots [10 0 R]"),
        10: b"<< /Type /Annot /Rect [0 0 100 100] %s >>" % body,
    }


# name -> (file, a word the English refusal must hold)
ACTIVE: dict[str, tuple[bytes, str]] = {
    "the review's name escape (/S /J#61vaScript)": (
        build_pdf(one_page(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>")),
        "JavaScript",
    ),
    "an opening script in an object stream": (
        _packed({**one_page(b"/OpenAction 10 0 R"), 10: SCRIPT}),
        "JavaScript",
    ),
    "a document script in the /Names tree": (
        _packed(
            {
                **one_page(b"/Names << /JavaScript 11 0 R >>"),
                11: b"<< /Names [(a) 10 0 R] >>",
                10: SCRIPT,
            }
        ),
        "JavaScript",
    ),
    "a page's additional action": (
        _packed({**one_page(extra_page=b"/AA << /O 10 0 R >>"), 10: SCRIPT}),
        "JavaScript",
    ),
    "an action type given as an indirect name": (
        _packed({**one_page(b"/OpenAction << /S 10 0 R /JS (x) >>"), 10: b"/JavaScript"}),
        "JavaScript",
    ),
    "a link that launches a program": (
        _packed(_annotation(b"/Subtype /Link /A << /S /Launch /F (cmd.exe) >>")),
        "program",
    ),
    "an embedded file": (
        _packed(
            {
                **one_page(b"/Names << /EmbeddedFiles 11 0 R >>"),
                11: b"<< /Names [(a.exe) 12 0 R] >>",
                12: b"<< /Type /Filespec /F (a.exe) >>",
                13: stream(b"/Type /Embedded#46ile", b"MZ" + bytes(100)),
            },
            plain={13},
        ),
        "embedded files",
    ),
    "a file attachment annotation": (
        _packed(_annotation(b"/Subtype /FileAttachment /FS (a.exe)")),
        "embedded files",
    ),
    "rich media (Flash)": (_packed(_annotation(b"/Subtype /RichMedia")), "multimedia"),
    "an XFA form": (
        _packed(
            {
                **one_page(b"/AcroForm << /Fields [] /XFA 13 0 R >>"),
                13: stream(b"", b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'></xdp:xdp>"),
            },
            plain={13},
        ),
        "form",
    ),
    "a form that submits itself": (
        _packed(
            _annotation(b"/Subtype /Widget /A << /S /SubmitForm /F (http://example.invalid/) >>")
        ),
        "form",
    ),
    "a form that imports data": (
        _packed(one_page(b"/OpenAction << /S /ImportData /F (x.fdf) >>")),
        "form",
    ),
    "a jump into a remote PDF": (
        _packed(
            one_page(b"/OpenAction << /S /GoToR /F (http://example.invalid/x.pdf) /D [0 /Fit] >>")
        ),
        "other files",
    ),
    "a jump into an embedded PDF": (
        _packed(one_page(b"/OpenAction << /S /GoToE /T << /R /C /N (x) >> >>")),
        "other files",
    ),
    "a link to javascript:": (
        _packed(one_page(b"/OpenAction << /S /URI /URI (javascript:app.alert\\(1\\)) >>")),
        "not web addresses",
    ),
    "a thread in another file": (
        _packed(_annotation(b"/Subtype /Link /A << /S /Thread /F (file:///C:/x.pdf) /D 0 >>")),
        "other files",
    ),
    "a file specification that is a local address": (
        _packed(
            _annotation(
                b"/Subtype /Link /A << /S /Thread /F << /FS /URL /F (file:///etc/passwd) >> /D 0 >>"
            )
        ),
        "not web addresses",
    ),
    "a link to a local program": (
        _packed(
            _annotation(
                b"/Subtype /Link /A << /S /URI /URI ( file:///C:/Windows/System32/calc.exe) >>"
            )
        ),
        "not web addresses",
    ),
}

MALFORMED: dict[str, bytes] = {
    "a PDF header over noise": b"%PDF-1.7\n" + samples.exe_named_pdf() + b"\n%%EOF\n",
    "a page tree that holds itself": build_pdf(
        {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"}
    ),
    "arrays nested 5,000 deep": build_pdf(one_page(b"/Deep " + b"[" * 5000 + b"]" * 5000)),
    "no pages at all": build_pdf(
        {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [] /Count 0 >>"}
    ),
}


@functools.cache
def bombs() -> dict[str, bytes]:
    """300 MiB of zeros in about 300 KB (past the 256 MiB the server lets a PDF unpack
    to): as a page's content, and after the objects of the object stream the catalog
    is packed in (which pypdf itself inflates to parse the file)."""
    size = 300 * 1024 * 1024
    return {
        "a content stream of 300 MiB": build_pdf(
            {
                **one_page(extra_page=b"/Contents 10 0 R"),
                10: stream(b"/Filter /FlateDecode", deflate(b"", size)),
            }
        ),
        "an object stream of 300 MiB": build_pdf(one_page(), packed={1, 2, 3}, packed_zeros=size),
    }


async def _refusals(
    citizen: SyncDevice, files: dict[str, bytes], lang: str = "en"
) -> dict[str, dict]:
    client = TusClient(
        citizen.http, {**citizen.auth, "Accept-Language": lang}, chunk_size=256 * 1024
    )
    answers = {}
    for name, data in files.items():
        report = await client.upload(data, filename="to-khai.pdf")
        answers[name] = {"status": report.status, **(report.problem or {})}
    return answers


async def test_active_content_is_refused_wherever_it_hides(citizen: SyncDevice, settings) -> None:
    answers = await _refusals(citizen, {name: data for name, (data, _) in ACTIVE.items()})
    wrong = {
        name: answer
        for name, answer in answers.items()
        if answer["status"] != 422
        or answer.get("type") != "/problems/pdf_active_content"
        or ACTIVE[name][1] not in answer.get("detail", "")
        or "to-khai.pdf" not in answer.get("detail", "")
    }
    assert not wrong, wrong
    assert await Blob.count() == 0 and await Upload.count() == 0
    assert list((settings.data_dir / "uploads").iterdir()) == []
    vi = await _refusals(
        citizen, {"escape": ACTIVE["the review's name escape (/S /J#61vaScript)"][0]}, "vi"
    )
    assert "mã JavaScript" in vi["escape"]["detail"], vi


async def test_a_malformed_pdf_is_refused_as_damaged(citizen: SyncDevice) -> None:
    answers = await _refusals(citizen, MALFORMED)
    wrong = {
        name: answer
        for name, answer in answers.items()
        if answer["status"] != 422
        or answer.get("type") != "/problems/file_damaged"
        or "to-khai.pdf" not in answer.get("detail", "")
    }
    assert not wrong, wrong


@pytest.mark.slow  # a bomb built and checked: tens of seconds
async def test_a_zip_bomb_is_refused_without_unpacking_it(citizen: SyncDevice) -> None:
    answers = await _refusals(citizen, bombs())
    wrong = {
        name: answer
        for name, answer in answers.items()
        if answer["status"] != 422
        or answer.get("type") != "/problems/pdf_too_large_unpacked"
        or "256 MB" not in answer.get("detail", "")
    }
    assert not wrong, wrong


def test_checking_a_zip_bomb_takes_little_memory(tmp_path: Path) -> None:
    for name, data in bombs().items():
        path = tmp_path / "upload.pdf"
        path.write_bytes(data)
        result = check_in_child(path)
        assert result.get("refused") == "pdf_too_large_unpacked", (name, result)
        assert result["growth"] < 64 * 1024 * 1024, (name, result)


def _scan() -> bytes:
    """A scanned page as a scanner app saves it: one JPEG image filling an A4 page."""
    from PIL import Image

    page = Image.open(io.BytesIO(samples.jpeg(1240, 1754, quality=80)))
    out = io.BytesIO()
    page.save(out, "PDF", resolution=150)
    return out.getvalue()


def _fpdf2_document() -> tuple[bytes, bytes]:
    """fpdf2's output: a receipt as the server makes them, and a page with a link and an image."""
    from fpdf import FPDF

    from server.receipts import ReceiptData, render_receipt

    receipt = render_receipt(
        ReceiptData(
            dossier_id=uuid.uuid4(),
            code="0007026110000012",
            procedure_name="Đăng ký khai sinh",
            agency_name="UBND xã Thử",
            person_name="Nguyễn Văn A",
            submitted_at=dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC),
            appointment_date=dt.date(2026, 11, 23),
            base_url="https://motcua.example.vn",
        )
    )
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Cong dich vu cong", link="https://dichvucong.gov.vn")
    pdf.image(io.BytesIO(samples.png(400, 300)), x=10, y=30, w=80)
    return receipt, bytes(pdf.output())


async def test_ordinary_pdfs_are_accepted(citizen: SyncDevice) -> None:
    receipt, document = _fpdf2_document()
    client = TusClient(citizen.http, {**citizen.auth, "Accept-Language": "en"})
    for name, data in {
        "a scanned page": _scan(),
        "a receipt (fpdf2)": receipt,
        "an fpdf2 document with a link and an image": document,
        "the attachment tests' sample PDF": samples.pdf(200_000),
    }.items():
        report = await client.upload(data, filename="giay-to.pdf")
        assert report.ok, (name, report.problem)
        row = await Blob.select(Blob.media_type).where(Blob.sha256 == samples.sha(data)).first()
        assert row["media_type"] == "application/pdf", name

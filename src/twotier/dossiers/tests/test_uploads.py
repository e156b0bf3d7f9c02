"""File inspection: type by content, size streamed, PDF active content, image bombs, names."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import pytest
from PIL import Image
from pypdf import PdfWriter

from twotier.core.errors import InvalidInput
from twotier.dossiers.uploads import CHUNK, UploadTooLarge, display_name, inspect_upload, safe_name, sniff

# --- file makers (also used by test_components) ------------------------------------------------


def pdf_bytes(catalog_extra: bytes = b"", objects: tuple[bytes, ...] = (), page_extra: bytes = b"") -> bytes:
    """A one-page PDF written by hand, so hostile structures can be placed exactly."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] " + page_extra + b" >>",
        *objects,
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def written_pdf(change) -> bytes:  # type: ignore[no-untyped-def]
    """A PDF made by pypdf's writer after `change(writer)` (attachments, encryption)."""
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    change(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_bytes(size: tuple[int, int] = (40, 30), color: str = "white") -> bytes:
    """A small real PNG."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (40, 30), color: str = "white") -> bytes:
    """A small real JPEG."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG that declares a huge 1-bit canvas: a few hundred bytes that would decode to gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    rows = compressor.compress(b"\x00" * (1 + width // 8)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")


PDF = pdf_bytes()
PNG = png_bytes()
JPEG = jpeg_bytes()


def _rules(exc: InvalidInput) -> list[tuple[str, str]]:
    return [(issue.field, issue.rule) for issue in exc.fields]


def _refused(name: str, data, **kw) -> InvalidInput:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as caught:
        inspect_upload(name, data, **kw)
    return caught.value


# --- accepted files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "kind", "content_type", "safe"),
    [
        ("Tờ khai.pdf", PDF, "pdf", "application/pdf", "To-khai.pdf"),
        ("ảnh chụp.JPG", JPEG, "jpeg", "image/jpeg", "anh-chup.jpg"),
        ("scan.jpeg", JPEG, "jpeg", "image/jpeg", "scan.jpg"),
        ("Giấy đỏ.png", PNG, "png", "image/png", "Giay-do.png"),
        ("no extension", PNG, "png", "image/png", "no-extension.png"),
    ],
)
def test_good_files_are_accepted_with_checksum(name, data, kind, content_type, safe):
    with inspect_upload(name, data, max_bytes=1024 * 1024) as inspected:
        assert (inspected.kind, inspected.content_type, inspected.safe_name) == (kind, content_type, safe)
        assert inspected.size == len(data)
        assert inspected.sha256 == hashlib.sha256(data).hexdigest()
        assert inspected.content().read() == data


def test_benign_pdf_actions_and_links_are_accepted():
    goto = pdf_bytes(b"/OpenAction [3 0 R /Fit]")
    link = pdf_bytes(
        page_extra=b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] "
        b"/A << /S /URI /URI (https://dichvucong.gov.vn) >> >>]"
    )
    for data in (goto, link):
        assert inspect_upload("a.pdf", data).kind == "pdf"


def test_claimed_generic_type_is_not_a_lie():
    assert inspect_upload("a.pdf", PDF, claimed_type="application/octet-stream").kind == "pdf"
    assert inspect_upload("a.jpg", JPEG, claimed_type="image/jpg").kind == "jpeg"
    assert inspect_upload("a.pdf", PDF, claimed_type="application/pdf; charset=binary").kind == "pdf"


# --- type and size -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "claimed", "rules"),
    [
        ("scan.pdf", PNG, "", [("file", "file_extension")]),
        ("photo.png", JPEG, "image/png", [("file", "file_extension"), ("file", "file_content_type")]),
        ("report.pdf", PDF, "image/png", [("file", "file_content_type")]),
        ("evil.pdf.exe", PDF, "application/pdf", [("file", "file_extension")]),
        ("doc.pdf", b"MZ\x90\x00" + b"\x00" * 100, "application/pdf", [("file", "file_type")]),
        ("page.pdf", b"<html><script>alert(1)</script>%PDF-1.7", "", [("file", "file_type")]),
        ("a.gif", b"GIF89a" + b"\x00" * 20, "image/gif", [("file", "file_type")]),
        ("empty.pdf", b"", "application/pdf", [("file", "file_empty")]),
    ],
)
def test_type_is_decided_by_content(name, data, claimed, rules):
    error = _refused(name, data, claimed_type=claimed)
    assert error.status == 422 and _rules(error) == rules


def test_oversized_file_is_413_naming_the_rule():
    error = _refused("big.pdf", PDF + b"\n%" + b"x" * 2000, max_bytes=1000)
    assert isinstance(error, UploadTooLarge) and error.status == 413 and error.code == "too_large"
    assert _rules(error) == [("file", "file_size")]
    assert "1000" not in error.message and "MiB" in error.message
    assert inspect_upload("exact.pdf", PDF, max_bytes=len(PDF)).size == len(PDF)


class EndlessStream:
    """A client that never stops sending: counts what was read from it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, n: int = -1) -> bytes:
        block = b"%PDF-" if self.read_bytes == 0 else b"\x00" * CHUNK
        block = block[: n if n > 0 else CHUNK]
        self.read_bytes += len(block)
        return block


def test_size_limit_is_streamed_never_reading_past_the_limit():
    stream = EndlessStream()
    error = _refused("endless.pdf", stream, max_bytes=5 * CHUNK)
    assert _rules(error) == [("file", "file_size")]
    assert stream.read_bytes <= 6 * CHUNK


def test_declared_size_over_the_limit_is_refused_before_reading():
    class Declared(io.BytesIO):
        size = 10**9

    data = Declared(PDF)
    error = _refused("a.pdf", data, max_bytes=1000)
    assert _rules(error) == [("file", "file_size")] and data.tell() == 0


def test_magic_bytes():
    assert sniff(b"%PDF-1.4").name == "pdf"
    assert sniff(b"\xff\xd8\xff\xe0").name == "jpeg"
    assert sniff(b"\x89PNG\r\n\x1a\n").name == "png"
    assert sniff(b" %PDF-1.4") is None and sniff(b"") is None


# --- PDF active content ------------------------------------------------------------------------


ACTIVE_PDFS = {
    "open_action_javascript": pdf_bytes(b"/OpenAction 4 0 R", (b"<< /S /JavaScript /JS (app.alert(1)) >>",)),
    "names_javascript": pdf_bytes(b"/Names << /JavaScript 4 0 R >>", (b"<< /Names [(a) 5 0 R] >>",)),
    "escaped_names": pdf_bytes(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"),
    "page_additional_action": pdf_bytes(page_extra=b"/AA << /O << /S /JavaScript /JS (x) >> >>"),
    "launch": pdf_bytes(b"/OpenAction << /S /Launch /F (cmd.exe) >>"),
    "unreferenced_launch": pdf_bytes(objects=(b"<< /S /Launch /F (cmd.exe) >>",)),
    "submit_form": pdf_bytes(b"/OpenAction << /S /SubmitForm /F (http://127.0.0.1/x) >>"),
    "xfa": pdf_bytes(b"/AcroForm << /Fields [] /XFA 4 0 R >>", (b"<< >>",)),
    "rich_media": pdf_bytes(page_extra=b"/Annots [<< /Type /Annot /Subtype /RichMedia /Rect [0 0 1 1] >>]"),
}


@pytest.mark.parametrize("name", list(ACTIVE_PDFS))
def test_pdf_with_active_content_is_refused(name):
    error = _refused("a.pdf", ACTIVE_PDFS[name])
    assert _rules(error) == [("file", "pdf_active_content")]
    assert "active content" in error.message


EMBEDDING_PDFS = {
    "attachment": written_pdf(lambda w: w.add_attachment("virus.exe", b"MZ")),
    "file_attachment_annotation": pdf_bytes(
        page_extra=b"/Annots [<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 1 1] /FS (a.exe) >>]"
    ),
    "filespec_with_ef": pdf_bytes(
        b"/Extra << /Type /Filespec /F (a.exe) /EF << /F 4 0 R >> >>",
        (b"<< /Length 2 >>\nstream\nMZ\nendstream",),
    ),
    "embedded_file_stream": pdf_bytes(
        objects=(b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",),
    ),
}


@pytest.mark.parametrize("name", list(EMBEDDING_PDFS))
def test_pdf_with_embedded_file_is_refused(name):
    error = _refused("a.pdf", EMBEDDING_PDFS[name])
    assert _rules(error) == [("file", "pdf_embedded_file")]


@pytest.mark.parametrize("algorithm", ["AES-256", "RC4-128"])
def test_encrypted_pdf_is_refused(algorithm):
    error = _refused("a.pdf", written_pdf(lambda w: w.encrypt("secret", algorithm=algorithm)))
    assert _rules(error) == [("file", "pdf_encrypted")]


def test_malformed_pdf_is_refused():
    for data in (b"%PDF-1.7\n" + b"garbage" * 20, pdf_bytes().replace(b"/Count 1", b"/Count 1 /Kids 9 0 R")[:120]):
        error = _refused("a.pdf", data)
        assert _rules(error) == [("file", "pdf_malformed")]


# --- images ------------------------------------------------------------------------------------


def test_decompression_bomb_png_is_refused():
    data = bomb_png()
    assert len(data) < 20_000
    error = _refused("bomb.png", data)
    assert _rules(error) == [("file", "image_pixels")] and "pixels" in error.message


def test_explicit_pixel_limit_applies_below_pillows_own_guard():
    error = _refused("big.png", png_bytes((200, 200)), max_pixels=39_999)
    assert _rules(error) == [("file", "image_pixels")]
    assert inspect_upload("ok.png", png_bytes((200, 200)), max_pixels=40_000).kind == "png"
    error = _refused("big.jpg", jpeg_bytes((300, 300)), max_pixels=10_000)
    assert _rules(error) == [("file", "image_pixels")]


@pytest.mark.parametrize(("name", "data"), [("cut.png", PNG[: len(PNG) // 2]), ("cut.jpg", JPEG[: len(JPEG) // 2])])
def test_truncated_images_are_refused(name, data):
    assert _rules(_refused(name, data)) == [("file", "image_malformed")]


def test_png_with_bad_checksum_is_refused():
    broken = bytearray(PNG)
    broken[-20] ^= 0xFF  # inside the IDAT chunk: its CRC no longer matches
    assert _rules(_refused("x.png", bytes(broken))) == [("file", "image_malformed")]


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("client_name", "shown", "stored"),
    [
        ("../../etc/passwd.png", "passwd.png", "passwd.png"),
        ("..\\..\\Windows\\System32\\x.png", "x.png", "x.png"),
        ("/var/www/../../a.png", "a.png", "a.png"),
        ("..", "", "file.png"),
        ("evil\x00name\r\n.png", "evilname.png", "evilname.png"),
        ("Gia\u0301y tơ\u0300.png", "Giáy tờ.png", "Giay-to.png"),
        ("  ..hidden.png  ", "hidden.png", "hidden.png"),
        ("<script>.png", "<script>.png", "script.png"),
    ],
)
def test_file_names_lose_paths_and_controls(client_name, shown, stored):
    with inspect_upload(client_name, PNG) as inspected:
        assert inspected.original_name == (shown or "file.png")
        assert inspected.safe_name == stored
        assert "/" not in inspected.safe_name and "\\" not in inspected.safe_name


def test_display_name_is_nfc_and_bounded():
    decomposed = "Nguye\u0302\u0303n.pdf"
    assert display_name(decomposed) == "Nguyễn.pdf"
    assert len(display_name("a" * 400 + ".pdf")) == 255 and display_name("a" * 400 + ".pdf").endswith(".pdf")
    from twotier.dossiers.uploads import PDF as PDF_KIND

    assert safe_name("đơn xin.PDF", PDF_KIND) == "don-xin.pdf"
    assert len(safe_name("x" * 300, PDF_KIND)) == 104

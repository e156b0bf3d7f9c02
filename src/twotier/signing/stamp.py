"""The visible signature stamp.

pyHanko's own text stamps need HarfBuzz (not installed) for non-Latin text, so the Vietnamese part
(agency, province, agency id, labels) is rendered once per certificate and box size by WeasyPrint with
an embedded font and cached; each signature only overlays the signing time, which is plain ASCII.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from io import BytesIO

from cryptography.x509.oid import NameOID
from django.utils.html import escape
from pyhanko.pdf_utils.content import PdfContent
from pyhanko.pdf_utils.layout import AxisAlignment, BoxConstraints, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStampStyle

from twotier.signing import certs
from twotier.signing.material import SigningMaterial

TIME_PARAM = "signed_at"
_CACHE_SIZE = 512
_cache: OrderedDict[tuple[str, int, int], bytes] = OrderedDict()
_lock = threading.Lock()


class PdfBytesPage(PdfContent):
    """The first page of an in-memory PDF, imported as a form XObject (like pyHanko's ImportedPdfPage)."""

    def __init__(self, data: bytes):
        super().__init__()
        self._data = data

    def render(self) -> bytes:
        """Import the page into the writer being signed and draw it."""
        writer = self._ensure_writer
        xobj = writer.import_page_as_xobject(PdfFileReader(BytesIO(self._data)), page_ix=0)
        name = "/Stamp" + uuid.uuid4().hex
        self.resources.xobject[name] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name.encode("ascii") + b" Do"


def _html(signing: SigningMaterial, width: int, height: int) -> str:
    subject = signing.certificate.subject
    organisation = subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    lines = [
        f"<b>Ký bởi: {escape(certs.common_name(subject))}</b>",
        f"Cơ quan chủ quản: {escape(str(organisation[0].value))}" if organisation else "",
        f"Mã định danh: {escape(certs.find_agency_id(subject))}" if certs.find_agency_id(subject) else "",
        "Thời gian ký:",
    ]
    body = "".join(f"<div>{line}</div>" for line in lines if line)
    font_size = max(5.0, min(8.0, (height - 8) / 6.6))
    return (
        "<style>"
        f"@page {{ size: {width}pt {height}pt; margin: 0 }}"
        "body { margin: 0; font-family: 'DejaVu Sans', 'Liberation Sans', sans-serif; color: #b00000;"
        f" font-size: {font_size:.2f}pt; line-height: 1.25 }}"
        f".box {{ box-sizing: border-box; width: {width}pt; height: {height}pt; border: 1pt solid #b00000;"
        " padding: 2pt 4pt; overflow: hidden; white-space: nowrap }"
        f"</style><div class='box'>{body}</div>"
    )


def background_pdf(signing: SigningMaterial, *, width: int, height: int) -> bytes:
    """Return the stamp's static part as a one-page PDF (rendered once per certificate and size)."""
    key = (signing.fingerprint, width, height)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    import weasyprint  # heavy import, only when a visible stamp is asked for

    data = weasyprint.HTML(string=_html(signing, width, height)).write_pdf()
    assert data is not None
    with _lock:
        _cache[key] = data
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return data


def style_for(signing: SigningMaterial, *, width: int, height: int) -> TextStampStyle:
    """Return a fresh stamp style (pyHanko content objects hold per-document state, so never reuse one)."""
    if width < 120 or height < 48:
        raise ValueError("the stamp box must be at least 120 × 48 points")
    return TextStampStyle(
        stamp_text=f"%({TIME_PARAM})s",
        text_box_style=TextBoxStyle(font_size=7),
        background=PdfBytesPage(background_pdf(signing, width=width, height=height)),
        background_opacity=1,
        background_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MID, y_align=AxisAlignment.ALIGN_MID, margins=Margins()
        ),
        border_width=0,
        inner_content_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN,
            y_align=AxisAlignment.ALIGN_MIN,
            margins=Margins(left=5, bottom=3),
        ),
    )


def clear() -> None:
    """Drop the cached stamp backgrounds."""
    with _lock:
        _cache.clear()

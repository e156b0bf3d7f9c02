"""Forms 01–07 as PDF: content read back with a real PDF parser, fonts embedded, QR, escaping, API access."""

import datetime as dt
import io
import re
from dataclasses import replace
from pathlib import Path

import pytest
from django.urls import path
from fontTools.ttLib import TTFont
from ninja import NinjaAPI
from pypdf import PdfReader

from twotier.accounts.api_auth import SessionAuth, TokenAuth
from twotier.core.errors import InvalidInput, NotFound
from twotier.core.models import AuditEvent
from twotier.dossiers.forms import register, render_form, render_register
from twotier.dossiers.forms.context import issuing_unit
from twotier.dossiers.forms.formatting import agency_name, issuer_lines, long_date, money, place_name, time_limit
from twotier.dossiers.forms.render import FONTS_DIR, PackageOnlyFetcher, form_html, register_html
from twotier.dossiers.forms_api import router as forms_router
from twotier.dossiers.models import Dossier, Handover
from twotier.dossiers.services.closing import dossier_apologise, dossier_approve, dossier_return_result, dossier_stop
from twotier.dossiers.services.pauses import dossier_request_supplement, dossier_supplement_received
from twotier.dossiers.services.receipt import (
    Applicant,
    Submission,
    dossier_receive,
    dossier_receive_registered,
    dossier_refuse,
    dossier_register_online,
)
from twotier.dossiers.services.steps import dossier_forward
from twotier.dossiers.tests.conftest import VN
from twotier.testing.authz import build_world, check_matrix

NAME = "Nguyễn Văn An"
APPLICANT = Applicant(
    name=NAME,
    id_number="096090001234",
    address="Số 12 đường Phan Ngọc Hiển, khóm 3, phường Tân Thành, tỉnh Cà Mau",
    phone="0912345678",
    email="an.nguyen@example.vn",
)
ROLES = ("one_stop_receiver", "specialist", "unit_leader")
LABELS = re.compile(r"Sớm|Đúng hạn|Trễ hạn")


# A test-only API with the root API's auth and error handlers, until forms_api.router is mounted in twotier.api.
def _test_api() -> NinjaAPI:
    from twotier.api import api as root

    api = NinjaAPI(auth=[TokenAuth(), SessionAuth()], urls_namespace="forms-test")
    for exc, handler in root._exception_handlers.items():
        api.add_exception_handler(exc, handler)
    api.add_router("/", forms_router)
    return api


urlpatterns = [path("api/v1/", _test_api().urls)]
API = pytest.mark.urls(__name__)


# --- scenarios, driven through the services --------------------------------------------------------------


def _at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=VN)


def _submission(name: str = NAME, **extra) -> Submission:
    extra.setdefault("components", ["TK", "GCS", "UQ"])
    return Submission(procedure_code="1.000001", applicant=replace(APPLICANT, name=name), **extra)


def received(desk, **extra) -> Dossier:
    """A dossier received at the commune desk on Mon 2 Mar 2026 09:00 (promised Mon 9 Mar 09:00)."""
    return dossier_receive(actor=desk.receiver, unit=desk.commune, submission=_submission(**extra))


def supplement_requested(desk) -> Dossier:
    dossier = received(desk)
    desk.clock.set(2026, 3, 2, 10, 0)
    dossier_request_supplement(
        actor=desk.receiver,
        dossier_id=dossier.pk,
        reason="Hồ sơ thiếu giấy tờ chứng minh nơi cư trú",
        items=["Bản sao Giấy xác nhận thông tin về cư trú", "Tờ khai ký đủ chữ ký của hai bên"],
    )
    return Dossier.objects.get(pk=dossier.pk)


def refused(desk) -> Dossier:
    dossier = received(desk)
    desk.clock.set(2026, 3, 2, 9, 30)
    return dossier_refuse(
        actor=desk.receiver, dossier_id=dossier.pk, reason="Thủ tục không thuộc thẩm quyền của phường"
    )


def apologised(desk) -> Dossier:
    dossier = received(desk)
    dossier_forward(actor=desk.receiver, dossier_id=dossier.pk)
    desk.clock.set(2026, 3, 4, 10, 0)
    return dossier_apologise(
        actor=desk.specialist,
        dossier_id=dossier.pk,
        reason="Cần xác minh thông tin hộ tịch tại địa phương khác.",
        new_promised_at=_at(2026, 3, 20, 9, 0),
    )


def stopped(desk) -> Dossier:
    dossier = received(desk)
    dossier_forward(actor=desk.receiver, dossier_id=dossier.pk)
    desk.clock.set(2026, 3, 3, 14, 0)
    return dossier_stop(
        actor=desk.specialist, dossier_id=dossier.pk, reason="Người yêu cầu đã chết trước khi có kết quả"
    )


def returned(desk) -> Dossier:
    """Through every step: early at the desk, on time at the department, late at the province, then returned."""
    dossier = received(desk)
    desk.clock.set(2026, 3, 2, 9, 30)  # desk step due 17:30 → early
    dossier_forward(actor=desk.receiver, dossier_id=dossier.pk, note="Đủ hồ sơ")
    desk.clock.set(2026, 3, 3, 9, 15)  # department step due Tue 09:30 → on time
    dossier_forward(actor=desk.specialist, dossier_id=dossier.pk)
    desk.clock.set(2026, 3, 6, 10, 0)  # province step due Thu 09:15 → late
    dossier_forward(actor=desk.province_specialist, dossier_id=dossier.pk)
    desk.clock.set(2026, 3, 6, 11, 0)
    dossier_approve(actor=desk.leader, dossier_id=dossier.pk, result_name="Giấy chứng nhận kết hôn")
    desk.clock.set(2026, 3, 6, 14, 0)
    return dossier_return_result(actor=desk.receiver, dossier_id=dossier.pk, delivery="desk")


SCENARIOS = {
    "01": received,
    "02": supplement_requested,
    "03": refused,
    "04": apologised,
    "05": stopped,
    "06": returned,
}


# --- reading the PDF back ---------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    """All text of the PDF, as a reader's copy-and-paste would give it."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _walk_fonts(resources, found: dict) -> None:
    resources = resources.get_object() if resources is not None else {}
    for ref in (resources.get("/Font") or {}).values():
        font = ref.get_object()
        descendants = font.get("/DescendantFonts")
        target = descendants[0].get_object() if descendants else font
        found[str(font["/BaseFont"])] = (str(font["/Subtype"]), target["/FontDescriptor"].get_object())
    for ref in (resources.get("/XObject") or {}).values():
        xobject = ref.get_object()
        if "/Resources" in xobject:
            _walk_fonts(xobject["/Resources"], found)


def pdf_fonts(pdf: bytes) -> dict:
    """BaseFont name → (subtype, font descriptor) for every font used on any page."""
    found: dict = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        _walk_fonts(page.get("/Resources"), found)
    return found


def assert_fonts_embedded_and_complete(pdf: bytes) -> None:
    """Every font is the packaged Noto Serif, embedded, and has a glyph for every character of the text."""
    fonts = pdf_fonts(pdf)
    assert fonts, "the PDF uses no font"
    covered: set[str] = set()
    for name, (_subtype, descriptor) in fonts.items():
        assert "/FontFile2" in descriptor, f"{name} is not embedded as TrueType"
        program = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
        family = program["name"].getDebugName(1)
        assert family == "Noto Serif", f"{name}: {family} was used instead of the packaged font"
        covered |= {chr(c) for c in program.getBestCmap()}
    text = pdf_text(pdf)
    assert "\ufffd" not in text
    missing = {c for c in text if not c.isspace() and c not in covered}
    assert not missing, f"characters without a glyph in the embedded fonts: {missing}"


def qr_texts(pdf: bytes, page: int = 0) -> list[str]:
    """The decoded text of every QR code image on a page."""
    import zxingcpp

    texts = []
    for image in PdfReader(io.BytesIO(pdf)).pages[page].images:
        picture = image.image.convert("L")
        picture = picture.resize((picture.width * 8, picture.height * 8), 0)  # nearest: modules stay square
        texts.extend(r.text for r in zxingcpp.read_barcodes(picture))
    return texts


# --- the forms -------------------------------------------------------------------------------------------


def test_receipt_slip_01_has_two_copies_with_every_fact(desk):
    dossier = received(desk)
    pdf = render_form("01", dossier)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    pages = [flat(p.extract_text()) for p in reader.pages]
    assert "Liên 1: Giao người nộp hồ sơ" in pages[0] and "Liên 2: Lưu tại Bộ phận tiếp nhận" in pages[1]
    for text in pages:
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
        assert "UBND PHƯỜNG TÂN THÀNH BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ" in text
        assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
        assert f"Mã hồ sơ: {dossier.code}" in text
        assert NAME in text and APPLICANT.address in text and APPLICANT.phone in text and APPLICANT.email in text
        assert "Đăng ký kết hôn" in text and "1.000001" in text
        assert "Thành phần TK" in text and "Thành phần GCS" in text and "Văn bản ủy quyền" in text
        assert "Số lượng hồ sơ: 01 (bộ)" in text
        assert "Thời gian giải quyết hồ sơ theo quy định: 05 ngày làm việc" in text
        assert "Thời gian nhận hồ sơ: 09:00, ngày 02/03/2026" in text
        assert "Thời gian trả kết quả giải quyết hồ sơ: 09:00, ngày 09/03/2026" in text
        assert "Nơi nhận kết quả: Tại Bộ phận tiếp nhận và trả kết quả" in text
        assert "Lệ phí LP1" in text and "30.000 đồng" in text
        assert "Quyển số: 2026, Số thứ tự: 1" in text
        assert "NGƯỜI NỘP HỒ SƠ" in text and "NGƯỜI TIẾP NHẬN HỒ SƠ" in text
        assert "Tân Thành, ngày 02 tháng 3 năm 2026" in text
    assert_fonts_embedded_and_complete(pdf)
    assert qr_texts(pdf, 0) == [f"/tra-cuu/{dossier.code}"]
    assert qr_texts(pdf, 1) == [f"/tra-cuu/{dossier.code}"]


def test_receipt_slip_single_copy_line_number_and_public_url(desk, settings):
    settings.TWOTIER_PUBLIC_URL = "https://dichvucong.camau.gov.vn/"
    received(desk)
    desk.clock.set(2026, 3, 3, 8, 0)
    second = received(desk, result_delivery="post", sets=2)
    pdf = render_form("01", second, copy_label="Bản cấp lại")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = flat(pdf_text(pdf))
    assert "(Bản cấp lại)" in text and "Liên 1" not in text
    assert "Quyển số: 2026, Số thứ tự: 2" in text and "Số lượng hồ sơ: 02 (bộ)" in text
    assert "Qua dịch vụ bưu chính công ích – đến địa chỉ: " + APPLICANT.address in text
    assert qr_texts(pdf) == [f"https://dichvucong.camau.gov.vn/tra-cuu/{second.code}"]


def test_supplement_request_02(desk):
    dossier = supplement_requested(desk)
    pdf = render_form("02", dossier)
    text = flat(pdf_text(pdf))
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text and f"Mã hồ sơ: {dossier.code}" in text
    assert f"Hồ sơ của: {NAME}" in text
    assert "1. Bản sao Giấy xác nhận thông tin về cư trú" in text and "2. Tờ khai ký đủ chữ ký của hai bên" in text
    assert "Lý do: Hồ sơ thiếu giấy tờ chứng minh nơi cư trú" in text
    assert "Thời gian yêu cầu bổ sung: 10:00, ngày 02/03/2026" in text
    assert "trước khi yêu cầu bổ sung: 09:00, ngày 09/03/2026" in text
    assert "NGƯỜI HƯỚNG DẪN" in text
    assert_fonts_embedded_and_complete(pdf)
    assert qr_texts(pdf) == [f"/tra-cuu/{dossier.code}"]
    # Once the supplement arrives, a reprint shows the new promised date.
    desk.clock.set(2026, 3, 4, 9, 0)
    dossier = dossier_supplement_received(actor=desk.receiver, dossier_id=dossier.pk)
    text = flat(pdf_text(render_form("02", dossier)))
    assert "Đã nhận hồ sơ bổ sung lúc: 09:00, ngày 04/03/2026" in text
    assert f"thời gian hẹn trả kết quả mới: {dossier.promised_at.astimezone(VN):%H:%M, ngày %d/%m/%Y}" in text


def test_refusal_03(desk):
    dossier = refused(desk)
    pdf = render_form("03", dossier)
    text = flat(pdf_text(pdf))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text and f"Mã hồ sơ: {dossier.code}" in text
    assert f"Ông/Bà: {NAME}" in text
    assert "không tiếp nhận, giải quyết hồ sơ này vào lúc 09:30, ngày 02/03/2026" in text
    assert "Thủ tục không thuộc thẩm quyền của phường" in text
    assert_fonts_embedded_and_complete(pdf)
    assert qr_texts(pdf) == [f"/tra-cuu/{dossier.code}"]


def test_apology_04_shows_old_and_new_dates(desk):
    dossier = apologised(desk)
    pdf = render_form("04", dossier)
    text = flat(pdf_text(pdf))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text and f"Mã hồ sơ: {dossier.code}" in text
    assert f"Kính gửi: Ông/Bà {NAME}" in text
    assert "ỦY BAN NHÂN DÂN PHƯỜNG TÂN THÀNH" in text
    assert "Ngày 02/03/2026, Ủy ban nhân dân phường Tân Thành tiếp nhận" in text
    assert "Thời hẹn trả kết quả giải quyết hồ sơ: 09:00, ngày 09/03/2026" in text
    assert "hẹn trả kết quả giải quyết hồ sơ vào lúc 09:00, ngày 20/03/2026" in text
    assert "Cần xác minh thông tin hộ tịch tại địa phương khác." in text
    assert "Tân Thành, ngày 04 tháng 3 năm 2026" in text and "THỦ TRƯỞNG CƠ QUAN" in text
    assert_fonts_embedded_and_complete(pdf)
    assert qr_texts(pdf) == [f"/tra-cuu/{dossier.code}"]


def test_stop_notice_05(desk):
    dossier = stopped(desk)
    pdf = render_form("05", dossier)
    text = flat(pdf_text(pdf))
    assert "THÔNG BÁO DỪNG XỬ LÝ HỒ SƠ" in text and f"Mã hồ sơ: {dossier.code}" in text
    assert f"Kính gửi: Ông/Bà {NAME}" in text
    assert "thời hẹn trả kết quả: 09:00, ngày 09/03/2026" in text
    assert "dừng xử lý hồ sơ nêu trên kể từ 14:00, ngày 03/03/2026" in text
    assert "Người yêu cầu đã chết trước khi có kết quả" in text
    assert_fonts_embedded_and_complete(pdf)
    assert qr_texts(pdf) == [f"/tra-cuu/{dossier.code}"]


def test_control_slip_06_lists_every_handover_with_its_timeliness(desk):
    dossier = returned(desk)
    handovers = list(Handover.objects.filter(dossier=dossier).order_by("seq"))
    assert [h.timeliness for h in handovers] == ["", "early", "on_time", "late", "on_time"]
    pdf = render_form("06", dossier)
    text = flat(pdf_text(pdf))
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text and f"Mã hồ sơ: {dossier.code}" in text
    assert f"Kèm theo hồ sơ của: {NAME}" in text
    assert "Hẹn trả kết quả: 09:00, ngày 09/03/2026".lower() in text.lower()
    # One line per hand-over, in order, each with its time and its label; then the overall outcome.
    table = text[text.index("Ghi chú") : text.index("Kết quả giải quyết hồ sơ:")]
    moments = ["09:00 02/03/2026", "09:30 02/03/2026", "09:15 03/03/2026", "10:00 06/03/2026", "11:00 06/03/2026"]
    positions = [table.index(m) for m in moments]
    assert positions == sorted(positions)
    assert [table.index(due) for due in ("17:30 02/03/2026", "09:30 03/03/2026", "09:15 05/03/2026")] == sorted(
        table.index(due) for due in ("17:30 02/03/2026", "09:30 03/03/2026", "09:15 05/03/2026")
    )
    assert LABELS.findall(table) == ["Sớm", "Đúng hạn", "Trễ hạn", "Đúng hạn"]
    assert "Kết quả giải quyết hồ sơ: Đúng hạn" in text  # processed before the promised date
    for unit in ("Phường Tân Thành", "Phòng Văn hóa - Xã hội", "Sở Tư pháp"):
        assert unit in table
    assert "Tổ chức, cá nhân nộp hồ sơ" in table and "Đủ hồ sơ" in table
    assert_fonts_embedded_and_complete(pdf)
    assert qr_texts(pdf) == [f"/tra-cuu/{dossier.code}"]


def test_user_text_is_escaped_and_printed_literally(desk):
    name = '<script>alert("x")</script> Trần Thị Ánh <img src="file:///etc/passwd">'
    dossier = received(desk, name=name)
    html = form_html("01", dossier)
    assert "<script>" not in html and '<img src="file' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    text = flat(pdf_text(render_form("01", dossier)))
    assert '<script>alert("x")</script> Trần Thị Ánh <img src="file:///etc/passwd">' in text


def test_a_form_that_does_not_apply_is_not_found(desk):
    dossier = received(desk)
    for form_no in ("02", "03", "04", "05", "07", "99", ""):
        with pytest.raises(NotFound):
            render_form(form_no, dossier)
    online = dossier_register_online(actor=None, unit=desk.commune, submission=_submission())
    for form_no in ("01", "06"):
        with pytest.raises(NotFound):
            render_form(form_no, online)
    dossier_receive_registered(actor=desk.receiver, dossier_id=online.pk)
    online.refresh_from_db()
    assert "Hình thức nộp: trực tuyến".lower() in flat(pdf_text(render_form("01", online))).lower()


def test_the_renderer_fetches_only_packaged_files():
    fetcher = PackageOnlyFetcher()
    font = FONTS_DIR / "NotoSerif-Regular.ttf"
    assert fetcher.fetch(font.as_uri()).read() == font.read_bytes()
    for url in (
        "https://example.com/logo.png",
        "http://127.0.0.1:8000/x.css",
        "file:///etc/passwd",
        (FONTS_DIR / ".." / ".." / "models" / "dossier.py").as_uri(),
        Path(__file__).as_uri(),
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_formatting_follows_vietnamese_usage(desk):
    assert money(30000) == "30.000 đồng" and money(1250000) == "1.250.000 đồng" and money(0) == "0 đồng"
    assert long_date(dt.date(2026, 1, 5)) == "ngày 05 tháng 01 năm 2026"
    assert long_date(dt.date(2026, 11, 20)) == "ngày 20 tháng 11 năm 2026"
    assert long_date(_at(2026, 3, 31, 23, 30).astimezone(dt.UTC)) == "ngày 31 tháng 3 năm 2026"
    assert time_limit(desk.version) == "05 ngày làm việc" and time_limit(desk.simple) == "Trong ngày làm việc"
    assert issuer_lines(desk.commune, desk=True) == (["UBND PHƯỜNG TÂN THÀNH"], ["BỘ PHẬN TIẾP NHẬN", "VÀ TRẢ KẾT QUẢ"])
    assert issuer_lines(desk.commune, desk=False) == ([], ["ỦY BAN NHÂN DÂN", "PHƯỜNG TÂN THÀNH"])
    assert issuer_lines(desk.stp, desk=False) == (["UBND TỈNH CÀ MAU"], ["SỞ TƯ PHÁP"])
    assert agency_name(desk.commune) == "Ủy ban nhân dân phường Tân Thành" and agency_name(desk.stp) == "Sở Tư pháp"
    assert place_name(desk.vx) == "Tân Thành" and place_name(desk.stp) == "Cà Mau"


def test_letters_are_signed_by_the_authority_where_the_dossier_was(desk):
    dossier = stopped(desk)  # stopped at the commune's culture department, which signs nothing itself
    assert dossier.current_unit == desk.vx
    assert issuing_unit(dossier, "stop") == desk.commune
    assert issuing_unit(dossier, "apologise") == desk.commune  # never apologised: the receiving unit


# --- the register (07) -----------------------------------------------------------------------------------


def test_register_07_paginates_with_repeating_headers_and_yearly_line_numbers(desk):
    desk.clock.set(2026, 3, 1, 9, 0)  # a Sunday, outside the range below
    outside = received(desk)
    codes = []
    for i in range(45):
        desk.clock.set(2026, 3, 2 + i // 15, 8 + (i % 15) // 2, (i % 2) * 30)
        codes.append(received(desk, name=f"Lê Thị Hồng {i:02d}").code)
    pdf = render_register(desk.commune, dt.date(2026, 3, 2), dt.date(2026, 3, 4), user=desk.receiver)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    pages = [flat(p.extract_text()) for p in reader.pages]
    for text in pages:
        assert "Tên thủ tục hành chính" in text and "Hẹn trả kết quả" in text and "Ký nhận" in text
    everything = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    for code in codes:
        assert code.replace("\n", "") in everything
    assert outside.code not in everything
    text = flat(" ".join(pages))
    assert "SỔ THEO DÕI HỒ SƠ" in text and "Từ ngày 02/03/2026 đến ngày 04/03/2026" in text and "45 hồ sơ" in text
    assert "Lê Thị Hồng 00" in text and "Lê Thị Hồng 44" in text
    html = register_html(desk.commune, dt.date(2026, 3, 2), dt.date(2026, 3, 4), user=desk.receiver)
    lines = re.findall(r'<td class="centre">(\d+)</td>\s*<td class="code">', html)
    assert lines == [str(n) for n in range(2, 47)]  # the Sunday dossier is line 1 of the 2026 book
    assert_fonts_embedded_and_complete(pdf)


def test_register_07_shows_the_path_of_each_dossier(desk):
    dossier = returned(desk)
    html = register_html(desk.commune, dt.date(2026, 3, 1), dt.date(2026, 3, 31), user=desk.leader)
    assert dossier.code.replace("-", "-<br>", 1) in html
    assert re.findall(r'<td class="centre">([^<]*)</td>', html) == ["1", "01"]
    dates = re.findall(r'<td class="date">([^<]*)</td>', html)
    assert dates == ["02/03/2026", "09/03/2026", "02/03/2026", "06/03/2026", "06/03/2026"]
    assert "Phòng Văn hóa - Xã hội; Sở Tư pháp" in html


def test_register_07_checks_access_and_range(desk, monkeypatch):
    received(desk)
    day = dt.date(2026, 3, 2)
    with pytest.raises(NotFound):
        render_register(desk.commune, day, day, user=desk.other_receiver)
    with pytest.raises(NotFound):
        render_register(desk.commune, day, day, user=desk.province_specialist)
    with pytest.raises(InvalidInput) as exc:
        render_register(desk.commune, day, day + dt.timedelta(days=366), user=desk.receiver)
    assert (exc.value.fields[0].field, exc.value.fields[0].rule) == ("date_to", "max_range")
    with pytest.raises(InvalidInput) as exc:
        render_register(desk.commune, day, day - dt.timedelta(days=1), user=desk.receiver)
    assert (exc.value.fields[0].field, exc.value.fields[0].rule) == ("date_to", "after_date_from")
    monkeypatch.setattr(register, "MAX_ROWS", 0)
    with pytest.raises(InvalidInput) as exc:
        render_register(desk.commune, day, day, user=desk.receiver)
    assert (exc.value.fields[0].field, exc.value.fields[0].rule) == ("date_to", "max_rows")
    full_year = render_register(desk.commune, dt.date(2028, 1, 1), dt.date(2028, 12, 31), user=desk.receiver)
    assert "Không có hồ sơ nào được tiếp nhận" in flat(pdf_text(full_year))


# --- the API ---------------------------------------------------------------------------------------------


@pytest.fixture
def world(desk):
    return build_world(desk.commune, ROLES, baseline_roles=("archivist",))


def _state():
    return (
        list(Dossier.objects.order_by("pk").values_list("pk", "status", "version")),
        list(AuditEvent.objects.order_by("seq").values_list("seq", "action")),
    )


def _get(actor, url, **params):
    return actor.client().get(url, params, headers=actor.headers())


@API
@pytest.mark.parametrize("form_no", ["01", "02", "03", "04", "05", "06"])
def test_form_endpoint_matrix_pdf_and_personal_data_log(world, desk, form_no):
    dossier = SCENARIOS[form_no](desk)
    url = f"/api/v1/dossiers/{dossier.code}/forms/{form_no}.pdf"
    responses = check_matrix(world, lambda a: _get(a, url), state=_state)
    response = responses["with_permission"]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{dossier.code}-mau-{form_no}.pdf"'
    assert response.content.startswith(b"%PDF-") and dossier.code in flat(pdf_text(response.content))
    event = AuditEvent.objects.filter(action="personal_data.view").order_by("-seq").first()
    assert event is not None and event.target_id == str(dossier.pk)
    assert event.changes["purpose"] == f"form {form_no}" and "applicant_name" in event.changes["fields"]
    assert event.actor_id == world["with_permission"].user.pk


@API
def test_form_endpoint_404_for_a_form_that_does_not_apply(world, desk):
    dossier = received(desk)
    actor = world["with_permission"]
    before = _state()
    for form_no in ("02", "03", "04", "05", "07", "1"):
        response = _get(actor, f"/api/v1/dossiers/{dossier.code}/forms/{form_no}.pdf")
        assert response.status_code == 404, form_no
        assert response.json()["error"]["code"] == "not_found"
    assert _get(actor, "/api/v1/dossiers/000.08.30.H12-260302-9999/forms/01.pdf").status_code == 404
    assert _state() == before


@API
def test_the_applicant_citizen_can_print_the_receipt_of_their_own_dossier(world, desk):
    citizen = world["citizen"]
    online = dossier_register_online(
        actor=citizen.user, citizen=citizen.user, unit=desk.commune, submission=_submission()
    )
    url = f"/api/v1/dossiers/{online.code}/forms/01.pdf"
    assert _get(citizen, url).status_code == 404  # not received yet: no receipt slip
    dossier_receive_registered(actor=desk.receiver, dossier_id=online.pk)
    assert _get(citizen, url).status_code == 200
    assert _get(world["with_permission"], f"/api/v1/dossiers/{online.code}/forms/02.pdf").status_code == 404


@API
def test_register_endpoint_matrix_and_validation(world, desk):
    dossier = received(desk)
    url = f"/api/v1/units/{desk.commune.code}/register.pdf"
    responses = check_matrix(world, lambda a: _get(a, url, date_from="2026-03-01", date_to="2026-03-31"), state=_state)
    response = responses["with_permission"]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="so-theo-doi-{desk.commune.code}-20260301-20260331.pdf"'
    )
    assert dossier.code in pdf_text(response.content).replace("\n", "")
    event = AuditEvent.objects.filter(action="personal_data.view").order_by("-seq").first()
    assert event.target_id == str(desk.commune.pk) and event.changes["purpose"].startswith("form 07")
    actor = world["with_permission"]
    before = _state()
    too_long = _get(actor, url, date_from="2026-01-01", date_to="2027-01-02")
    assert too_long.status_code == 422
    assert [(f["field"], f["rule"]) for f in too_long.json()["error"]["fields"]] == [("date_to", "max_range")]
    missing = _get(actor, url, date_to="2026-03-31")
    assert missing.status_code == 422 and missing.json()["error"]["fields"][0]["field"] == "date_from"
    bad = _get(actor, url, date_from="2026-02-30", date_to="2026-03-31")
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "date_from"
    unknown = _get(actor, "/api/v1/units/NO-SUCH-UNIT/register.pdf", date_from="2026-03-01", date_to="2026-03-02")
    assert unknown.status_code == 404
    assert _state() == before

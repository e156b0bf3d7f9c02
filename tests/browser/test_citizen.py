"""The citizen side in a real browser: pick a procedure, submit a birth registration with a PDF, follow it.

Every page visited is checked with axe (WCAG 2.1 A/AA) and photographed to var/screenshots/citizen-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from twotier.core.text import fold
from twotier.dossiers.models import Dossier
from twotier.dossiers.services.closing import dossier_approve
from twotier.dossiers.services.receipt import dossier_receive_registered
from twotier.dossiers.services.steps import dossier_forward
from twotier.dossiers.tests.conftest import desk  # noqa: F401
from twotier.procedures.models import ComponentSpec, FeeLine, Procedure
from twotier.testing.browser import DESKTOP, PHONE, TIMEOUT_MS, axe_check, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("twotier.public.tests.urls"),
]


def _pdf(title: str) -> bytes:
    """A small PDF as a citizen's scanner or word processor would make it (WeasyPrint)."""
    from weasyprint import HTML

    html = (
        f"<html lang='vi'><body><h1>{title}</h1><p>Họ và tên người yêu cầu: Nguyễn Văn An</p>"
        "<p>Số định danh cá nhân: 096090001234</p></body></html>"
    )
    return HTML(string=html).write_pdf()


@pytest.fixture
def birth_registration(desk, settings, tmp_path):  # noqa: F811
    """The desk's birth registration with real component names, a fee, searchable names, files in tmp."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    ComponentSpec.objects.filter(version=desk.simple, code="TK").update(name="Tờ khai đăng ký khai sinh (theo mẫu)")
    ComponentSpec.objects.filter(version=desk.simple, code="GCS").update(
        name="Giấy chứng sinh", form="copy_or_electronic"
    )
    FeeLine.objects.create(version=desk.simple, order=0, code="LP0", name="Lệ phí đăng ký khai sinh", amount_vnd=0)
    for procedure in Procedure.objects.all():
        procedure.name_folded = fold(procedure.name)
        procedure.save(update_fields=["name_folded"])
    yield desk
    HUEY.immediate = before


def _check(page: Page, name: str) -> None:
    axe_check(page)
    screenshot(page, f"citizen-{name}")


def test_a_citizen_submits_a_birth_registration_online_and_follows_it(
    page: Page, browser: Browser, live_server, birth_registration, tmp_path: Path, console_errors
):
    world = birth_registration
    declaration = tmp_path / "to-khai-khai-sinh.pdf"
    declaration.write_bytes(_pdf("Tờ khai đăng ký khai sinh"))
    certificate = tmp_path / "giay-chung-sinh.pdf"
    certificate.write_bytes(_pdf("Giấy chứng sinh"))

    # 1. The picker, in Vietnamese, searched without accents.
    page.goto("/dich-vu-cong/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dịch vụ công trực tuyến")
    _check(page, "01-catalogue")
    page.get_by_role("searchbox", name="Tìm thủ tục").fill("khai sinh")
    page.get_by_role("button", name="Tìm kiếm").click()
    cards = page.locator(".procedure-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Đăng ký khai sinh")
    _check(page, "02-catalogue-search")
    cards.first.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()

    # 2. Where to submit: the commune list, narrowed by a search.
    expect(page.get_by_text("Bước 1/2")).to_be_visible()
    _check(page, "03-choose-commune")
    page.get_by_role("searchbox", name="Tìm xã, phường của Ông/Bà").fill("tan thanh")
    page.get_by_role("button", name="Tìm", exact=True).click()
    page.get_by_role("link", name="Phường Tân Thành").click()

    # 3. The form: sending it empty explains every problem, each linked to its field.
    expect(page.get_by_text("Bước 2/2")).to_be_visible()
    _check(page, "04-form")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    summary = page.get_by_role("alert").filter(has_text="Vui lòng sửa các mục sau")
    expect(summary).to_contain_text("Họ và tên — Nhập họ và tên người đứng tên hồ sơ.")
    expect(summary).to_contain_text("Giấy chứng sinh — Chọn tệp cho giấy tờ này.")
    _check(page, "05-form-errors")
    summary.get_by_role("link", name=re.compile("^Số định danh cá nhân")).click()
    expect(page.get_by_label("Số định danh cá nhân")).to_be_focused()

    page.get_by_label("Họ và tên").fill("Nguyễn Văn An")
    page.get_by_label("Số định danh cá nhân").fill("096090001234")
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    page.get_by_label("Thư điện tử").fill("an@example.com")
    page.get_by_label("Tờ khai đăng ký khai sinh (theo mẫu)").set_input_files(str(declaration))
    page.get_by_label("Giấy chứng sinh").set_input_files(str(certificate))
    page.get_by_label("Tại Bộ phận Một cửa").check()
    page.get_by_label("Tôi cam đoan thông tin và giấy tờ trên là đúng sự thật.").check()
    page.get_by_role("button", name="Nộp hồ sơ").click()

    # 4. The confirmation: the code and the secret, written down, and e-mailed.
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ của Ông/Bà đã được nộp")
    _check(page, "06-submitted")
    codes = page.locator(".big-code")
    code, secret = codes.nth(0).inner_text(), codes.nth(1).inner_text()
    dossier = Dossier.objects.get(code=code)
    assert dossier.status == 1 and dossier.components.exclude(file="").count() == 2
    assert [m.subject for m in mail.outbox] == [f"Hồ sơ {code} đã được nộp trực tuyến"]
    assert f"Mã bí mật: {secret}" in mail.outbox[0].body

    # 5. Another computer: a wrong secret, then the right one.
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="vi-VN")
    context.set_default_timeout(TIMEOUT_MS)
    other = context.new_page()
    try:
        other.goto("/tra-cuu/")
        _check(other, "07-lookup")
        other.get_by_label("Mã hồ sơ").fill(code)
        other.get_by_label("Mã bí mật").fill("sai-ma-bi-mat")
        other.get_by_role("button", name="Tra cứu").click()
        expect(other.get_by_role("alert")).to_contain_text("Mã hồ sơ hoặc mã bí mật không đúng.")
        _check(other, "08-lookup-wrong")
        other.get_by_label("Mã bí mật").fill(secret)
        other.get_by_role("button", name="Tra cứu").click()
        expect(other.get_by_role("heading", level=1)).to_have_text(f"Hồ sơ {code}")
        expect(other.locator(".status-panel")).to_contain_text("Đã đăng ký trực tuyến, chưa tiếp nhận")
        _check(other, "09-status-registered")

        # 6. The desk receives it, the commune processes it, the result is signed: download, rate, complain.
        dossier_receive_registered(actor=world.receiver, dossier_id=dossier.pk)
        dossier_forward(actor=world.receiver, dossier_id=dossier.pk)
        dossier_forward(actor=world.specialist, dossier_id=dossier.pk)
        result_pdf = _pdf("Giấy khai sinh")
        dossier_approve(
            actor=world.leader,
            dossier_id=dossier.pk,
            result_name="Giấy khai sinh",
            result_number="125/2026",
            result_pdf=result_pdf,
        )
        other.reload()
        expect(other.locator(".status-panel")).to_contain_text("Đã xử lý xong")
        _check(other, "10-status-result")
        with other.expect_download() as info:
            other.get_by_role("link", name="Tải “Giấy khai sinh” (PDF)").click()
        assert Path(info.value.path()).read_bytes() == result_pdf
        other.get_by_role("button", name="Hài lòng", exact=True).click()
        expect(other.get_by_role("status")).to_contain_text("Cảm ơn Ông/Bà đã đánh giá")
        other.get_by_label("Phản ánh, kiến nghị của Ông/Bà").fill("Cán bộ hướng dẫn tận tình, nhưng phải chờ lâu.")
        other.get_by_role("button", name="Gửi phản ánh").click()
        expect(other.locator(".complaint")).to_have_text("Cán bộ hướng dẫn tận tình, nhưng phải chờ lâu.")
        _check(other, "11-status-feedback")
        saved = Dossier.objects.get(pk=dossier.pk)
        assert (saved.rating, saved.complaint) == ("like", "Cán bộ hướng dẫn tận tình, nhưng phải chờ lâu.")

        # 7. The same page in English, for an anonymous visitor.
        other.get_by_role("button", name="English").click()
        expect(other.locator("html")).to_have_attribute("lang", "en")
        expect(other.get_by_role("heading", level=1)).to_have_text(f"Dossier {code}")
        expect(other.get_by_role("navigation", name="Public services")).to_contain_text("Follow a dossier")
        _check(other, "12-status-english")
    finally:
        context.close()

    # 8. On a phone.
    page.set_viewport_size(PHONE)
    page.goto(f"/dich-vu-cong/1.001193/nop-ho-so/?unit={world.commune.code}")
    _check(page, "13-form-phone")
    assert console_errors == []

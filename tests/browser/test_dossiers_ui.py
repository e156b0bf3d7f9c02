"""One dossier from the desk to the result, in a real browser, through the real login form.

A receiver receives it at the desk and forwards it to the specialist's post; the specialist forwards
it; the leader approves it; the receiver returns the result. Every page visited is checked with axe
(WCAG 2.1 A/AA) and photographed to var/screenshots/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from twotier.dossiers.models import Dossier
from twotier.dossiers.services.receipt import Applicant, Submission, dossier_register_online
from twotier.dossiers.status import Status
from twotier.dossiers.tests.conftest import desk  # noqa: F401
from twotier.org.models import Post
from twotier.testing.browser import PHONE, axe_check, login, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("twotier.dossiers.tests.ui_urls"),
]

TITLES = {
    "receiver": ("Công chức tiếp nhận một cửa", "Nguyễn Thị Lan"),
    "specialist": ("Chuyên viên Văn hóa - Xã hội", "Trần Văn Minh"),
    "leader": ("Chủ tịch UBND phường", "Lê Văn Hùng"),
    "province_specialist": ("Chuyên viên Sở Tư pháp", "Phạm Thị Thu"),
    "other_receiver": ("Công chức tiếp nhận một cửa", "Võ Thị Mai"),
}


@pytest.fixture
def office(desk):  # noqa: F811
    """The desk fixture with readable post titles and names, and one online registration waiting."""
    for username, (title, full_name) in TITLES.items():
        user = getattr(desk, username)
        user.full_name = full_name
        user.save(update_fields=["full_name"])
        Post.objects.filter(assignments__user=user).update(title=title)
    dossier_register_online(
        actor=None,
        unit=desk.commune,
        submission=Submission(
            procedure_code="1.000001",
            applicant=Applicant(name="Lê Thị Hoa", id_number="096190004321"),
            components=["TK", "GCS"],
        ),
    )
    return desk


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Menu chính").get_by_role("link", name=name).click()


def _logout(page: Page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def _open_action(page: Page, name: str):
    panel = page.locator("details.action", has=page.locator("summary", has_text=name))
    panel.locator("summary").click()
    return panel


def test_a_dossier_goes_from_the_desk_to_the_result(page: Page, office, console_errors):
    # The receiver: the worklist, then the receipt at the desk.
    login(page, "receiver")
    nav = page.get_by_role("navigation", name="Menu chính")
    expect(nav.get_by_role("link", name="Hồ sơ một cửa")).to_be_visible()
    _nav(page, "Hồ sơ một cửa")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ một cửa")
    tabs = page.get_by_role("navigation", name="Danh sách hồ sơ")
    expect(tabs.get_by_role("link", name=re.compile("Chờ tiếp nhận"))).to_contain_text("1")
    tabs.get_by_role("link", name=re.compile("Chờ tiếp nhận")).click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("Lê Thị Hoa")
    axe_check(page)
    screenshot(page, "dossiers-01-to-receive")

    _nav(page, "Tiếp nhận hồ sơ")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tiếp nhận hồ sơ")
    page.get_by_label("Tên hoặc mã thủ tục").fill("khai sinh")
    page.get_by_role("button", name="Tìm kiếm", exact=True).click()
    expect(page.locator("tbody tr")).to_have_count(1)
    axe_check(page)
    screenshot(page, "dossiers-02-choose-procedure")
    page.get_by_role("link", name=re.compile(r"^Tiếp nhận\W+Đăng ký khai sinh$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký khai sinh")

    # A first try without the required components: the field says what is missing, nothing is created.
    page.get_by_label("Họ và tên người nộp").fill("Nguyễn Văn An")
    page.get_by_label("Số định danh cá nhân").fill("096090001234")
    page.get_by_label("Điện thoại").fill("0912345678")
    page.get_by_role("button", name="Tiếp nhận và cấp giấy hẹn").click()
    expect(page.get_by_role("alert")).to_contain_text("Vui lòng sửa các trường được đánh dấu bên dưới.")
    expect(page.locator("main")).to_contain_text("Còn thiếu: Thành phần TK; Thành phần GCS.")
    assert Dossier.objects.filter(applicant_name="Nguyễn Văn An").count() == 0
    axe_check(page)
    screenshot(page, "dossiers-03-receive-form-error")

    page.get_by_label(re.compile(r"Thành phần TK\b")).check()
    page.get_by_label(re.compile(r"Thành phần GCS\b")).check()
    page.get_by_label("Cán bộ nộp thay người dân").check()
    page.get_by_role("button", name="Tiếp nhận và cấp giấy hẹn").click()
    expect(page.get_by_role("status")).to_contain_text("Đã tiếp nhận hồ sơ")
    dossier = Dossier.objects.get(applicant_name="Nguyễn Văn An")
    assert dossier.on_behalf and dossier.status == Status.RECEIVED
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hồ sơ {dossier.code}")
    secret = page.locator(".secret code")
    expect(secret).to_have_text(re.compile(r"^\S{8,}$"))
    print_link = page.get_by_role("link", name="In giấy tiếp nhận và hẹn trả kết quả (mẫu 01)")
    expect(print_link).to_have_attribute("href", f"/api/v1/dossiers/{dossier.code}/forms/01.pdf")
    axe_check(page)
    screenshot(page, "dossiers-04-received")
    page.reload()
    expect(page.locator(".secret")).to_have_count(0)  # shown once

    # It is at the receiver's step; she forwards it to the specialist's post.
    _nav(page, "Hồ sơ một cửa")
    expect(page.get_by_role("link", name=re.compile("Tại bước của tôi"))).to_have_attribute("aria-current", "page")
    row = page.locator("tbody tr", has_text=dossier.code)
    expect(row).to_contain_text("Nguyễn Văn An")
    expect(row).to_contain_text("Tiếp nhận hồ sơ")
    expect(row).to_contain_text("Sắp đến hạn")  # same-day procedure
    axe_check(page)
    screenshot(page, "dossiers-05-my-step-receiver")
    row.get_by_role("link", name=dossier.code).click()
    panel = _open_action(page, "Chuyển bước tiếp theo")
    specialist_post = Post.objects.get(assignments__user=office.specialist)
    panel.get_by_label("Chuyển đến").select_option(specialist_post.code)
    expect(panel.get_by_label("Chuyển đến").locator("option:checked")).to_have_text(
        "Chuyên viên Văn hóa - Xã hội — Phòng Văn hóa - Xã hội (Trần Văn Minh)"
    )
    panel.get_by_label("Ghi chú").fill("Hồ sơ đầy đủ")
    axe_check(page)
    screenshot(page, "dossiers-06-forward-form")
    panel.get_by_role("button", name="Chuyển bước tiếp theo").click()
    expect(page.get_by_role("status")).to_contain_text("Đã thực hiện: Chuyển bước xử lý.")
    expect(page.locator(".panel-step")).to_contain_text("Thẩm định, xử lý")
    expect(page.locator(".panel-step")).to_contain_text("Chuyên viên Văn hóa - Xã hội")
    _logout(page)

    # The specialist finds it at her step and forwards it to the leader.
    login(page, "specialist")
    _nav(page, "Hồ sơ một cửa")
    row = page.locator("tbody tr", has_text=dossier.code)
    expect(row).to_contain_text("Thẩm định, xử lý")
    axe_check(page)
    screenshot(page, "dossiers-07-my-step-specialist")
    page.get_by_role("textbox", name="Tìm kiếm").fill("nguyen van an")
    page.get_by_role("button", name="Tìm kiếm", exact=True).click()
    expect(page.locator("tbody tr")).to_have_count(1)
    row.get_by_role("link", name=dossier.code).click()
    expect(page.locator("details.action summary")).to_have_text(
        ["Chuyển bước tiếp theo", "Yêu cầu bổ sung hồ sơ", "Xin lỗi và hẹn lại ngày trả", "Dừng xử lý"]
    )
    panel = _open_action(page, "Chuyển bước tiếp theo")
    panel.get_by_role("button", name="Chuyển bước tiếp theo").click()
    expect(page.get_by_role("status")).to_contain_text("Đã thực hiện: Chuyển bước xử lý.")
    _logout(page)

    # The leader approves it; his page shows the audit trail.
    login(page, "leader")
    page.goto(f"/ho-so/{dossier.code}/")
    expect(page.locator(".panel-step")).to_contain_text("Phê duyệt kết quả")
    panel = _open_action(page, "Phê duyệt, ghi nhận kết quả")
    panel.get_by_role("button", name="Phê duyệt, ghi nhận kết quả").click()
    expect(panel.get_by_role("alert")).to_contain_text("Vui lòng sửa các trường được đánh dấu bên dưới.")
    axe_check(page)
    screenshot(page, "dossiers-08-approve-error")
    panel = page.locator("details.action[open]")
    panel.get_by_label("Giấy tờ kết quả").fill("Giấy khai sinh")
    panel.get_by_label("Số, ký hiệu").fill("123/2026")
    panel.get_by_role("button", name="Phê duyệt, ghi nhận kết quả").click()
    expect(page.get_by_role("status")).to_contain_text("Đã thực hiện: Phê duyệt kết quả.")
    expect(page.locator(".status-line")).to_contain_text("Đã xử lý xong, chờ trả kết quả")
    timeline = page.locator(".timeline-section")
    expect(timeline.get_by_role("heading", name="Nhật ký thao tác")).to_be_visible()
    expect(timeline.locator("li").first).to_contain_text("Phê duyệt kết quả")
    axe_check(page)
    screenshot(page, "dossiers-09-approved-leader")
    _logout(page)

    # The receiver returns the result.
    login(page, "receiver")
    page.goto(f"/ho-so/{dossier.code}/")
    panel = _open_action(page, "Trả kết quả")
    panel.get_by_role("button", name="Trả kết quả").click()
    expect(page.get_by_role("status")).to_contain_text("Đã thực hiện: Đã trả kết quả.")
    expect(page.locator(".status-line")).to_contain_text("Đã trả kết quả")
    expect(page.locator(".step-done")).to_have_count(4)
    expect(page.locator(".panel-actions")).to_have_count(0)  # closed: nothing left to do
    expect(page.locator(".panel-step")).to_contain_text("Hồ sơ đã kết thúc.")
    axe_check(page)
    screenshot(page, "dossiers-10-returned")
    dossier.refresh_from_db()
    assert dossier.status == Status.RETURNED and dossier.on_time is True

    _nav(page, "Hồ sơ một cửa")
    page.get_by_role("link", name=re.compile("Tôi đã xử lý")).click()
    expect(page.locator("tbody tr", has_text=dossier.code)).to_contain_text("Kết thúc đúng hạn")
    axe_check(page)
    screenshot(page, "dossiers-11-done")

    page.set_viewport_size(PHONE)
    page.goto(f"/ho-so/{dossier.code}/")
    axe_check(page)
    screenshot(page, "dossiers-12-dossier-phone")
    assert console_errors == [], console_errors


def test_the_refusal_needs_a_confirmation_and_other_communes_see_nothing(page: Page, office, console_errors):
    registered = Dossier.objects.get(applicant_name="Lê Thị Hoa")
    login(page, "other_receiver")
    _nav(page, "Hồ sơ một cửa")
    page.get_by_role("link", name=re.compile("Tất cả")).click()
    expect(page.locator(".empty")).to_contain_text("Chưa có hồ sơ nào bạn được xem.")
    axe_check(page)
    response = page.goto(f"/ho-so/{registered.code}/")
    assert response is not None and response.status == 404
    _logout(page)

    login(page, "receiver")
    page.goto(f"/ho-so/{registered.code}/")
    panel = _open_action(page, "Từ chối tiếp nhận")
    panel.get_by_label("Lý do").fill("Không thuộc thẩm quyền của phường")
    panel.get_by_role("button", name="Từ chối tiếp nhận").click()
    expect(page.locator("details.action[open]")).to_contain_text("Hãy đánh dấu ô để xác nhận.")
    registered.refresh_from_db()
    assert registered.status == Status.REGISTERED
    axe_check(page)
    screenshot(page, "dossiers-13-refuse-confirm")
    panel = page.locator("details.action[open]")
    panel.get_by_label("Tôi xác nhận: thao tác này kết thúc hồ sơ và không thể hoàn tác.").check()
    panel.get_by_role("button", name="Từ chối tiếp nhận").click()
    expect(page.get_by_role("status")).to_contain_text("Đã thực hiện: Từ chối tiếp nhận hồ sơ.")
    expect(page.locator("main")).to_contain_text("Không thuộc thẩm quyền của phường")
    expect(page.get_by_role("link", name=re.compile("Mẫu 03"))).to_be_visible()
    axe_check(page)
    screenshot(page, "dossiers-14-refused")
    assert console_errors == [], console_errors

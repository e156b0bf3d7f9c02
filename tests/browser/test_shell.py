"""The UI shell in a real browser: log in, work in Vietnamese and English, stay inside one's commune.

Every page visited is checked with axe (WCAG 2.1 A/AA) and photographed to var/screenshots/.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from twotier.org.models import Post, Unit, UnitType
from twotier.org.services import NewUnit, unit_merge
from twotier.testing.browser import PHONE, axe_check, login, screenshot
from twotier.testing.factories import UserFactory, post_make, province_with_communes, unit_make
from twotier.work.services import work_item_create

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True),
]

CLERK_ITEMS = (
    ("Tiếp nhận hồ sơ đăng ký khai sinh — Lê Văn An", -1),
    ("Chứng thực bản sao giấy tờ — Phạm Thị Hoa", 2),
    ("Hồ sơ cấp giấy phép xây dựng nhà ở riêng lẻ", 5),
    ("Trả lời kiến nghị của người dân ấp 3", None),
)
NEIGHBOUR_ITEM = "Hồ sơ đất đai của xã Đầm Dơi"


def _titled_post(unit: Unit, role: str, title: str, holder) -> Post:
    post = post_make(unit, role, holder=holder)
    Post.objects.filter(pk=post.pk).update(title=title)
    return Post.objects.get(pk=post.pk)


@pytest.fixture
def world() -> dict[str, Unit]:
    """Cà Mau-like data: Tân Thành (formed by a merge) with a clerk and a leader, and Đầm Dơi next door."""
    province, (dam_doi,) = province_with_communes("Đầm Dơi")
    old = [
        unit_make(f"OLD{i}", name, UnitType.COMMUNE, province, valid_from=dt.date(2008, 1, 1))
        for i, name in enumerate(("Tân Thành (cũ)", "Tân Lộc (cũ)"), 1)
    ]
    tan_thanh = unit_merge(
        actor=None, sources=old, effective_date=dt.date(2025, 7, 1), new_unit=NewUnit("C-TT", "Tân Thành")
    )
    clerk = UserFactory(username="lan.tanthanh", full_name="Nguyễn Thị Lan")
    clerk_post = _titled_post(tan_thanh, "one_stop_receiver", "Công chức tiếp nhận một cửa", clerk)
    leader = UserFactory(username="hung.tanthanh", full_name="Trần Văn Hùng")
    _titled_post(tan_thanh, "unit_leader", "Chủ tịch UBND xã", leader)
    neighbour = UserFactory(username="mai.damdoi", full_name="Lê Thị Mai")
    neighbour_post = _titled_post(dam_doi, "one_stop_receiver", "Công chức tiếp nhận một cửa", neighbour)

    now = timezone.now()
    for title, days in CLERK_ITEMS:
        due = now + dt.timedelta(days=days) if days is not None else None
        work_item_create(actor=None, post=clerk_post, title=title, due_at=due)
    work_item_create(actor=None, post=neighbour_post, title=NEIGHBOUR_ITEM, due_at=now + dt.timedelta(days=1))
    return {"tan_thanh": tan_thanh, "dam_doi": dam_doi}


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name=re.compile("Menu chính|Main menu")).get_by_role("link", name=name).click()


def test_clerk_works_in_vietnamese_and_english_inside_her_commune(page: Page, world, console_errors):
    # The login form, in Vietnamese.
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    axe_check(page)
    screenshot(page, "01-login")

    login(page, "lan.tanthanh")
    expect(page.get_by_role("heading", level=1)).to_have_text("Việc của tôi")
    header = page.locator(".site-header")
    expect(header).to_contain_text("Nguyễn Thị Lan")
    expect(header).to_contain_text("Công chức tiếp nhận một cửa — Tân Thành")
    nav = page.get_by_role("navigation", name="Menu chính")
    expect(nav.get_by_role("link")).to_have_text(["Việc của tôi", "Hồ sơ một cửa", "Tiếp nhận hồ sơ", "Đơn vị"])
    expect(nav.get_by_role("link", name="Việc của tôi")).to_have_attribute("aria-current", "page")

    # Her commune's work, overdue first and highlighted; never the neighbour's.
    items = page.locator(".work-item h2")
    expect(items).to_have_text([title for title, _days in CLERK_ITEMS])
    expect(page.locator(".work-item.is-overdue")).to_have_count(1)
    expect(page.locator(".work-item.is-overdue")).to_contain_text("Quá hạn")
    expect(page.locator("main")).not_to_contain_text(NEIGHBOUR_ITEM)
    axe_check(page)
    screenshot(page, "02-my-work-vi")

    # Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    screenshot(page, "03-skip-link-focus", full_page=False)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Search without diacritics, then mark the item done.
    page.get_by_label("Tìm kiếm").fill("khai sinh")
    page.get_by_role("button", name="Lọc", exact=True).click()
    expect(items).to_have_text([CLERK_ITEMS[0][0]])
    done_button = page.locator(".work-item", has_text=CLERK_ITEMS[0][0]).get_by_role("button")
    expect(done_button).to_have_accessible_name(re.compile(rf"^Đánh dấu đã xong\W+{CLERK_ITEMS[0][0]}$"))
    done_button.click()
    expect(page.get_by_role("status")).to_contain_text(f"Đã đánh dấu “{CLERK_ITEMS[0][0]}” là đã xong.")
    expect(page).to_have_url(re.compile(r"q=khai\+sinh"))
    page.get_by_label("Trạng thái").select_option("done")
    page.get_by_role("button", name="Lọc", exact=True).click()
    expect(page.locator(".work-item.is-done h2")).to_have_text([CLERK_ITEMS[0][0]])
    axe_check(page)
    screenshot(page, "04-my-work-done-filter")

    # English and back: the switch keeps the page.
    page.get_by_role("link", name="Xoá bộ lọc").click()
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    axe_check(page)
    screenshot(page, "05-my-work-en")
    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Việc của tôi")

    # Units: her commune and the two it was formed from, which ended; never the neighbour.
    _nav(page, "Đơn vị")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đơn vị")
    expect(page.locator("tbody th")).to_have_text(["Tân Thành (cũ)", "Tân Lộc (cũ)", "Tân Thành"])
    expect(page.locator("tbody tr", has_text="(cũ)")).to_contain_text(["Đã kết thúc ngày 30/06/2025"] * 2)
    expect(page.locator("tbody")).not_to_contain_text("Đầm Dơi")
    axe_check(page)
    screenshot(page, "06-units")
    page.get_by_role("link", name="Tân Thành", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tân Thành")
    expect(page.locator("main")).to_contain_text("Tân Thành (cũ)")
    expect(page.locator("main")).to_contain_text("Nguyễn Thị Lan")
    expect(page.get_by_role("heading", name="Lịch sử")).to_have_count(0)  # no audit permission
    axe_check(page)
    screenshot(page, "07-unit-clerk")

    response = page.goto(f"/units/{world['dam_doi'].code}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Không tìm thấy trang")
    axe_check(page)
    screenshot(page, "08-not-found", full_page=False)

    page.goto("/audit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bạn không có quyền truy cập trang này")
    axe_check(page)
    screenshot(page, "08-forbidden")

    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert console_errors == [], console_errors


def test_leader_sees_the_unit_history_and_the_audit_log(page: Page, world, console_errors):
    login(page, "hung.tanthanh")
    nav = page.get_by_role("navigation", name="Menu chính")
    expect(nav.get_by_role("link")).to_have_text(["Việc của tôi", "Hồ sơ một cửa", "Đơn vị", "Nhật ký hệ thống"])
    expect(page.locator(".empty")).to_contain_text("Bạn không có việc nào đang mở.")
    axe_check(page)

    page.goto(f"/units/{world['tan_thanh'].code}/")
    timeline = page.locator(".timeline-section")
    expect(timeline.get_by_role("heading", name="Lịch sử")).to_be_visible()
    expect(timeline.locator("li")).to_have_count(2)
    expect(timeline.locator("li").first).to_contain_text("Sáp nhập đơn vị")
    expect(timeline.locator("li").last).to_contain_text("Tạo đơn vị")
    expect(timeline.locator("li").first.locator("dd").first).to_have_text("OLD1, OLD2")
    expect(page.locator("main")).to_contain_text("Hình thành từ")
    expect(page.locator("main")).to_contain_text("Chủ tịch UBND xã")
    expect(page.get_by_role("link", name="Tỉnh Thử")).to_have_count(0)  # the province is outside his scope
    axe_check(page)
    screenshot(page, "09-unit-leader-timeline")

    _nav(page, "Nhật ký hệ thống")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhật ký hệ thống")
    expect(page.locator("tbody tr")).to_have_count(6)  # unit created, merged, four work items created
    expect(page.locator("tbody")).not_to_contain_text(NEIGHBOUR_ITEM)
    axe_check(page)
    screenshot(page, "10-audit-log")
    page.get_by_label("Hành động").select_option("org.")
    page.get_by_role("button", name="Lọc", exact=True).click()
    expect(page.locator("tbody tr")).to_have_count(2)
    page.get_by_label("Từ ngày").fill("2030-01-02")
    page.get_by_label("Đến ngày").fill("2030-01-01")
    page.get_by_role("button", name="Lọc", exact=True).click()
    expect(page.locator(".filters")).to_contain_text("Ngày kết thúc không được trước ngày bắt đầu.")
    axe_check(page)
    screenshot(page, "11-audit-log-error")

    page.set_viewport_size(PHONE)
    page.goto(f"/units/{world['tan_thanh'].code}/")
    axe_check(page)
    screenshot(page, "12-unit-phone")
    page.goto("/audit/")
    screenshot(page, "13-audit-phone")
    assert console_errors == [], console_errors


def test_clerk_phone_layout(page: Page, world):
    page.set_viewport_size(PHONE)
    login(page, "lan.tanthanh")
    expect(page.locator(".work-item")).to_have_count(len(CLERK_ITEMS))
    axe_check(page)
    screenshot(page, "14-my-work-phone")

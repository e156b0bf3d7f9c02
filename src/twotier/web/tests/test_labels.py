import datetime as dt

import pytest
from django.utils import timezone, translation

from twotier.web.labels import action_choices, action_label, change_text, field_label
from twotier.web.templatetags.twotier_ui import change_items, nfc


@pytest.fixture(autouse=True)
def _vietnamese():
    with translation.override("vi"):
        yield


def test_changes_read_as_plain_vietnamese():
    assert change_text("status", ["open", "done"]) == "Đang mở → Đã xong"
    assert change_text("name", {"from": "Xã A", "to": "Xã B"}) == "Xã A → Xã B"
    assert change_text("due_at", {"old": None, "new": "2025-07-01"}) == "— → 01/07/2025"
    assert change_text("sources", ["OLD1", "OLD2"]) == "OLD1, OLD2"
    assert change_text("type", "commune") == "Xã"
    assert change_text("forced", True) == "Có"
    assert change_text("note", "") == "—"
    assert change_text("extra", {"a": 1}) == "a: 1"
    moment = timezone.make_aware(dt.datetime(2025, 7, 1, 1, 30), dt.UTC)
    assert change_text("due_at", str(moment)) == "01/07/2025 08:30"  # shown in Vietnam's time


def test_change_items_pairs_readable_field_names_with_values():
    assert change_items({"title": "Hồ sơ", "status": ["open", "done"], "custom": 3}) == [
        ("Tiêu đề", "Hồ sơ"),
        ("Trạng thái", "Đang mở → Đã xong"),
        ("custom", "3"),
    ]
    assert change_items(None) == []


def test_unknown_codes_fall_back_to_themselves():
    assert str(action_label("work.complete")) == "Hoàn thành công việc"
    assert action_label("x.unknown") == "x.unknown"
    assert field_label("x_unknown") == "x_unknown"


def test_action_choices_are_grouped_with_a_whole_group_option():
    groups = {str(name): [(code, str(label)) for code, label in options] for name, options in action_choices()}
    assert groups["Công việc"] == [
        ("work.", "Mọi hành động: Công việc"),
        ("work.create", "Tạo công việc"),
        ("work.complete", "Hoàn thành công việc"),
    ]


def test_nfc_filter_composes_decomposed_text():
    assert nfc("Tie\u0302\u0301ng Vie\u0323\u0302t") == "Tiếng Việt"

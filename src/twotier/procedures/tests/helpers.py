"""Builders and snapshots shared by the procedures tests."""

from __future__ import annotations

import copy
from typing import Any

from twotier.core.models import AuditEvent
from twotier.procedures.document import empty_document
from twotier.procedures.models import ComponentSpec, FeeLine, Procedure, ProcedureVersion

PROCESS: dict[str, Any] = {
    "steps": [
        {
            "key": "receive",
            "name": "Tiếp nhận hồ sơ",
            "unit": {"relative": "receiving"},
            "role": "one_stop_receiver",
            "hours": 0,
            "actions": ["forward", "refuse", "request_supplement"],
        },
        {
            "key": "process",
            "name": "Thẩm định, xử lý",
            "unit": {"relative": "receiving_department", "department": "VX"},
            "role": "specialist",
            "hours": 12,
            "actions": ["forward", "return", "request_supplement", "apologise"],
        },
        {
            "key": "approve",
            "name": "Phê duyệt, ký kết quả",
            "unit": {"relative": "receiving"},
            "role": "unit_leader",
            "hours": 4,
            "actions": ["approve", "return"],
        },
        {
            "key": "return",
            "name": "Trả kết quả",
            "unit": {"relative": "receiving"},
            "role": "one_stop_receiver",
            "hours": 0,
            "actions": ["return_result"],
        },
    ]
}


def record(code: str = "1.004873", **overrides: Any) -> dict[str, Any]:
    """A complete, valid procedure record (3 working days, two fees, two components)."""
    data: dict[str, Any] = {
        "code": code,
        "name": "Thủ tục cấp Giấy xác nhận tình trạng hôn nhân",
        "field": "Hộ tịch",
        "level": "commune",
        "time_limit": {"value": 3, "unit": "working_day", "text": "03 ngày làm việc"},
        "cutoff_applies": True,
        "requires_paper_result": True,
        "online_level": "partial",
        "full_process_eligible": False,
        "online_submission": True,
        "agency": "Ủy ban nhân dân cấp xã",
        "results": ["Giấy xác nhận tình trạng hôn nhân"],
        "fees": [
            {"code": "LP", "name": "Lệ phí đăng ký hộ tịch", "amount_vnd": 10000, "per": "lần", "note": ""},
            {"name": "Phí cấp bản sao", "amount_vnd": None, "note": "HĐND tỉnh quy định"},
        ],
        "components": [
            {"name": "Tờ khai theo mẫu", "form": "original", "quantity": 1, "required": True},
            {
                "name": "Giấy tờ tùy thân",
                "form": "show_original",
                "quantity": 1,
                "required": False,
                "condition": "khi không khai thác được CSDL",
            },
        ],
        "process": copy.deepcopy(PROCESS),
        "source": "test",
        "confidence": "H",
        "notes": "",
    }
    data.update(overrides)
    return data


def document(*records: dict[str, Any]) -> dict[str, Any]:
    """A catalogue document around `records`."""
    return empty_document([copy.deepcopy(r) for r in records])


def catalogue_state() -> tuple[Any, ...]:
    """Everything an import or a version service could change, to assert that nothing did."""
    return (
        list(Procedure.objects.order_by("pk").values_list("pk", "code", "name", "field", "level", "is_demo")),
        list(
            ProcedureVersion.objects.order_by("pk").values_list(
                "pk", "procedure_id", "number", "status", "time_limit_value", "process", "published_at"
            )
        ),
        list(FeeLine.objects.order_by("pk").values_list("pk", "version_id", "code", "amount_vnd")),
        list(ComponentSpec.objects.order_by("pk").values_list("pk", "version_id", "code", "form", "template")),
        AuditEvent.objects.count(),
    )


def actions(**filters: Any) -> list[str]:
    """The audit actions recorded so far, oldest first."""
    return list(AuditEvent.objects.filter(**filters).order_by("seq").values_list("action", flat=True))


def last_event(action: str) -> AuditEvent:
    """The newest audit event of `action`."""
    event = AuditEvent.objects.filter(action=action).order_by("-seq").first()
    assert event is not None, f"no {action} event"
    return event

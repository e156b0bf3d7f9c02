"""The dossier state table: (status, action) → next status. Pure: no database, no clock."""

from __future__ import annotations

from dataclasses import dataclass

from twotier.core.errors import Conflict
from twotier.dossiers.status import Status

S = Status
SAME = "same"  # the status does not change (a move between steps, an apology)
RESUME = "resume"  # back to the status held before the pause (supplement / payment)


@dataclass(frozen=True)
class Action:
    code: str
    label_vi: str
    label_en: str


ACTIONS: dict[str, Action] = {
    a.code: a
    for a in (
        Action("register_online", "Đăng ký trực tuyến", "Register online"),
        Action("receive", "Tiếp nhận", "Receive"),
        Action("refuse", "Từ chối tiếp nhận", "Refuse"),
        Action("forward", "Chuyển bước tiếp theo", "Forward"),
        Action("return", "Trả lại bước trước", "Return to a previous step"),
        Action("request_supplement", "Yêu cầu bổ sung", "Request a supplement"),
        Action("supplement_received", "Nhận bổ sung", "Supplement received"),
        Action("request_payment", "Yêu cầu nộp phí", "Request payment"),
        Action("record_payment", "Ghi nhận thanh toán", "Record payment"),
        Action("apologise", "Xin lỗi, hẹn lại", "Apologise and reschedule"),
        Action("stop", "Dừng xử lý", "Stop processing"),
        Action("withdraw", "Rút hồ sơ", "Withdraw"),
        Action("approve", "Duyệt, có kết quả", "Mark processed"),
        Action("return_result", "Trả kết quả", "Return the result"),
    )
}

_OPEN_FOR_PAUSE = (S.RECEIVED, S.PROCESSING)
TRANSITIONS: dict[tuple[int | None, str], int | str] = {
    (None, "register_online"): S.REGISTERED,
    (None, "receive"): S.RECEIVED,
    (S.REGISTERED, "receive"): S.RECEIVED,
    (S.REGISTERED, "refuse"): S.REFUSED,
    (S.RECEIVED, "refuse"): S.REFUSED,
    (S.RECEIVED, "forward"): S.PROCESSING,
    (S.PROCESSING, "forward"): SAME,
    (S.PROCESSING, "return"): SAME,
    **{(s, "request_supplement"): S.SUPPLEMENT_REQUESTED for s in _OPEN_FOR_PAUSE},
    (S.SUPPLEMENT_REQUESTED, "supplement_received"): RESUME,
    **{(s, "request_payment"): S.PAYMENT_REQUESTED for s in _OPEN_FOR_PAUSE},
    (S.PAYMENT_REQUESTED, "record_payment"): RESUME,
    **{(s, "apologise"): SAME for s in (S.RECEIVED, S.PROCESSING, S.PAYMENT_REQUESTED)},
    **{(s, "stop"): S.STOPPED for s in (S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUESTED)},
    **{
        (s, "withdraw"): S.WITHDRAWN
        for s in (S.REGISTERED, S.RECEIVED, S.PROCESSING, S.SUPPLEMENT_REQUESTED, S.PAYMENT_REQUESTED)
    },
    (S.PROCESSING, "approve"): S.PROCESSED,
    (S.PROCESSED, "return_result"): S.RETURNED,
}


def next_status(current: int | None, action: str, *, before_pause: int | None = None) -> int:
    """Return the status after `action`, or raise Conflict naming the state and the action."""
    if action not in ACTIONS:
        raise Conflict(f"Unknown action {action!r}", code="unknown_action")
    target = TRANSITIONS.get((current, action))
    if target is None:
        state = "new" if current is None else f"{int(current)} ({Status(current).label})"
        raise Conflict(
            f"Action '{action}' is not allowed when the dossier is in state {state}",
            code="illegal_transition",
        )
    if target == SAME:
        assert current is not None
        return int(current)
    if target == RESUME:
        return int(before_pause or S.PROCESSING)
    return int(target)


def allowed_actions(current: int | None) -> list[str]:
    """The actions the state table allows from `current` (before guards and permissions)."""
    return [action for (state, action) in TRANSITIONS if state == current]

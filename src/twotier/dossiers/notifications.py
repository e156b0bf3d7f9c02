"""E-mails to the applicant: online registration, receipt, supplement request, apology, result ready/returned.

Which transition sends what (`KINDS`): receive → "received", request_supplement → "supplement",
apologise → "apology", approve → "result_ready", return_result → "result_returned". The dossier
services call `notify_on_commit(dossier, change)` from `record_transition`; it enqueues the Huey task
`twotier.dossiers.tasks.send_dossier_notification` once the transaction commits, and only when the
dossier has an address to write to (the applicant's e-mail, else the owner citizen account's).

Each notification is identified by (dossier, kind, status-change seq). Before sending, the task looks
for the `notification.sent` audit event of that triple and does nothing when it is there, so a retry
or a second enqueue sends nothing twice (at-least-once: a crash between the SMTP hand-off and the
audit write can repeat one e-mail).

The registration e-mail is the exception: it carries the access secret, which is stored only as a
digest, so it is sent by the citizen page that has the secret in hand (`send_registered`), never
through the queue (the secret would otherwise sit in the queue's storage).

Texts are Vietnamese (plain text plus a simple HTML part); links point at the public status page under
`public_base_url()`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils.html import format_html, format_html_join

from twotier.core.actors import SystemActor
from twotier.core.audit import audit_record
from twotier.core.models import AuditEvent
from twotier.dossiers.models import Dossier, StatusChange
from twotier.dossiers.portal import result_link

log = logging.getLogger(__name__)

RECEIVED, SUPPLEMENT, APOLOGY = "received", "supplement", "apology"
RESULT_READY, RESULT_RETURNED, REGISTERED = "result_ready", "result_returned", "registered"
KINDS: dict[str, str] = {
    "receive": RECEIVED,
    "request_supplement": SUPPLEMENT,
    "apologise": APOLOGY,
    "approve": RESULT_READY,
    "return_result": RESULT_RETURNED,
}
SENT_ACTION = "notification.sent"
ACTOR = SystemActor("notifications")
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
DEFAULT_EMAIL_TIMEOUT = 20  # seconds: an SMTP server that hangs must not hold a worker for ever
VN = ZoneInfo("Asia/Ho_Chi_Minh")  # letters to citizens carry Vietnam time whatever the server's zone is
# The same wording as the printed forms (twotier.dossiers.forms.formatting, not imported: it pulls in WeasyPrint).
DELIVERY = {
    "desk": "Tại Bộ phận tiếp nhận và trả kết quả",
    "post": "Qua dịch vụ bưu chính công ích",
    "electronic": "Trực tuyến (bản điện tử)",
}
FOOTER = "Thư này được gửi tự động từ hệ thống TwoTier; vui lòng không trả lời thư này."


@dataclass(frozen=True)
class Notification:
    """One e-mail ready to send: to whom, subject, plain-text body and HTML body."""

    kind: str
    to: str
    subject: str
    text: str
    html: str


def moment_vn(value: dt.datetime | None) -> str:
    """'hh:mm, ngày dd/MM/yyyy' in Vietnam time; empty for None."""
    return "" if value is None else f"{value.astimezone(VN):%H:%M}, ngày {value.astimezone(VN):%d/%m/%Y}"


# --- addresses and links -----------------------------------------------------------------------


def recipient(dossier: Dossier) -> str:
    """Where to write about `dossier`: the applicant's e-mail, else the owner citizen account's, else ''."""
    if dossier.applicant_email:
        return dossier.applicant_email
    citizen = dossier.citizen if dossier.citizen_id else None
    return (getattr(citizen, "email", "") or "") if citizen is not None else ""


def public_base_url() -> str:
    """The citizen site's address: setting TWOTIER_PUBLIC_URL, else env TWOTIER_PUBLIC_BASE_URL, else the demo's."""
    configured = getattr(settings, "TWOTIER_PUBLIC_URL", "") or os.environ.get("TWOTIER_PUBLIC_BASE_URL", "")
    return str(configured or DEFAULT_PUBLIC_URL).rstrip("/")


def status_url(dossier: Dossier) -> str:
    """The absolute link to the dossier's public status page (asks for the secret, never carries it)."""
    return f"{public_base_url()}/tra-cuu/{dossier.code}"


def mask_email(address: str) -> str:
    """'an@example.com' → 'a***@example.com' (what the audit trail keeps of a recipient)."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


# --- bodies ------------------------------------------------------------------------------------


def _html(paragraphs: Iterable[str], facts: list[tuple[str, str]], link: tuple[str, str] | None) -> str:
    """A minimal HTML e-mail: paragraphs, a table of facts, a link, the footer (all escaped)."""
    body = format_html_join("", "<p>{}</p>\n", ((p,) for p in paragraphs))
    rows = format_html_join("", "<tr><th align='left'>{}</th><td>{}</td></tr>\n", facts)
    link_html = format_html("<p><a href='{}'>{}</a></p>\n", link[0], link[1]) if link else ""
    return format_html(
        "<!doctype html>\n<html lang='vi'><head><meta charset='utf-8'></head><body>\n{}"
        "<table cellpadding='4'>\n{}</table>\n{}<p><small>{}</small></p>\n</body></html>\n",
        body,
        rows,
        link_html,
        FOOTER,
    )


def _text(paragraphs: Iterable[str], facts: list[tuple[str, str]], link: tuple[str, str] | None) -> str:
    lines = [*paragraphs, ""]
    lines += [f"{label}: {value}" for label, value in facts]
    if link:
        lines += ["", f"{link[1]}: {link[0]}"]
    lines += ["", "--", FOOTER]
    return "\n".join(line for line in _squeeze(lines)) + "\n"


def _squeeze(lines: list[str]) -> Iterable[str]:
    blank = False
    for line in lines:
        if not line and blank:
            continue
        blank = not line
        yield line


def _compose(
    dossier: Dossier,
    kind: str,
    subject: str,
    paragraphs: list[str],
    facts: list[tuple[str, str]],
) -> Notification:
    greeting = f"Kính gửi Ông/Bà {dossier.applicant_name},"
    link = (status_url(dossier), "Xem tình trạng hồ sơ (cần mã hồ sơ và mã bí mật)")
    base_facts = [
        ("Mã hồ sơ", dossier.code),
        ("Thủ tục", dossier.procedure_version.procedure.name),
        ("Nơi tiếp nhận", dossier.receiving_unit.name),
    ]
    all_facts = base_facts + [(label, value) for label, value in facts if value]
    return Notification(
        kind=kind,
        to=recipient(dossier),
        subject=subject,
        text=_text([greeting, "", *paragraphs], all_facts, link),
        html=_html([greeting, *paragraphs], all_facts, link),
    )


def _supplement_of(dossier: Dossier, change: StatusChange) -> Any:
    supplements = dossier.supplements.order_by("-requested_at")
    return supplements.filter(requested_at=change.at).first() or supplements.first()


def _apology_of(dossier: Dossier, change: StatusChange) -> Any:
    apologies = dossier.apologies.order_by("-at")
    return apologies.filter(at=change.at).first() or apologies.first()


def build(dossier: Dossier, kind: str, change: StatusChange) -> Notification:
    """The e-mail of `kind` for `change` of `dossier` (Vietnamese subject and body)."""
    code = dossier.code
    if kind == RECEIVED:
        return _compose(
            dossier,
            kind,
            f"Hồ sơ {code} đã được tiếp nhận",
            [f"{dossier.receiving_unit.name} đã tiếp nhận hồ sơ của Ông/Bà và bắt đầu giải quyết."],
            [
                ("Thời điểm tiếp nhận", moment_vn(dossier.received_at)),
                ("Ngày hẹn trả kết quả", moment_vn(dossier.promised_at)),
                ("Hình thức nhận kết quả", DELIVERY.get(dossier.result_delivery, "")),
            ],
        )
    if kind == SUPPLEMENT:
        request = _supplement_of(dossier, change)
        reason = request.reason if request is not None else change.note
        items = list(request.items or []) if request is not None else []
        paragraphs = [
            "Hồ sơ của Ông/Bà cần bổ sung giấy tờ trước khi được giải quyết tiếp. "
            "Thời hạn giải quyết tạm dừng cho đến khi cơ quan nhận đủ giấy tờ bổ sung.",
            f"Lý do: {reason}",
        ]
        if items:
            paragraphs.append("Giấy tờ cần bổ sung: " + "; ".join(items) + ".")
        paragraphs.append(f"Vui lòng bổ sung tại Bộ phận tiếp nhận và trả kết quả của {dossier.receiving_unit.name}.")
        return _compose(
            dossier, kind, f"Hồ sơ {code} cần bổ sung giấy tờ", paragraphs, [("Ngày yêu cầu", moment_vn(change.at))]
        )
    if kind == APOLOGY:
        apology = _apology_of(dossier, change)
        before = apology.promised_before if apology is not None else dossier.original_promised_at
        after = apology.promised_after if apology is not None else dossier.promised_at
        reason = apology.reason if apology is not None else change.note
        return _compose(
            dossier,
            kind,
            f"Thư xin lỗi: hồ sơ {code} được hẹn lại ngày trả kết quả",
            [
                f"{dossier.receiving_unit.name} chân thành xin lỗi Ông/Bà vì hồ sơ không thể giải quyết đúng hẹn.",
                f"Lý do: {reason}",
            ],
            [("Ngày hẹn trước đây", moment_vn(before)), ("Ngày hẹn trả mới", moment_vn(after))],
        )
    if kind == RESULT_READY:
        results = list(dossier.results.order_by("pk"))
        electronic = [r for r in results if r.electronic and r.file]
        paragraphs = ["Hồ sơ của Ông/Bà đã được giải quyết xong và đã có kết quả."]
        if electronic:
            paragraphs.append("Ông/Bà có thể tải kết quả điện tử trên trang tra cứu hồ sơ:")
            paragraphs += [f"- {r.name}: {public_base_url()}{result_link(dossier, r)}" for r in electronic]
        if dossier.result_delivery == "post":
            paragraphs.append("Kết quả bản giấy sẽ được gửi qua dịch vụ bưu chính công ích.")
        elif dossier.result_delivery == "desk":
            paragraphs.append(
                f"Mời Ông/Bà đến Bộ phận tiếp nhận và trả kết quả của {dossier.receiving_unit.name} để nhận kết quả."
            )
        return _compose(
            dossier,
            kind,
            f"Hồ sơ {code} đã có kết quả",
            paragraphs,
            [
                ("Kết quả", "; ".join(r.name for r in results)),
                ("Thời điểm có kết quả", moment_vn(dossier.ended_at or change.at)),
                ("Ngày hẹn trả kết quả", moment_vn(dossier.promised_at)),
            ],
        )
    if kind == RESULT_RETURNED:
        return _compose(
            dossier,
            kind,
            f"Hồ sơ {code} đã trả kết quả",
            [
                "Kết quả giải quyết hồ sơ đã được trả cho Ông/Bà.",
                "Mời Ông/Bà đánh giá mức độ hài lòng hoặc gửi góp ý trên trang tra cứu hồ sơ.",
            ],
            [
                ("Thời điểm trả kết quả", moment_vn(dossier.returned_at or change.at)),
                ("Hình thức trả kết quả", DELIVERY.get(dossier.result_delivery, "")),
            ],
        )
    raise ValueError(f"Unknown notification kind {kind!r}")


def build_registered(dossier: Dossier, secret: str) -> Notification:
    """The e-mail confirming an online registration, with the code and the access secret."""
    return _compose(
        dossier,
        REGISTERED,
        f"Hồ sơ {dossier.code} đã được nộp trực tuyến",
        [
            "Hồ sơ của Ông/Bà đã được nộp trực tuyến. Bộ phận tiếp nhận sẽ kiểm tra và tiếp nhận hồ sơ; "
            "Ông/Bà sẽ nhận thư báo khi hồ sơ được tiếp nhận.",
            "Hãy giữ kín mã bí mật dưới đây: cùng với mã hồ sơ, nó cho phép tra cứu hồ sơ và tải kết quả.",
        ],
        [("Mã bí mật", secret), ("Thời điểm nộp", moment_vn(dossier.submitted_at))],
    )


# --- sending -----------------------------------------------------------------------------------


def _message(notification: Notification, connection: Any) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.to],
        connection=connection,
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(notification.html, "text/html")
    return message


def _connection() -> Any:
    return get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or DEFAULT_EMAIL_TIMEOUT)


def already_sent(dossier_id: int, kind: str, seq: int) -> bool:
    """Whether the notification (dossier, kind, status-change seq) is recorded as sent in the audit trail."""
    return AuditEvent.objects.filter(
        action=SENT_ACTION,
        target_type=Dossier._meta.label_lower,
        target_id=str(dossier_id),
        changes__kind=kind,
        changes__seq=seq,
    ).exists()


def _record_sent(dossier: Dossier, notification: Notification, seq: int) -> None:
    audit_record(
        actor=ACTOR,
        action=SENT_ACTION,
        target=dossier,
        unit_id=dossier.receiving_unit_id,
        changes={"kind": notification.kind, "seq": seq, "to": mask_email(notification.to)},
    )


def deliver(dossier_id: int, kind: str, seq: int) -> str:
    """Send one notification unless already sent; return the outcome (sent, already_sent, no_recipient, …).

    The e-mail is handed to the backend outside any transaction (a slow SMTP server must not hold
    database locks); a backend error propagates so the task is retried.
    """
    if kind not in KINDS.values():
        raise ValueError(f"Unknown notification kind {kind!r}")
    dossier = (
        Dossier.objects.select_related("procedure_version__procedure", "receiving_unit", "citizen")
        .filter(pk=dossier_id)
        .first()
    )
    if dossier is None:
        return "missing"
    change = StatusChange.objects.filter(dossier=dossier, seq=seq).first()
    if change is None or KINDS.get(change.action) != kind:
        log.warning("notification %s for dossier %s: status change #%s is not a %s", kind, dossier.code, seq, kind)
        return "mismatch"
    if not recipient(dossier):
        return "no_recipient"
    if already_sent(dossier.pk, kind, seq):
        return "already_sent"
    notification = build(dossier, kind, change)
    _message(notification, _connection()).send()
    _record_sent(dossier, notification, seq)
    return "sent"


def send_registered(dossier: Dossier, secret: str) -> bool:
    """E-mail the code and secret of a fresh online registration; False when there is no address or sending failed."""
    if not recipient(dossier):
        return False
    notification = build_registered(dossier, secret)
    try:
        _message(notification, _connection()).send()
    except Exception:  # the dossier is registered whatever the mail server does; the page shows the secret
        log.exception("could not e-mail the registration of dossier %s", dossier.code)
        return False
    _record_sent(dossier, notification, 1)
    return True


# --- the hook ----------------------------------------------------------------------------------


def _enqueue(dossier_id: int, kind: str, seq: int) -> None:
    from twotier.dossiers.tasks import send_dossier_notification

    send_dossier_notification(dossier_id, kind, seq)


def notify_on_commit(dossier: Dossier, change: StatusChange) -> None:
    """Enqueue the e-mail that `change` calls for (if any, and if the dossier has an address) after commit."""
    kind = KINDS.get(change.action)
    if kind is None or not recipient(dossier):
        return
    transaction.on_commit(partial(_enqueue, dossier.pk, kind, change.seq), robust=True)


__all__ = [
    "KINDS",
    "Notification",
    "already_sent",
    "build",
    "build_registered",
    "deliver",
    "mask_email",
    "notify_on_commit",
    "public_base_url",
    "recipient",
    "send_registered",
    "status_url",
]

"""E-mail notifications: one per receipt, supplement request, apology, result ready and result returned.

Until `record_transition` calls `notify_on_commit` itself, the `hooked` fixture wraps it in the
service modules exactly as that one line will (and steps aside once the line is there).
"""

from __future__ import annotations

import datetime as dt
import inspect
import re

import pytest
from django.core import mail

from twotier.accounts.models import AccountKind
from twotier.core.models import AuditEvent
from twotier.dossiers import notifications
from twotier.dossiers.models import Dossier, StatusChange
from twotier.dossiers.notifications import KINDS, deliver, notify_on_commit, send_registered
from twotier.dossiers.services import closing, common, pauses, receipt, steps
from twotier.dossiers.services.closing import dossier_apologise, dossier_approve, dossier_return_result
from twotier.dossiers.services.pauses import dossier_request_supplement
from twotier.dossiers.services.receipt import dossier_receive_registered, dossier_register_online
from twotier.dossiers.services.steps import dossier_forward
from twotier.dossiers.tasks import send_dossier_notification
from twotier.dossiers.tests.conftest import VN
from twotier.dossiers.tests.helpers import receive, submission
from twotier.dossiers.tests.test_uploads import PDF
from twotier.testing.factories import UserFactory

EMAIL = "an@example.com"


@pytest.fixture(autouse=True)
def _huey_immediate():
    """Run enqueued tasks at once, in memory (the suite's TWOTIER_HUEY_IMMEDIATE is read too late to apply)."""
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


@pytest.fixture
def hooked(monkeypatch):
    """`record_transition` followed by `notify_on_commit`, as the dossier services will have it."""
    if "notify_on_commit" in inspect.getsource(common.record_transition):
        return
    original = common.record_transition

    def record_and_notify(dossier, **kwargs):  # type: ignore[no-untyped-def]
        change = original(dossier, **kwargs)
        notify_on_commit(dossier, change)
        return change

    for module in (receipt, steps, pauses, closing):
        monkeypatch.setattr(module, "record_transition", record_and_notify)


@pytest.fixture
def public_url(settings):
    settings.TWOTIER_PUBLIC_URL = "https://dichvucong.camau.example/"
    return "https://dichvucong.camau.example"


def _with_email(email: str = EMAIL, **extra):  # type: ignore[no-untyped-def]
    sub = submission(**extra)
    sub.applicant.email = email
    return sub


def _sent() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="notification.sent").order_by("seq"))


def _html(message) -> str:  # type: ignore[no-untyped-def]
    (content, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return str(content)


def test_receipt_mails_the_code_the_promised_date_and_the_status_link(
    desk, hooked, public_url, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = receive(desk, sub=_with_email())
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [EMAIL]
    assert message.subject == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    assert dossier.code in message.body
    promised = dossier.promised_at.astimezone(VN)
    assert f"Ngày hẹn trả kết quả: {promised:%H:%M}, ngày {promised:%d/%m/%Y}" in message.body
    assert f"{public_url}/tra-cuu/{dossier.code}" in message.body
    assert "Kính gửi Ông/Bà Nguyễn Văn An," in message.body
    html = _html(message)
    assert dossier.code in html and f"href='{public_url}/tra-cuu/{dossier.code}'" in html
    assert "secret" not in message.body.lower() and "Mã bí mật" not in message.body
    [event] = _sent()
    assert event.target_id == str(dossier.pk)
    assert event.changes == {"kind": "received", "seq": 1, "to": "a***@example.com"}


def test_supplement_request_mails_the_reason_and_the_items(desk, hooked, django_capture_on_commit_callbacks):
    dossier = receive(desk, sub=_with_email())
    with django_capture_on_commit_callbacks(execute=True):
        dossier_request_supplement(
            actor=desk.receiver,
            dossier_id=dossier.pk,
            reason="Thiếu bản sao giấy chứng sinh",
            items=["Giấy chứng sinh (bản sao)", "Tờ khai có chữ ký"],
        )
    [message] = mail.outbox
    assert message.subject == f"Hồ sơ {dossier.code} cần bổ sung giấy tờ"
    assert dossier.code in message.body
    assert "Lý do: Thiếu bản sao giấy chứng sinh" in message.body
    assert "Giấy tờ cần bổ sung: Giấy chứng sinh (bản sao); Tờ khai có chữ ký." in message.body
    assert "tạm dừng" in message.body
    assert [e.changes["kind"] for e in _sent()] == ["supplement"]


def test_apology_mails_the_old_and_the_new_date(desk, hooked, django_capture_on_commit_callbacks):
    dossier = receive(desk, sub=_with_email())
    dossier_forward(actor=desk.receiver, dossier_id=dossier.pk)
    new_date = dt.datetime(2026, 3, 16, 16, 0, tzinfo=VN)
    with django_capture_on_commit_callbacks(execute=True):
        dossier_apologise(
            actor=desk.specialist, dossier_id=dossier.pk, reason="Cần xác minh thêm", new_promised_at=new_date
        )
    [message] = mail.outbox
    assert message.subject == f"Thư xin lỗi: hồ sơ {dossier.code} được hẹn lại ngày trả kết quả"
    assert "Ngày hẹn trả mới: 16:00, ngày 16/03/2026" in message.body
    old = Dossier.objects.get(pk=dossier.pk).original_promised_at.astimezone(VN)
    assert f"Ngày hẹn trước đây: {old:%H:%M}, ngày {old:%d/%m/%Y}" in message.body
    assert "Lý do: Cần xác minh thêm" in message.body


def test_result_ready_links_the_electronic_result_and_returned_invites_feedback(
    desk, hooked, public_url, django_capture_on_commit_callbacks
):
    dossier = dossier_register_online(actor=None, unit=desk.commune, submission=_with_email(code="1.001193"))
    dossier_receive_registered(actor=desk.receiver, dossier_id=dossier.pk)
    mail.outbox.clear()  # the receipt mail is not sent: no on-commit callbacks ran so far
    dossier_forward(actor=desk.receiver, dossier_id=dossier.pk)
    dossier_forward(actor=desk.specialist, dossier_id=dossier.pk)
    with django_capture_on_commit_callbacks(execute=True):
        dossier_approve(actor=desk.leader, dossier_id=dossier.pk, result_name="Giấy khai sinh", result_pdf=PDF)
    [ready] = mail.outbox
    result = Dossier.objects.get(pk=dossier.pk).results.get()
    assert ready.subject == f"Hồ sơ {dossier.code} đã có kết quả"
    assert f"- Giấy khai sinh: {public_url}/tra-cuu/{dossier.code}/ket-qua/{result.pk}" in ready.body
    assert "Mời Ông/Bà đến Bộ phận tiếp nhận và trả kết quả của Phường Tân Thành" in ready.body
    with django_capture_on_commit_callbacks(execute=True):
        dossier_return_result(actor=desk.receiver, dossier_id=dossier.pk, delivery="desk")
    returned = mail.outbox[1]
    assert returned.subject == f"Hồ sơ {dossier.code} đã trả kết quả"
    assert dossier.code in returned.body and "đánh giá" in returned.body
    assert [e.changes["kind"] for e in _sent()] == ["result_ready", "result_returned"]


def test_no_address_no_mail_and_no_task(desk, hooked, django_capture_on_commit_callbacks, monkeypatch):
    enqueued = []
    monkeypatch.setattr(notifications, "_enqueue", lambda *args: enqueued.append(args))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        dossier = receive(desk)
        dossier_request_supplement(actor=desk.receiver, dossier_id=dossier.pk, reason="Thiếu giấy tờ")
    assert callbacks == [] and enqueued == []
    assert mail.outbox == [] and _sent() == []
    change = StatusChange.objects.get(dossier=dossier, action="receive")
    assert deliver(dossier.pk, "received", change.seq) == "no_recipient"
    assert mail.outbox == [] and _sent() == []


def test_the_owner_accounts_address_is_used_when_the_applicant_gave_none(desk, django_capture_on_commit_callbacks):
    citizen = UserFactory(username="an.citizen", kind=AccountKind.CITIZEN, email="an.account@example.com")
    dossier = dossier_register_online(
        actor=citizen, citizen=citizen, unit=desk.commune, submission=submission("1.001193")
    )
    dossier_receive_registered(actor=desk.receiver, dossier_id=dossier.pk)
    change = StatusChange.objects.get(dossier=dossier, action="receive")
    assert deliver(dossier.pk, "received", change.seq) == "sent"
    assert mail.outbox[0].to == ["an.account@example.com"]


def test_a_notification_is_sent_once_however_often_it_is_enqueued(desk):
    dossier = receive(desk, sub=_with_email())
    change = StatusChange.objects.get(dossier=dossier, action="receive")
    assert send_dossier_notification.call_local(dossier.pk, "received", change.seq) == "sent"
    assert send_dossier_notification.call_local(dossier.pk, "received", change.seq) == "already_sent"
    send_dossier_notification(dossier.pk, "received", change.seq)  # through Huey (immediate mode in tests)
    assert len(mail.outbox) == 1 and len(_sent()) == 1


def test_the_kind_must_match_the_status_change(desk):
    dossier = receive(desk, sub=_with_email())
    change = StatusChange.objects.get(dossier=dossier, action="receive")
    assert deliver(dossier.pk, "apology", change.seq) == "mismatch"
    assert deliver(dossier.pk + 999, "received", 1) == "missing"
    with pytest.raises(ValueError, match="Unknown notification kind"):
        deliver(dossier.pk, "spam", change.seq)
    assert mail.outbox == [] and _sent() == []


def test_a_failing_mail_server_records_nothing_and_the_retry_sends(desk, settings):
    dossier = receive(desk, sub=_with_email())
    change = StatusChange.objects.get(dossier=dossier, action="receive")
    settings.EMAIL_BACKEND = "twotier.dossiers.tests.test_notifications.BrokenBackend"
    with pytest.raises(ConnectionRefusedError):
        deliver(dossier.pk, "received", change.seq)
    assert _sent() == []
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert deliver(dossier.pk, "received", change.seq) == "sent"
    assert len(mail.outbox) == 1 and len(_sent()) == 1


def test_nothing_is_sent_when_the_transaction_rolls_back(desk, hooked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        receive(desk, sub=_with_email())
    assert len(callbacks) == 1  # registered for after commit, not run inside the transaction
    assert mail.outbox == []


def test_registration_mail_carries_the_secret(desk):
    dossier = dossier_register_online(actor=None, unit=desk.commune, submission=_with_email(code="1.001193"))
    assert send_registered(dossier, dossier.access_secret) is True
    [message] = mail.outbox
    assert message.subject == f"Hồ sơ {dossier.code} đã được nộp trực tuyến"
    assert f"Mã bí mật: {dossier.access_secret}" in message.body and dossier.code in message.body
    assert [e.changes["kind"] for e in _sent()] == ["registered"]
    silent = dossier_register_online(actor=None, unit=desk.commune, submission=submission("1.001193"))
    assert send_registered(silent, silent.access_secret) is False
    assert len(mail.outbox) == 1


def test_a_registration_mail_that_fails_does_not_break_the_submission(desk, settings):
    dossier = dossier_register_online(actor=None, unit=desk.commune, submission=_with_email(code="1.001193"))
    settings.EMAIL_BACKEND = "twotier.dossiers.tests.test_notifications.BrokenBackend"
    assert send_registered(dossier, dossier.access_secret) is False
    assert _sent() == []


def test_every_kind_has_a_vietnamese_subject_with_the_code(desk):
    dossier = receive(desk, sub=_with_email())
    change = StatusChange.objects.get(dossier=dossier, action="receive")
    for kind in KINDS.values():
        built = notifications.build(dossier, kind, change)
        assert dossier.code in built.subject and dossier.code in built.text and dossier.code in built.html
        assert re.search(r"[ăâđêôơư]", built.subject + built.text)
        assert built.to == EMAIL


def test_html_part_escapes_what_people_typed(desk):
    dossier = receive(desk, sub=_with_email())
    Dossier.objects.filter(pk=dossier.pk).update(applicant_name="<script>alert(1)</script>")
    dossier.refresh_from_db()
    change = StatusChange.objects.get(dossier=dossier, action="receive")
    built = notifications.build(dossier, "received", change)
    assert "<script>" not in built.html and "&lt;script&gt;" in built.html


class BrokenBackend:
    """An e-mail backend whose server refuses connections."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        pass

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("mail server down")

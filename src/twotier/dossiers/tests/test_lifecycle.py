import datetime as dt

import pytest

from twotier.core.errors import Conflict, Forbidden, InvalidInput
from twotier.core.models import OutboxMessage
from twotier.dossiers.models import Dossier, Handover
from twotier.dossiers.services.closing import (
    dossier_apologise,
    dossier_approve,
    dossier_return_result,
    dossier_stop,
    dossier_withdraw,
)
from twotier.dossiers.services.pauses import (
    dossier_record_cash_payment,
    dossier_request_payment,
    dossier_request_supplement,
    dossier_supplement_received,
)
from twotier.dossiers.services.steps import dossier_forward, dossier_return_step
from twotier.dossiers.status import Status
from twotier.dossiers.tests.conftest import VN
from twotier.dossiers.tests.helpers import receive


def _at(*args):
    return dt.datetime(*args, tzinfo=VN)


def _to_approve(desk, dossier):
    dossier_forward(actor=desk.receiver, dossier_id=dossier.pk)
    dossier_forward(actor=desk.specialist, dossier_id=dossier.pk)
    return dossier_forward(actor=desk.province_specialist, dossier_id=dossier.pk)


def test_full_path_across_levels_with_handovers_and_on_time_result(desk):
    dossier = receive(desk)
    desk.clock.set(2026, 3, 2, 10, 0)
    d = dossier_forward(actor=desk.receiver, dossier_id=dossier.pk, note="Đủ hồ sơ")
    assert d.status == Status.PROCESSING and d.current_step == "process" and d.current_unit == desk.vx
    assert d.step_due_at == _at(2026, 3, 3, 10, 0)  # 8 working hours
    desk.clock.set(2026, 3, 3, 9, 0)
    d = dossier_forward(actor=desk.specialist, dossier_id=dossier.pk)
    assert d.current_unit == desk.stp and d.current_step == "province"
    desk.clock.set(2026, 3, 5, 8, 0)
    d = dossier_forward(actor=desk.province_specialist, dossier_id=dossier.pk)
    assert d.current_unit == desk.commune and d.current_step == "approve"
    desk.clock.set(2026, 3, 5, 9, 0)
    d = dossier_approve(actor=desk.leader, dossier_id=dossier.pk, result_name="Giấy chứng nhận kết hôn")
    assert d.status == Status.PROCESSED and d.ended_at == _at(2026, 3, 5, 9, 0) and d.on_time is True
    assert d.current_step == "return" and d.current_post == Handover.objects.get(dossier=d, seq=1).to_post
    d = dossier_return_result(actor=desk.receiver, dossier_id=dossier.pk, delivery="desk")
    assert d.status == Status.RETURNED and d.returned_at is not None
    rows = list(Handover.objects.filter(dossier=d).values_list("from_step", "to_step", "timeliness"))
    assert rows == [
        ("", "receive", ""),
        ("receive", "process", "early"),
        ("process", "province", "early"),
        ("province", "approve", "early"),
        ("approve", "return", "on_time"),
    ]
    statuses = list(d.status_changes.values_list("to_status", flat=True))
    assert statuses == [2, 4, 4, 4, 9, 10]
    progress = OutboxMessage.objects.filter(aggregate_id=d.code, topic="portal.CapNhatTienDoHoSoMC")
    assert [m.payload["TrangThaiHoSo"] for m in progress.order_by("seq")] == statuses


def test_actions_belong_to_the_official_at_the_step(desk):
    dossier = receive(desk)
    with pytest.raises(Forbidden):
        dossier_forward(actor=desk.specialist, dossier_id=dossier.pk)
    dossier_forward(actor=desk.receiver, dossier_id=dossier.pk)
    with pytest.raises(Forbidden):
        dossier_forward(actor=desk.receiver, dossier_id=dossier.pk)
    with pytest.raises(Conflict, match="not allowed at step 'process'"):
        dossier_approve(actor=desk.specialist, dossier_id=dossier.pk, result_name="x")
    assert Dossier.objects.get(pk=dossier.pk).current_step == "process"


def test_return_goes_back_to_who_handled_the_step(desk):
    dossier = _to_approve(desk, receive(desk))
    with pytest.raises(InvalidInput) as exc:
        dossier_return_step(actor=desk.leader, dossier_id=dossier.pk, to_step="receive", reason="x")
    assert exc.value.fields[0].rule == "earlier_step"
    d = dossier_return_step(actor=desk.leader, dossier_id=dossier.pk, to_step="process", reason="Sai tên")
    assert d.current_step == "process" and d.current_unit == desk.vx
    assert Handover.objects.filter(dossier=d).order_by("-seq").first().is_return
    dossier_forward(actor=desk.specialist, dossier_id=d.pk)


def test_supplement_once_pauses_the_clock_and_moves_the_promised_date(desk):
    dossier = receive(desk)  # Mon 2 Mar 09:00, promised Mon 9 Mar 09:00
    dossier_forward(actor=desk.receiver, dossier_id=dossier.pk)
    desk.clock.set(2026, 3, 3, 9, 0)  # 8 working hours used, 32 left
    d = dossier_request_supplement(actor=desk.specialist, dossier_id=dossier.pk, reason="Thiếu bản sao CCCD")
    assert d.status == Status.SUPPLEMENT_REQUESTED and d.paused_since == _at(2026, 3, 3, 9, 0)
    desk.clock.set(2026, 3, 10, 9, 0)  # a week later
    d = dossier_supplement_received(actor=desk.receiver, dossier_id=dossier.pk)
    assert d.status == Status.PROCESSING and d.paused_since is None
    assert d.paused_seconds == 7 * 24 * 3600
    assert d.promised_at == _at(2026, 3, 16, 9, 0)  # 32 working hours after Tue 10 Mar 09:00
    assert d.original_promised_at == _at(2026, 3, 9, 9, 0)
    supplement = d.supplements.get()
    assert (supplement.promised_before, supplement.promised_after) == (_at(2026, 3, 9, 9, 0), d.promised_at)
    with pytest.raises(Conflict, match="only once"):
        dossier_request_supplement(actor=desk.specialist, dossier_id=dossier.pk, reason="again")
    desk.clock.set(2026, 3, 13, 9, 0)  # ended 3 days after the original date, but 7 days were paused
    dossier_forward(actor=desk.specialist, dossier_id=dossier.pk)
    dossier_forward(actor=desk.province_specialist, dossier_id=dossier.pk)
    d = dossier_approve(actor=desk.leader, dossier_id=dossier.pk, result_name="GCN")
    assert d.on_time is True


def test_late_without_pause_is_late_and_an_apology_does_not_make_it_on_time(desk):
    dossier = _to_approve(desk, receive(desk))
    desk.clock.set(2026, 3, 5, 9, 0)
    with pytest.raises(InvalidInput):
        dossier_apologise(
            actor=desk.leader,
            dossier_id=dossier.pk,
            reason="Chờ xác minh",
            new_promised_at=_at(2026, 3, 1, 9, 0),
        )
    d = dossier_apologise(
        actor=desk.leader,
        dossier_id=dossier.pk,
        reason="Chờ xác minh",
        new_promised_at=_at(2026, 3, 12, 9, 0),
    )
    assert d.promised_at == _at(2026, 3, 12, 9, 0) and d.original_promised_at == _at(2026, 3, 9, 9, 0)
    apology = d.apologies.get()
    assert apology.promised_before == _at(2026, 3, 9, 9, 0)
    with pytest.raises(Conflict, match="only once"):
        dossier_apologise(actor=desk.leader, dossier_id=dossier.pk, reason="x", new_promised_at=_at(2026, 3, 20, 9, 0))
    desk.clock.set(2026, 3, 11, 9, 0)
    d = dossier_approve(actor=desk.leader, dossier_id=dossier.pk, result_name="GCN")
    assert d.on_time is False


def test_apology_must_come_one_working_day_before_the_deadline(desk):
    dossier = _to_approve(desk, receive(desk))
    desk.clock.set(2026, 3, 6, 10, 0)  # Fri 10:00; promised Mon 09:00 = 7 working hours left
    with pytest.raises(Conflict, match="one working day before"):
        dossier_apologise(actor=desk.leader, dossier_id=dossier.pk, reason="x", new_promised_at=_at(2026, 3, 20, 9, 0))
    assert Dossier.objects.get(pk=dossier.pk).apology_count == 0


def test_cash_payment_round_trip_and_amount_check(desk):
    dossier = receive(desk)
    d = dossier_request_payment(actor=desk.receiver, dossier_id=dossier.pk)
    assert d.status == Status.PAYMENT_REQUESTED
    with pytest.raises(InvalidInput) as exc:
        dossier_record_cash_payment(actor=desk.receiver, dossier_id=dossier.pk, amount_vnd=1000)
    assert exc.value.fields[0].field == "amount_vnd"
    d = dossier_record_cash_payment(actor=desk.receiver, dossier_id=dossier.pk, amount_vnd=30000)
    assert d.status == Status.RECEIVED and d.paid_online == 0 and d.payments.get().status == "paid"
    assert (
        dossier_record_cash_payment(actor=desk.receiver, dossier_id=dossier.pk, amount_vnd=30000).version == d.version
    )


def test_stop_and_withdraw_are_terminal(desk):
    first = receive(desk)
    dossier_forward(actor=desk.receiver, dossier_id=first.pk)
    stopped = dossier_stop(actor=desk.specialist, dossier_id=first.pk, reason="Không đủ điều kiện")
    assert stopped.status == Status.STOPPED and stopped.ended_at is not None
    with pytest.raises(Conflict, match="state 8"):
        dossier_forward(actor=desk.specialist, dossier_id=first.pk)
    second = receive(desk)
    withdrawn = dossier_withdraw(actor=desk.receiver, dossier_id=second.pk, reason="Công dân rút")
    assert withdrawn.status == Status.WITHDRAWN


def test_stale_version_loses_with_a_clear_conflict(desk):
    dossier = receive(desk)
    version = dossier.version
    dossier_forward(actor=desk.receiver, dossier_id=dossier.pk, expected_version=version)
    with pytest.raises(Conflict, match="changed by someone else"):
        dossier_stop(actor=desk.specialist, dossier_id=dossier.pk, reason="x", expected_version=version)


def test_forward_retried_with_the_same_key_moves_once(desk):
    dossier = receive(desk)
    dossier_forward(actor=desk.receiver, dossier_id=dossier.pk, request_key="k1")
    d = dossier_forward(actor=desk.specialist, dossier_id=dossier.pk, request_key="k2")
    again = dossier_forward(actor=desk.specialist, dossier_id=dossier.pk, request_key="k2")
    assert again.current_step == d.current_step == "province" and again.version == d.version


def test_return_result_electronically_needs_an_electronic_result(desk):
    dossier = _to_approve(desk, receive(desk))
    dossier_approve(actor=desk.leader, dossier_id=dossier.pk, result_name="GCN")
    with pytest.raises(Conflict, match="no electronic result"):
        dossier_return_result(actor=desk.receiver, dossier_id=dossier.pk, delivery="electronic")
    second = _to_approve(desk, receive(desk))
    dossier_approve(actor=desk.leader, dossier_id=second.pk, result_name="GCN", result_pdf=b"%PDF-1.7 test")
    d = dossier_return_result(actor=desk.receiver, dossier_id=second.pk, delivery="electronic")
    assert d.status == Status.RETURNED and d.results.get().electronic

import datetime as dt
import re

import pytest

from twotier.core.errors import Conflict, Forbidden, InvalidInput
from twotier.core.models import AuditEvent, OutboxMessage
from twotier.dossiers.models import Dossier, DossierComponent, DossierFee, Handover, StatusChange
from twotier.dossiers.services.receipt import (
    Applicant,
    Submission,
    dossier_receive,
    dossier_receive_registered,
    dossier_refuse,
    dossier_register_online,
)
from twotier.dossiers.status import Status
from twotier.dossiers.tests.conftest import VN
from twotier.dossiers.tests.helpers import receive, submission


def _counts():
    return (
        Dossier.objects.count(),
        DossierComponent.objects.count(),
        DossierFee.objects.count(),
        StatusChange.objects.count(),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
    )


def test_receipt_codes_timing_components_fees_history(desk):
    dossier = receive(desk)
    assert re.fullmatch(r"000\.08\.30\.H12-260302-0001", dossier.code)
    assert receive(desk).code == "000.08.30.H12-260302-0002"
    assert dossier.status == Status.RECEIVED
    assert dossier.received_at == dt.datetime(2026, 3, 2, 9, 0, tzinfo=VN)
    # 5 working days = 40 working hours from Mon 09:00 → the next Monday 09:00.
    assert dossier.promised_at == dt.datetime(2026, 3, 9, 9, 0, tzinfo=VN)
    assert dossier.original_promised_at == dossier.promised_at
    assert dossier.current_step == "receive" and dossier.current_unit == desk.commune
    assert dossier.current_post is not None and dossier.current_post.unit == desk.commune
    assert sorted(dossier.components.values_list("code", flat=True)) == ["GCS", "TK"]
    assert list(dossier.fees.values_list("code", "amount_vnd")) == [("LP1", 30000)] and dossier.fee_total == 30000
    assert Handover.objects.filter(dossier=dossier).count() == 1
    change = StatusChange.objects.get(dossier=dossier)
    assert (change.action, change.from_status, change.to_status) == ("receive", None, 2)
    assert AuditEvent.objects.filter(action="dossier.receive", target_id=str(dossier.pk)).count() == 1
    topics = list(OutboxMessage.objects.filter(aggregate_id=dossier.code).values_list("topic", flat=True))
    assert topics == ["portal.DongBoHoSoMC", "portal.CapNhatTienDoHoSoMC"]
    assert len(dossier.access_secret) >= 12


def test_sequence_restarts_each_day_and_per_agency(desk):
    receive(desk)
    desk.clock.set(2026, 3, 3, 8, 0)
    assert receive(desk).code.endswith("-260303-0001")
    other = dossier_receive(actor=desk.other_receiver, unit=desk.neighbour, submission=submission())
    assert other.code == "000.17.30.H12-260303-0001"


def test_same_day_procedure_and_the_1500_cut_off(desk):
    desk.clock.set(2026, 3, 2, 14, 59)
    early = receive(desk, sub=submission("1.001193"))
    assert early.promised_at == dt.datetime(2026, 3, 2, 17, 30, tzinfo=VN)
    desk.clock.set(2026, 3, 2, 15, 30)
    late = receive(desk, sub=submission("1.001193"))
    assert late.promised_at == dt.datetime(2026, 3, 3, 17, 30, tzinfo=VN)


def test_invalid_submissions_name_field_and_rule_and_change_nothing(desk):
    before = _counts()
    cases = [
        (submission(components=["TK"]), "components", "required_components"),
        (submission(components=["TK", "GCS", "XX"]), "components", "known_component"),
        (submission("9.999999"), "procedure_code", "published_procedure"),
        (
            Submission(procedure_code="1.000001", applicant=Applicant(name=" "), components=["TK", "GCS"]),
            "applicant.name",
            "required",
        ),
        (
            Submission(
                procedure_code="1.000001",
                applicant=Applicant(name="A", id_number="12345"),
                components=["TK", "GCS"],
            ),
            "applicant.id_number",
            "twelve_digits",
        ),
        (submission(result_delivery="drone"), "result_delivery", "choice"),
    ]
    for sub, field, rule in cases:
        with pytest.raises(InvalidInput) as exc:
            receive(desk, sub=sub)
        assert (field, rule) in [(f.field, f.rule) for f in exc.value.fields], (field, rule, exc.value.fields)
    assert _counts() == before


def test_idempotency_key_returns_the_same_dossier_and_refuses_other_content(desk):
    first = receive(desk, idempotency_key="abc-1")
    again = receive(desk, idempotency_key="abc-1")
    assert again.pk == first.pk and Dossier.objects.count() == 1
    with pytest.raises(Conflict, match="different request"):
        receive(desk, idempotency_key="abc-1", sub=submission(sets=2))
    assert Dossier.objects.count() == 1


def test_only_the_units_receivers_may_receive(desk):
    before = _counts()
    for actor in (desk.other_receiver, desk.specialist):
        with pytest.raises(Forbidden):
            dossier_receive(actor=actor, unit=desk.commune, submission=submission())
    assert _counts() == before


def test_online_registration_then_receipt_starts_the_clock(desk):
    registered = dossier_register_online(actor=None, unit=desk.commune, submission=submission())
    assert registered.status == Status.REGISTERED and registered.channel == 2
    assert registered.received_at is None and registered.promised_at is None
    desk.clock.set(2026, 3, 2, 10, 0)
    received = dossier_receive_registered(actor=desk.receiver, dossier_id=registered.pk, on_behalf=True)
    assert received.status == Status.RECEIVED and received.on_behalf
    assert received.received_at == dt.datetime(2026, 3, 2, 10, 0, tzinfo=VN)
    assert received.promised_at == dt.datetime(2026, 3, 9, 10, 0, tzinfo=VN)
    changes = list(received.status_changes.values_list("action", "to_status"))
    assert changes == [("register_online", 1), ("receive", 2)]
    assert dossier_receive_registered(actor=desk.receiver, dossier_id=registered.pk).version == received.version


def test_refusal_is_terminal_once_and_needs_a_reason(desk):
    dossier = receive(desk)
    with pytest.raises(InvalidInput) as exc:
        dossier_refuse(actor=desk.receiver, dossier_id=dossier.pk, reason="")
    assert exc.value.fields[0].field == "reason"
    refused = dossier_refuse(actor=desk.receiver, dossier_id=dossier.pk, reason="Thiếu giấy tờ")
    assert refused.status == Status.REFUSED and refused.ended_at is not None and refused.on_time is True
    assert dossier_refuse(actor=desk.receiver, dossier_id=dossier.pk, reason="x").version == refused.version

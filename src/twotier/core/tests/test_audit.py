import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from twotier.core import db_guards
from twotier.core.actors import SystemActor
from twotier.core.audit import audit_record, audit_verify, compute_hash, timeline_for
from twotier.core.models import AuditEvent, AuditHead
from twotier.testing.factories import UserFactory, province_with_communes

pytestmark = pytest.mark.django_db

ACTOR = SystemActor("test")


def _chain(n=5):
    return [audit_record(actor=ACTOR, action=f"test.step{i}", changes={"i": i, "name": "Đầm Dơi"}) for i in range(n)]


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_events_chain_and_verify_clean():
    events = _chain(4)
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert events[1].prev_hash == events[0].hash
    assert audit_verify() is None
    head = AuditHead.objects.get(pk=1)
    assert (head.last_seq, head.last_hash) == (4, events[-1].hash)


def test_event_records_actor_target_and_request_context():
    user = UserFactory(username="clerk")
    _province, (commune,) = province_with_communes("Tân Thành")
    event = audit_record(actor=user, action="x.change", target=commune, changes={"a": [1, 2]}, unit_id=commune.pk)
    assert (event.actor_id, event.actor_label) == (user.pk, "clerk")
    assert (event.target_type, event.target_id, event.target_label) == (
        "org.unit",
        str(commune.pk),
        "Tân Thành",
    )
    assert list(timeline_for(commune)) == [event]


def test_model_refuses_update_and_delete():
    (event,) = _chain(1)
    event.action = "forged"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()


def test_verify_catches_an_edited_event():
    _chain(5)
    _raw("UPDATE core_auditevent SET changes = %s WHERE seq = 3", ['{"i": 99}'])
    problem = audit_verify()
    assert problem is not None and problem.seq == 3
    assert "edited" in problem.reason


def test_verify_catches_a_deleted_event():
    _chain(5)
    _raw("DELETE FROM core_auditevent WHERE seq = 2")
    problem = audit_verify()
    assert problem is not None and problem.seq == 3
    assert "deleted" in problem.reason


def test_verify_catches_a_deleted_tail():
    _chain(5)
    _raw("DELETE FROM core_auditevent WHERE seq = 5")
    problem = audit_verify()
    assert problem is not None and problem.seq == 5


def test_verify_catches_reordered_events():
    _chain(5)
    _raw("UPDATE core_auditevent SET seq = 1000 WHERE seq = 2")
    _raw("UPDATE core_auditevent SET seq = 2 WHERE seq = 3")
    _raw("UPDATE core_auditevent SET seq = 3 WHERE seq = 1000")
    problem = audit_verify()
    assert problem is not None and problem.seq == 2


def test_verify_catches_an_event_inserted_out_of_order():
    events = _chain(3)
    forged = AuditEvent(
        seq=4, at=events[-1].at, action="forged", prev_hash=events[0].hash, changes={}, actor_label="intruder"
    )
    forged.hash = compute_hash(forged)
    forged.save()
    AuditHead.objects.filter(pk=1).update(last_seq=4, last_hash=forged.hash)
    problem = audit_verify()
    assert problem is not None and problem.seq == 4
    assert "link" in problem.reason


def test_audit_verify_command_exit_status():
    _chain(3)
    call_command("audit_verify")
    _raw("UPDATE core_auditevent SET action = 'forged' WHERE seq = 2")
    with pytest.raises(CommandError, match="#2"):
        call_command("audit_verify")


def test_database_guard_refuses_update_and_delete():
    _chain(2)
    db_guards.install(connection)
    try:
        for sql in ("UPDATE core_auditevent SET action = 'x' WHERE seq = 1", "DELETE FROM core_auditevent"):
            with pytest.raises(Exception, match="append-only"), transaction.atomic():
                _raw(sql)
    finally:
        db_guards.remove(connection)
    assert AuditEvent.objects.count() == 2
    assert audit_verify() is None

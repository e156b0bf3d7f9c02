"""The worker entry points: `manage.py deliver_outbox` (once or --loop) and the Huey periodic task."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from twotier.core.models import OutboxMessage, OutboxStatus
from twotier.dossiers.services import receipt
from twotier.dossiers.tests.helpers import submission
from twotier.nationalportal.tasks import deliver_outbox


def _dossier(desk):
    return receipt.dossier_receive(actor=desk.receiver, unit=desk.commune, submission=submission("1.001193"))


def _undelivered():
    return OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).count()


def test_command_delivers_until_idle_and_a_second_run_does_nothing(portal, desk):
    _dossier(desk)
    _dossier(desk)
    out = StringIO()
    call_command("deliver_outbox", stdout=out)
    assert json.loads(out.getvalue()) == {"claimed": 4, "delivered": 4, "retried": 0, "dead": 0, "skipped": 0}
    out = StringIO()
    call_command("deliver_outbox", stdout=out)
    assert json.loads(out.getvalue())["claimed"] == 0
    assert portal.control.stats()["progress_events"] == 2


def test_command_loop_runs_for_a_while_and_reports_each_round(portal, desk):
    _dossier(desk)
    out = StringIO()
    call_command("deliver_outbox", "--loop", "--max-seconds", "1", "--poll", "0.2", "--batch", "1", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["delivered"] for line in lines[:-1]] == [1, 1]
    assert lines[-1]["total"]["delivered"] == 2
    assert _undelivered() == 0


def test_command_refuses_a_bad_batch(portal):
    with pytest.raises(CommandError, match="--batch must be at least 1"):
        call_command("deliver_outbox", "--batch", "0")


def test_periodic_task_delivers_what_is_due(portal, desk, monkeypatch):
    monkeypatch.setenv("TWOTIER_OUTBOX_TASK_SECONDS", "0")
    _dossier(desk)
    assert deliver_outbox.call_local() == {"claimed": 2, "delivered": 2, "retried": 0, "dead": 0, "skipped": 0}
    assert deliver_outbox.call_local()["claimed"] == 0
    assert _undelivered() == 0

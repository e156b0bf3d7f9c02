"""Parallel starts make one payment; parallel deliveries of a result apply it once (real threads and connections)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import close_old_connections, connection

from twotier.core.models import AuditEvent
from twotier.dossiers.models import Dossier, Payment, StatusChange
from twotier.payments.services import payment_handle_callback, payment_start_online
from twotier.payments.tests.helpers import JSON, awaiting_payment, callback_body

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("concurrency"),
    pytest.mark.usefixtures("pay_settings"),
]

THREADS = 6


@pytest.fixture(autouse=True)
def _shared_database():
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("in-memory SQLite cannot be shared between threads")


def _in_threads(work):  # type: ignore[no-untyped-def]
    def run(n):  # type: ignore[no-untyped-def]
        try:
            return work(n)
        finally:
            close_old_connections()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(run, range(THREADS)))


def test_parallel_starts_make_one_payment_and_one_checkout(desk, gateway):
    dossier = awaiting_payment(desk)
    payments = _in_threads(lambda _n: payment_start_online(actor=desk.receiver, dossier_id=dossier.pk))
    assert len({(p.reference, p.checkout_url) for p in payments}) == 1
    assert Payment.objects.filter(dossier=dossier).count() == 1 and len(gateway.store.by_reference) == 1
    assert AuditEvent.objects.filter(action="payment.online_started").count() == 1
    assert AuditEvent.objects.filter(action="payment.checkout_created").count() == 1


def _ack(body: bytes) -> tuple[int, str]:
    ack = payment_handle_callback(headers=JSON, body=body)
    return ack.http_status, ack.code


def test_parallel_deliveries_of_one_message_apply_it_once(desk, gateway):
    dossier = awaiting_payment(desk)
    payment = payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    body = callback_body(payment.reference)
    acks = _in_threads(lambda _n: _ack(body))
    assert sorted(acks) == [(200, "00")] + [(409, "98")] * (THREADS - 1)
    assert StatusChange.objects.filter(dossier=dossier, action="record_payment").count() == 1
    assert Dossier.objects.get(pk=dossier.pk).paid_online == 2


def test_parallel_fresh_notifications_apply_once(desk, gateway):
    dossier = awaiting_payment(desk)
    payment = payment_start_online(actor=desk.receiver, dossier_id=dossier.pk)
    bodies = [callback_body(payment.reference) for _ in range(THREADS)]
    acks = _in_threads(lambda n: _ack(bodies[n]))
    assert sorted(acks) == [(200, "00")] + [(200, "02")] * (THREADS - 1)
    assert StatusChange.objects.filter(dossier=dossier, action="record_payment").count() == 1

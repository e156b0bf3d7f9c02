"""Two workers delivering at once (real threads, real connections) never send a message twice and keep order."""

import threading

import pytest
from django.db import close_old_connections, connection

from twotier.core.models import OutboxMessage, OutboxStatus
from twotier.core.outbox import outbox_enqueue
from twotier.core.outbox_delivery import deliver_until_idle
from twotier.nationalportal import delivery
from twotier.nationalportal.tests.helpers import PROGRESS, UPSERT

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("concurrency")]

DOSSIERS = 40
CHANGES = 5


def _enqueue():
    for d in range(DOSSIERS):
        code = f"000.08.30.H12-260302-{d:04d}"
        for stt in range(1, CHANGES + 1):
            status = (1, 2, 4, 9, 10)[stt - 1]
            doc = {"MaHoSo": code, "MaTTHC": "1.001193", "TrangThaiHoSo": status, "KenhThucHien": 2,
                   "NgayTiepNhan": "20260302090000", "NgayHenTra": f"202603{10 + stt:02d}170000"}  # fmt: skip
            outbox_enqueue(topic=UPSERT, aggregate_type="dossier", aggregate_id=code, payload=doc)
            event = {"MaHoSo": code, "STT": stt, "TrangThaiHoSo": status, "ThoiDiemXuLy": f"2026030{stt}090000"}
            outbox_enqueue(topic=PROGRESS, aggregate_type="dossier", aggregate_id=code, payload=event)


def test_two_workers_at_once_send_each_message_exactly_once_in_order(portal, monkeypatch):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has a single writer: concurrent workers are a PostgreSQL matter")
    monkeypatch.setenv("TWOTIER_NATIONAL_PORTAL_MAX_RECORDS", "7")
    _enqueue()
    start = threading.Barrier(2)
    errors = []

    def work():
        try:
            start.wait()
            for _ in range(50):
                if (
                    deliver_until_idle(batch=13).claimed == 0
                    and not OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).exists()
                ):
                    break
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            client = getattr(delivery._local, "client", None)
            if client is not None:
                client.close()
            close_old_connections()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    total = DOSSIERS * CHANGES * 2
    assert OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED, attempts=1).count() == total
    stats = portal.control.stats()
    assert stats["logins"] == 2  # one session per worker thread
    assert stats["progress_duplicates"] == 0 and stats["upserts_unchanged"] == 0
    assert sum(c["records"] for c in stats["calls"]) == total
    for d in range(DOSSIERS):
        held = portal.control.held(f"000.08.30.H12-260302-{d:04d}")
        assert [e["STT"] for e in held["progress"]] == list(range(1, CHANGES + 1))
        assert held["document"]["TrangThaiHoSo"] == 10 and held["upserts_received"] == CHANGES

"""Dossier changes reach the stand-in portal over HTTP: in order, once, through failures and expired sessions."""

import datetime as dt
import socket

import pytest
from django.utils import timezone

from twotier.core.actors import SystemActor
from twotier.core.models import AuditEvent, OutboxMessage, OutboxStatus
from twotier.core.outbox import outbox_enqueue
from twotier.core.outbox_delivery import deliver_due
from twotier.nationalportal.selectors import dossier_sync_state, outbox_summary
from twotier.nationalportal.services import portal_outbox_retry
from twotier.nationalportal.tests.helpers import PROGRESS, UPSERT, drain, online_path, statuses
from twotier.testing.factories import UserFactory, post_make

PATH = [1, 2, 4, 4, 9, 10]
SYSTEM = SystemActor("test")


@pytest.fixture
def admin(desk):
    user = UserFactory(username="sysadmin")
    post_make(desk.province, "system_admin", holder=user)
    return user


def _messages(code, topic=None):
    qs = OutboxMessage.objects.filter(aggregate_id=code).order_by("pk")
    return qs.filter(topic=topic) if topic else qs


def _assert_complete(portal, dossier):
    held = portal.control.held(dossier.code)
    assert held["document"]["TrangThaiHoSo"] == 10
    assert held["document"]["MaHoSo"] == dossier.code
    assert [e["STT"] for e in held["progress"]] == [1, 2, 3, 4, 5, 6]
    assert statuses(held) == PATH
    assert all(e["duplicates"] == 0 for e in held["progress"])
    return held


def test_each_change_is_delivered_in_order_as_it_happens(portal, desk):
    dossier = online_path(desk, between=drain)
    held = _assert_complete(portal, dossier)
    assert held["upserts_received"] == 6
    assert set(_messages(dossier.code).values_list("status", "attempts")) == {(OutboxStatus.DELIVERED, 1)}
    dossier.refresh_from_db()
    assert dossier.portal_synced_at is not None
    state = dossier_sync_state(dossier)
    assert state["state"] == "synced" and state["pending"] == 0 and state["last_error"] == ""
    assert state["last_delivered_at"] == dossier.portal_synced_at
    assert portal.control.stats()["logins"] == 1


def test_a_backlog_is_delivered_in_order_with_one_document_per_dossier(portal, desk):
    first = online_path(desk)
    second = online_path(desk)
    assert dossier_sync_state(first)["state"] == "pending"
    assert dossier_sync_state(first)["pending"] == 12
    stats = drain()
    assert stats.delivered == 24 and stats.retried == stats.dead == 0
    for dossier in (first, second):
        held = _assert_complete(portal, dossier)
        assert held["upserts_received"] == 6
    totals = portal.control.stats()
    assert totals["documents"] == 2 and totals["progress_events"] == 12 and totals["progress_duplicates"] == 0
    # Batching: one call per wave and service, each carrying both dossiers.
    calls = {c["service"]: (c["calls"], c["records"]) for c in totals["calls"]}
    assert calls == {"DongBoHoSoMC": (6, 12), "CapNhatTienDoHoSoMC": (6, 12)}


def test_result_links_are_sent_absolute(portal, desk, monkeypatch):
    monkeypatch.setenv("TWOTIER_PUBLIC_BASE_URL", "https://dichvucong.camau.example")
    dossier = online_path(desk)
    drain()
    results = portal.control.held(dossier.code)["document"]["DanhSachGiayToKetQua"]
    stored = _messages(dossier.code, UPSERT).last().payload["DanhSachGiayToKetQua"]
    assert [r["DuongDanTepTinKetQua"] for r in results] == [
        "https://dichvucong.camau.example" + r["DuongDanTepTinKetQua"] for r in stored
    ]


def test_a_portal_that_fails_for_a_while_loses_nothing_and_doubles_nothing(portal, desk):
    dossier = online_path(desk)
    drain()
    other = online_path(desk)
    portal.control.fail("500")
    stats = drain()
    assert stats.delivered == 0 and stats.retried == 12
    failing = _messages(other.code)
    assert set(failing.values_list("status", "attempts")) == {(OutboxStatus.FAILED, 1)}
    assert "HTTP 500" in failing.first().last_error
    state = dossier_sync_state(other)
    assert state["state"] == "failing" and state["pending"] == 12 and "HTTP 500" in state["last_error"]
    assert outbox_summary(user=SYSTEM)["counts"][OutboxStatus.FAILED] == 12

    third = online_path(desk)  # the backlog grows while the portal is down
    drain(hours=1)
    assert outbox_summary(user=SYSTEM)["counts"][OutboxStatus.FAILED] == 24
    assert set(_messages(other.code).values_list("attempts", flat=True)) == {2}

    # Then it answers too late: it stores the first call but the client times out and must not double it.
    portal.control.fail("timeout", delay_seconds=2.5)
    stats = drain(hours=2)
    assert stats.delivered == 0 and stats.retried == 24
    assert "timeout after 1s" in _messages(other.code).first().last_error
    portal.control.clear()
    stats = drain(hours=24)
    assert stats.delivered == 24 and stats.dead == 0
    for d in (dossier, other, third):
        _assert_complete(portal, d)
        assert dossier_sync_state(d)["state"] == "synced"
    totals = portal.control.stats()
    assert totals["documents"] == 3 and totals["progress_events"] == 18 and totals["progress_duplicates"] == 0
    # The timed-out call carried the first wave's upserts: stored once, then acknowledged as unchanged.
    assert totals["upserts_received"] == 18 + 2 and totals["upserts_unchanged"] >= 2
    assert OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).count() == 0


def test_an_expired_session_logs_in_again_once(portal, desk):
    dossier = online_path(desk, between=lambda: (drain(), portal.control.expire_sessions()))
    _assert_complete(portal, dossier)
    assert portal.control.stats()["logins"] == 6  # the first login, then one per expired session
    refused = [c for c in portal.control.stats()["calls"] if c["http_status"] != 200]
    assert refused == []


def test_refused_login_is_retried_later(portal, desk, monkeypatch):
    monkeypatch.setenv("TWOTIER_NATIONAL_PORTAL_PASSWORD", "wrong")
    dossier = online_path(desk)
    drain()
    assert "login refused: HTTP 401 LOGIN_FAILED" in dossier_sync_state(dossier)["last_error"]
    assert dossier_sync_state(dossier)["state"] == "failing"
    monkeypatch.setenv("TWOTIER_NATIONAL_PORTAL_PASSWORD", "standin")
    drain(hours=1)
    _assert_complete(portal, dossier)


def test_a_permanent_refusal_is_dead_at_once_and_an_administrator_retries_it(portal, desk, admin):
    portal.control.fail("400")
    dossier = online_path(desk)
    drain()
    upsert, progress = _messages(dossier.code, UPSERT).first(), _messages(dossier.code, PROGRESS).first()
    assert (upsert.status, upsert.attempts) == (OutboxStatus.DEAD, 1)
    assert upsert.last_error == "DongBoHoSoMC refused: HTTP 400 INJECTED_FAILURE: stand-in: injected HTTP 400"
    assert (progress.status, progress.attempts) == (OutboxStatus.PENDING, 0)  # blocked behind the dead upsert
    state = dossier_sync_state(dossier)
    assert state["state"] == "dead" and state["last_error"] == upsert.last_error
    assert AuditEvent.objects.filter(action="outbox.dead", target_id=str(upsert.pk)).count() == 1

    portal.control.clear()
    drain(hours=48)
    assert _messages(dossier.code).exclude(pk=upsert.pk).filter(status=OutboxStatus.DELIVERED).count() == 0
    assert portal.control.held(dossier.code)["document"] is None

    assert portal_outbox_retry(actor=admin, message_ids=[upsert.pk]) == [upsert.pk]
    event = AuditEvent.objects.get(action="outbox.retry")
    assert event.actor_label == "sysadmin" and event.changes["ids"] == [upsert.pk]
    assert portal_outbox_retry(actor=admin, message_ids=[upsert.pk]) == []  # repeating changes nothing
    assert AuditEvent.objects.filter(action="outbox.retry").count() == 1
    drain()
    _assert_complete(portal, dossier)


def test_a_refused_record_dies_alone_and_blocks_only_its_own_dossier(portal, desk):
    good = online_path(desk)
    bad = outbox_enqueue(
        topic=UPSERT,
        aggregate_type="dossier",
        aggregate_id="000.08.30.H12-260302-9999",
        payload={**_messages(good.code, UPSERT).first().payload, "MaHoSo": "000.08.30.H12-260302-9999",
                 "NgayTiepNhan": "2026-03-02"},
    )  # fmt: skip
    later = outbox_enqueue(
        topic=PROGRESS, aggregate_type="dossier", aggregate_id=bad.aggregate_id, payload={"MaHoSo": bad.aggregate_id}
    )
    drain()
    bad.refresh_from_db()
    assert bad.status == OutboxStatus.DEAD
    assert bad.last_error == (
        "DongBoHoSoMC refused the record: INVALID_FIELD: NgayTiepNhan: expected yyyyMMddHHmmss, got '2026-03-02'"
    )
    assert OutboxMessage.objects.get(pk=later.pk).status == OutboxStatus.PENDING
    _assert_complete(portal, good)


def test_a_call_refused_as_a_whole_is_split_so_only_the_bad_record_dies(portal, desk):
    first, second = online_path(desk), online_path(desk)
    portal.control.fail("400", times=1)  # the batch is refused once; sent one by one, both pass
    drain()
    for d in (first, second):
        _assert_complete(portal, d)
    upserts = portal.control.stats()["calls"]
    assert {"service": "DongBoHoSoMC", "http_status": 400, "calls": 1, "records": 2} in upserts


def test_portal_unreachable_backs_off_with_jitter_then_gives_up(portal, desk, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    monkeypatch.setenv("TWOTIER_NATIONAL_PORTAL_URL", f"http://127.0.0.1:{closed_port}")
    monkeypatch.setenv("TWOTIER_OUTBOX_MAX_ATTEMPTS", "3")
    dossier = online_path(desk)
    upsert = _messages(dossier.code, UPSERT).first()
    at = timezone.now()
    deliver_due(now=at)
    upsert.refresh_from_db()
    assert upsert.status == OutboxStatus.FAILED and "cannot reach the portal" in upsert.last_error
    assert dt.timedelta(seconds=5) <= upsert.next_attempt_at - at <= dt.timedelta(seconds=10)
    at += dt.timedelta(seconds=10)
    deliver_due(now=at)
    upsert.refresh_from_db()
    assert upsert.attempts == 2
    assert dt.timedelta(seconds=10) <= upsert.next_attempt_at - at <= dt.timedelta(seconds=20)
    deliver_due(now=at + dt.timedelta(seconds=20))
    upsert.refresh_from_db()
    assert upsert.status == OutboxStatus.DEAD and upsert.last_error.startswith("gave up after 3 attempts: ")


def test_too_many_requests_waits_as_long_as_the_portal_asks(portal, desk):
    dossier = online_path(desk)
    portal.control.fail("429", retry_after=900)
    at = timezone.now()
    deliver_due(now=at)
    upsert = _messages(dossier.code, UPSERT).first()
    assert upsert.status == OutboxStatus.FAILED
    assert upsert.next_attempt_at - at >= dt.timedelta(seconds=900)


def test_a_dropped_connection_is_retried(portal, desk):
    online_path(desk)
    drain()  # opens a kept-alive connection
    dossier = online_path(desk)
    portal.control.fail("disconnect", times=2)  # the stale-connection retry meets the second drop
    drain()
    assert dossier_sync_state(dossier)["state"] == "failing"
    assert "connection closed by the portal" in dossier_sync_state(dossier)["last_error"]
    drain(hours=1)
    _assert_complete(portal, dossier)

"""The backlog page and a dossier's sync page: who may open them, what they show, and the retry buttons."""

import re

import pytest
from django.test import Client

from twotier.core.models import AuditEvent, OutboxMessage, OutboxStatus
from twotier.dossiers.services import receipt
from twotier.dossiers.tests.helpers import submission
from twotier.nationalportal.tests.helpers import drain, outbox_state
from twotier.testing.authz import build_world, check_matrix

pytestmark = pytest.mark.urls("twotier.nationalportal.tests.urls")
PAGE_DENIED = {"anonymous": 302, "citizen": 403, "other_commune": 403, "without_permission": 403}


@pytest.fixture
def admin_world(desk):
    return build_world(desk.province, ("system_admin",), baseline_roles=("unit_leader",))


def _dossier(desk):
    return receipt.dossier_receive(actor=desk.receiver, unit=desk.commune, submission=submission("1.001193"))


def _failing_and_dead(portal, desk):
    """One dossier whose messages fail (HTTP 500) and one whose upsert the portal refused (HTTP 400)."""
    failing = _dossier(desk)
    portal.control.fail("500")
    drain()
    dead = _dossier(desk)
    portal.control.fail("400")
    drain()
    portal.control.clear()
    return failing, dead


def _rows(html, table):
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr data-(?:id="(\d+)" data-)?status="(\w+)"', body)


def test_backlog_page_shows_counts_failures_and_retry_buttons(portal, desk, admin_world):
    failing, dead = _failing_and_dead(portal, desk)
    responses = check_matrix(admin_world, lambda a: a.client().get("/portal-sync/"), allowed=200, denied=PAGE_DENIED)
    assert responses["anonymous"]["Location"].startswith("/accounts/login/")
    html = responses["with_permission"].content.decode()
    counts = html.split('id="status-counts"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'data-status="(\w+)">\s*<th scope="row">[^<]+</th>\s*<td class="num">(\d+)</td>\s*'
                      r'<td class="num">(\d+)</td>\s*<td class="num"><strong>(\d+)', counts) == [
        ("pending", "0", "1", "1"), ("delivered", "0", "0", "0"), ("failed", "1", "1", "2"), ("dead", "1", "0", "1"),
    ]  # fmt: skip
    rows = _rows(html, "backlog")
    assert [status for _id, status in rows] == ["failed", "failed", "dead", "pending"]
    assert html.count('action="/portal-sync/retry/"') == 3  # failed and dead rows, not the blocked pending one
    assert "stand-in: injected HTTP 500" in html and "stand-in: injected HTTP 400" in html
    assert 'action="/portal-sync/retry-all/"' in html
    assert failing.code in html and dead.code in html
    assert "<h1>Đồng bộ Cổng Dịch vụ công quốc gia</h1>" in html
    assert "Gửi lại tất cả thông điệp lỗi (3)" in html


def test_backlog_page_filters(portal, desk, admin_world):
    _failing_and_dead(portal, desk)
    client = admin_world["with_permission"].client()
    html = client.get("/portal-sync/?status=dead").content.decode()
    assert [s for _i, s in _rows(html, "backlog")] == ["dead"]
    html = client.get("/portal-sync/?status=&topic=CapNhatTienDoHoSoMC").content.decode()
    assert [s for _i, s in _rows(html, "backlog")] == ["failed", "pending"]
    html = client.get("/portal-sync/?status=bogus").content.decode()  # an invalid filter falls back to the default
    assert len(_rows(html, "backlog")) == 4


def test_retry_button_posts_with_csrf_and_is_audited(portal, desk, admin_world):
    _failing, dead = _failing_and_dead(portal, desk)
    message = OutboxMessage.objects.get(aggregate_id=dead.code, status=OutboxStatus.DEAD)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_world["with_permission"].user)
    session = client.session
    session["mfa_ok"] = True
    session.save()
    before = outbox_state()
    assert client.post("/portal-sync/retry/", {"ids": message.pk}).status_code == 403  # no CSRF token
    assert outbox_state() == before
    client.get("/portal-sync/")
    token = client.cookies["csrftoken"].value
    response = client.post("/portal-sync/retry/", {"ids": message.pk, "next": "/portal-sync/?status=dead",
                                                   "csrfmiddlewaretoken": token})  # fmt: skip
    assert (response.status_code, response["Location"]) == (302, "/portal-sync/?status=dead")
    assert OutboxMessage.objects.get(pk=message.pk).status == OutboxStatus.PENDING
    assert AuditEvent.objects.filter(action="outbox.retry").count() == 1
    response = client.post("/portal-sync/retry/", {"ids": message.pk, "next": "https://evil.example/",
                                                   "csrfmiddlewaretoken": token})  # fmt: skip
    assert response["Location"] == "/portal-sync/"  # only local redirects
    assert AuditEvent.objects.filter(action="outbox.retry").count() == 1


def test_retry_buttons_are_refused_to_others_and_change_nothing(portal, desk, admin_world):
    _failing_and_dead(portal, desk)
    ids = list(OutboxMessage.objects.filter(status__in=["failed", "dead"]).values_list("pk", flat=True))

    def state():
        return outbox_state(), AuditEvent.objects.filter(action="outbox.retry").count()

    check_matrix(admin_world, lambda a: a.client().post("/portal-sync/retry/", {"ids": ids}), allowed=302,
                 denied=PAGE_DENIED, state=state)  # fmt: skip
    assert OutboxMessage.objects.filter(status__in=["failed", "dead"]).count() == 0


def test_retry_all_failing(portal, desk, admin_world):
    _failing_and_dead(portal, desk)
    client = admin_world["with_permission"].client()
    check_matrix(admin_world, lambda a: a.client().post("/portal-sync/retry-all/"), allowed=302, denied=PAGE_DENIED)
    assert OutboxMessage.objects.filter(status__in=["failed", "dead"]).count() == 0
    drain()
    assert OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).count() == 0
    response = client.post("/portal-sync/retry-all/", follow=True)
    assert 'class="message message-info"' in response.content.decode()  # nothing to send again
    assert AuditEvent.objects.filter(action="outbox.retry").count() == 1


def test_a_bad_retry_id_shows_an_error_and_changes_nothing(portal, desk, admin_world):
    _failing_and_dead(portal, desk)
    client = admin_world["with_permission"].client()
    before = outbox_state()
    for bad in ("abc", "987654"):
        response = client.post("/portal-sync/retry/", {"ids": bad}, follow=True)
        assert response.status_code == 200 and 'class="message message-error"' in response.content.decode()
    assert outbox_state() == before


def test_dossier_sync_page_follows_the_dossiers_visibility(portal, desk):
    world = build_world(desk.commune, ("one_stop_receiver",), baseline_roles=("archivist",))
    dossier = _dossier(desk)
    denied = {"anonymous": 302, "citizen": 403, "other_commune": 404, "without_permission": 404}
    responses = check_matrix(world, lambda a: a.client().get(f"/portal-sync/dossiers/{dossier.code}/"),
                             allowed=200, denied=denied)  # fmt: skip
    html = responses["with_permission"].content.decode()
    assert 'data-state="pending"' in html
    assert [s for _i, s in _rows(html, "messages")] == ["pending", "pending"]
    assert 'action="/portal-sync/retry/"' not in html
    drain()
    html = world["with_permission"].client().get(f"/portal-sync/dossiers/{dossier.code}/").content.decode()
    assert 'data-state="synced"' in html

"""National-portal API: sync state with the dossier's visibility; backlog and retry for administrators only."""

import json

import pytest

from twotier.core.models import AuditEvent, OutboxMessage, OutboxStatus
from twotier.dossiers.services import receipt
from twotier.dossiers.tests.helpers import submission
from twotier.nationalportal.tests.helpers import UPSERT, drain, outbox_state
from twotier.testing.authz import Actor, build_world, check_matrix, issue_token
from twotier.testing.factories import UserFactory, post_make

pytestmark = pytest.mark.urls("twotier.nationalportal.tests.urls")
BASE = "/api/np-test"
DOSSIER_ROLES = ("one_stop_receiver", "specialist", "unit_leader")
ADMIN_DENIED = {"anonymous": 401, "citizen": 403, "other_commune": 403, "without_permission": 403}


def _get(actor, path):
    return actor.client().get(BASE + path, headers=actor.headers())


def _post(actor, path, body):
    return actor.client().post(BASE + path, json.dumps(body), content_type="application/json", headers=actor.headers())


@pytest.fixture
def commune_world(desk):
    return build_world(desk.commune, DOSSIER_ROLES, baseline_roles=("archivist",))


@pytest.fixture
def admin_world(desk):
    return build_world(desk.province, ("system_admin",), baseline_roles=("unit_leader",))


def _dossier(desk):
    return receipt.dossier_receive(actor=desk.receiver, unit=desk.commune, submission=submission("1.001193"))


def test_sync_state_has_the_dossiers_visibility(portal, desk, commune_world):
    dossier = _dossier(desk)
    responses = check_matrix(commune_world, lambda a: _get(a, f"/dossiers/{dossier.code}/sync"), allowed=200)
    body = responses["with_permission"].json()
    assert body["state"] == "pending" and body["pending"] == 2 and body["counts"]["pending"] == 2
    drain()
    body = _get(commune_world["with_permission"], f"/dossiers/{dossier.code}/sync").json()
    assert body["state"] == "synced" and body["pending"] == 0 and body["portal_synced_at"] is not None
    assert _get(commune_world["with_permission"], "/dossiers/nothing/sync").status_code == 404


def test_backlog_is_for_province_administrators(portal, desk, admin_world):
    _dossier(desk)
    portal.control.fail("500")
    drain()
    responses = check_matrix(admin_world, lambda a: _get(a, "/outbox?status=failed"), allowed=200, denied=ADMIN_DENIED)
    body = responses["with_permission"].json()
    assert body["count"] == 2 and body["page"] == 1
    item = body["items"][0]
    assert item["service"] == "DongBoHoSoMC" and item["status"] == "failed" and item["attempts"] == 1
    assert "HTTP 500" in item["last_error"]
    summary = check_matrix(admin_world, lambda a: _get(a, "/outbox/summary"), allowed=200, denied=ADMIN_DENIED)
    counts = summary["with_permission"].json()["counts"]
    assert counts == {"pending": 0, "delivered": 0, "failed": 2, "dead": 0}


def test_a_province_administrator_with_unit_manage_may_see_it_too(portal, desk):
    user = UserFactory(username="province-admin")
    post_make(desk.province, "province_admin", holder=user)
    assert _get(Actor("province_admin", user, issue_token(user)), "/outbox").status_code == 200
    commune_admin = UserFactory(username="commune-admin")
    post_make(desk.commune, "province_admin", holder=commune_admin)  # UNIT_MANAGE, but over a commune only
    assert _get(Actor("commune_admin", commune_admin, issue_token(commune_admin)), "/outbox").status_code == 403


def test_backlog_filters(portal, desk, admin_world):
    _dossier(desk)
    second = _dossier(desk)
    drain()
    admin = admin_world["with_permission"]
    assert _get(admin, "/outbox?topic=CapNhatTienDoHoSoMC").json()["count"] == 2
    assert _get(admin, f"/outbox?dossier={second.code[-4:]}").json()["count"] == 2
    assert _get(admin, "/outbox?status=undelivered").json()["count"] == 0
    assert _get(admin, "/outbox?status=delivered&page_size=1").json()["count"] == 4
    bad = _get(admin, "/outbox?status=lost")
    assert bad.status_code == 422
    assert bad.json()["error"]["fields"][0] == {
        "field": "status",
        "rule": "choice",
        "message": "One of pending, delivered, failed, dead, undelivered",
    }


def test_retry_is_for_administrators_audited_and_idempotent(portal, desk, admin_world):
    dossier = _dossier(desk)
    portal.control.fail("400")
    drain()
    dead = OutboxMessage.objects.get(aggregate_id=dossier.code, topic=UPSERT)
    assert dead.status == OutboxStatus.DEAD
    portal.control.clear()

    def state():
        return outbox_state(), AuditEvent.objects.filter(action="outbox.retry").count()

    responses = check_matrix(
        admin_world, lambda a: _post(a, "/outbox/retry", {"ids": [dead.pk]}), allowed=200, denied=ADMIN_DENIED,
        state=state,
    )  # fmt: skip
    assert responses["with_permission"].json() == {"retried": [dead.pk], "count": 1}
    again = _post(admin_world["with_permission"], "/outbox/retry", {"ids": [dead.pk]})
    assert again.json() == {"retried": [], "count": 0}
    assert AuditEvent.objects.filter(action="outbox.retry").count() == 1
    drain()
    assert portal.control.held(dossier.code)["document"]["MaHoSo"] == dossier.code


@pytest.mark.parametrize(
    "body, field, rule",
    [({"ids": []}, "ids", "too_short"), ({"ids": [987654]}, "ids", "exists"), ({}, "ids", "missing")],
)
def test_retry_names_the_bad_field_and_changes_nothing(portal, desk, admin_world, body, field, rule):
    _dossier(desk)
    before = outbox_state()
    response = _post(admin_world["with_permission"], "/outbox/retry", body)
    assert response.status_code == 422
    issue = response.json()["error"]["fields"][0]
    assert (issue["field"], issue["rule"]) == (field, rule)
    assert outbox_state() == before

"""Payments API: authorisation matrix on every endpoint; the callback refuses anything not signed by the gateway."""

import json

import pytest
from django.test import Client

from twotier.dossiers.models import Dossier
from twotier.dossiers.tests.helpers import receive
from twotier.payments.tests.helpers import awaiting_payment, callback_body, receipts, state
from twotier.testing.authz import build_world, check_matrix, issue_token

pytestmark = [pytest.mark.urls("twotier.payments.tests.urls"), pytest.mark.usefixtures("pay_settings")]

ROLES = ("one_stop_receiver", "specialist", "unit_leader")


@pytest.fixture
def world(desk):
    return build_world(desk.commune, ROLES, baseline_roles=("archivist",))


def _start(client, code, body=None, headers=None):
    return client.post(
        f"/api/v1/dossiers/{code}/payments/online",
        json.dumps(body or {}),
        content_type="application/json",
        headers=headers or {},
    )


def _full_state(gateway):
    return state(), sorted(ref for _merchant, ref in gateway.store.by_reference)


def test_start_online_matrix(world, desk, gateway):
    dossier = awaiting_payment(desk)
    responses = check_matrix(
        world,
        lambda a: _start(a.client(), dossier.code, headers=a.headers()),
        state=lambda: _full_state(gateway),
    )
    out = responses["with_permission"].json()
    assert out["status"] == "pending" and out["amount_vnd"] == 30000 and out["method"] == "online"
    assert out["checkout_url"].startswith(gateway.url + "/checkout/") and out["reference"].startswith("TT")
    again = _start(world["with_permission"].client(), dossier.code, headers=world["with_permission"].headers())
    assert again.status_code == 200 and again.json()["reference"] == out["reference"]


def test_start_online_by_the_owner_citizen_and_by_the_secret(world, desk, gateway):
    owned = awaiting_payment(desk)
    Dossier.objects.filter(pk=owned.pk).update(citizen=world["citizen"].user)
    citizen = world["citizen"]
    assert _start(citizen.client(), owned.code, headers=citizen.headers()).status_code == 200

    other = awaiting_payment(desk)
    anonymous = Client(enforce_csrf_checks=True)  # no session: no CSRF token is needed
    before = _full_state(gateway)
    assert _start(anonymous, other.code, {"secret": "wrong"}).status_code == 404
    assert _start(anonymous, "NO-SUCH-CODE", {"secret": other.access_secret}).status_code == 404
    assert _start(anonymous, "NO-SUCH-CODE").status_code == 401
    bad_token = {"Authorization": "Bearer tt_nope_nope", "X-Dossier-Secret": other.access_secret}
    assert _start(anonymous, other.code, headers=bad_token).status_code == 401
    assert _full_state(gateway) == before
    by_body = _start(anonymous, other.code, {"secret": other.access_secret})
    by_header = _start(anonymous, other.code, headers={"X-Dossier-Secret": other.access_secret})
    assert by_body.status_code == by_header.status_code == 200
    assert by_body.json()["reference"] == by_header.json()["reference"]


def test_start_online_errors(world, desk, gateway):
    dossier = awaiting_payment(desk)
    specialist = {"Authorization": f"Bearer {issue_token(desk.specialist)}"}
    before = _full_state(gateway)
    refused = _start(Client(), dossier.code, headers=specialist)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    too_long = _start(Client(), dossier.code, {"secret": "x" * 65})
    assert too_long.status_code == 422 and too_long.json()["error"]["fields"][0]["field"] == "secret"
    not_due = _start(Client(), receive(desk).code, headers=world["with_permission"].headers())
    assert not_due.status_code == 409 and not_due.json()["error"]["code"] == "not_awaiting_payment"
    assert _full_state(gateway)[1] == before[1]


def test_a_session_caller_needs_the_csrf_token(world, desk, gateway):
    dossier = awaiting_payment(desk)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["with_permission"].user)
    session = client.session
    session["mfa_ok"] = True
    session.save()
    before = _full_state(gateway)
    assert _start(client, dossier.code).status_code == 403
    assert _full_state(gateway) == before


def test_dossier_payments_matrix(world, desk, gateway):
    dossier = awaiting_payment(desk)
    _start(world["with_permission"].client(), dossier.code, headers=world["with_permission"].headers())
    responses = check_matrix(
        world,
        lambda a: a.client().get(f"/api/v1/dossiers/{dossier.code}/payments", headers=a.headers()),
        state=lambda: _full_state(gateway),
    )
    out = responses["with_permission"].json()
    assert out["code"] == dossier.code and out["status"] == 6 and out["fee_total"] == 30000 and out["paid_online"] == 0
    fee = {"code": "LP1", "name": "Lệ phí LP1", "amount_vnd": 30000, "quantity": 1, "total_vnd": 30000}
    assert out["fees"] == [fee]
    [payment] = out["payments"]
    assert payment["status"] == "pending" and payment["checkout_url"].startswith(gateway.url)
    by_secret = Client().get(
        f"/api/v1/dossiers/{dossier.code}/payments", headers={"X-Dossier-Secret": dossier.access_secret}
    )
    assert by_secret.status_code == 200 and by_secret.json() == out
    wrong = Client().get(f"/api/v1/dossiers/{dossier.code}/payments", headers={"X-Dossier-Secret": "nope"})
    assert wrong.status_code == 404


def _callback(client, body, headers=None):
    return client.post("/api/v1/payments/callback", body, content_type="application/json", headers=headers or {})


def test_callback_refuses_a_forged_signature_from_anyone_and_changes_nothing(world, desk, gateway):
    dossier = awaiting_payment(desk)
    started = _start(world["with_permission"].client(), dossier.code, headers=world["with_permission"].headers())
    reference = started.json()["reference"]
    before = _full_state(gateway)
    for name in ("anonymous", "citizen", "other_commune", "without_permission", "with_permission"):
        actor = world[name]
        forged = _callback(actor.client(), callback_body(reference, secret="guessed"), actor.headers())
        assert forged.status_code == 403, name
        assert forged.json() == {"RspCode": "97", "Message": "Invalid signature"}
        assert _full_state(gateway) == before and receipts() == []
    malformed = _callback(Client(), b"{not json")
    assert malformed.status_code == 400 and malformed.json()["RspCode"] == "99"
    genuine = _callback(Client(enforce_csrf_checks=True), callback_body(reference))
    assert genuine.status_code == 200 and genuine.json() == {"RspCode": "00", "Message": "Confirm Success"}
    dossier.refresh_from_db()
    assert (dossier.status, dossier.paid_online) == (2, 2)
    view = world["with_permission"]
    payments = view.client().get(f"/api/v1/dossiers/{dossier.code}/payments", headers=view.headers()).json()
    assert payments["paid_online"] == 2 and payments["payments"][0]["status"] == "paid"
    assert payments["payments"][0]["checkout_url"] == ""
